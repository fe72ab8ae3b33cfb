#include "store/sql_store.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/clair_json.h"

namespace lucid::store {

using internal::EnrichmentRow;
using internal::VulnRow;

// ---------------------------------------------------------------- SqlConn

Result<std::optional<int64_t>> SqlConn::QueryInt(std::string_view sql, const Params& params) {
  std::optional<int64_t> out;
  LUCID_RETURN_IF_ERROR(Query(sql, params, [&](const Row& r) {
    if (!out && !r.IsNull(0)) out = r.Int(0);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<std::string>> SqlConn::QueryText(std::string_view sql, const Params& params) {
  std::optional<std::string> out;
  LUCID_RETURN_IF_ERROR(Query(sql, params, [&](const Row& r) {
    if (!out && !r.IsNull(0)) out = r.Text(0);
    return Status::Ok();
  }));
  return out;
}

// ---------------------------------------------------------------- migrations

Result<int> SchemaVersion(SqlBackend& backend, SqlConn* c, const MigrationSet& set) {
  LUCID_ASSIGN_OR_RETURN(bool exists, backend.TableExists(c, set.table));
  if (!exists) return 0;
  LUCID_ASSIGN_OR_RETURN(auto v, c->QueryInt("SELECT max(version) FROM " + set.table));
  return static_cast<int>(v.value_or(0));
}

Result<int> ApplyMigrations(SqlBackend& backend, const MigrationSet& set, bool migrate) {
  const int known = static_cast<int>(set.steps.size());
  LUCID_ASSIGN_OR_RETURN(auto conn, backend.Acquire());
  while (true) {
    Txn txn(conn.get());
    LUCID_RETURN_IF_ERROR(txn.BeginWrite());
    LUCID_RETURN_IF_ERROR(backend.LockForMigration(conn.get(), set.table));
    LUCID_ASSIGN_OR_RETURN(int current, SchemaVersion(backend, conn.get(), set));
    if (current > known) {
      return Unsupported(set.what + " database schema is at version " + std::to_string(current) +
                         ", newer than this lucid binary supports (version " + std::to_string(known) +
                         "); upgrade lucid or use another database");
    }
    if (current == known) return current;
    if (!migrate) {
      return Unsupported(set.what + " database schema is at version " + std::to_string(current) +
                         " but this lucid binary needs version " + std::to_string(known) + "; enable migrations (" +
                         set.what + ".migrations: true) to upgrade it");
    }
    LUCID_RETURN_IF_ERROR(conn->Exec("CREATE TABLE IF NOT EXISTS " + set.table +
                                     " (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"));
    const int next = current + 1;
    Status s = conn->Exec(set.steps[next - 1]);
    if (!s.ok()) return s.WithContext(set.what + " migration " + std::to_string(next));
    LUCID_RETURN_IF_ERROR(conn->Exec("INSERT INTO " + set.table + " (version, applied) VALUES ($1, $2)",
                                     {int64_t{next}, std::string_view(internal::NowRfc3339())}));
    LUCID_RETURN_IF_ERROR(txn.Commit());
  }
}

// ---------------------------------------------------------------- backend defaults

namespace {
std::string VulnInsertSql() {
  std::string cols = "hash";
  std::string vals = "$1";
  int i = 2;
  for (auto c : internal::kVulnColumns) {
    cols += ", " + std::string(c);
    vals += ", $" + std::to_string(i++);
  }
  cols += ", json";
  vals += ", $" + std::to_string(i);
  return "INSERT INTO lucid_vuln (" + cols + ") VALUES (" + vals + ") ON CONFLICT (hash) DO NOTHING";
}
}  // namespace

Status SqlBackend::InsertVulns(SqlConn* c, int64_t uo, const std::vector<VulnRow>& rows) {
  static const std::string insert_sql = VulnInsertSql();
  for (const auto& row : rows) {
    Params p;
    p.reserve(internal::kNumVulnColumns + 2);
    p.emplace_back(std::string_view(row.hash));
    for (const auto& v : row.cols) p.emplace_back(std::string_view(v));
    p.emplace_back(std::string_view(row.json));
    LUCID_RETURN_IF_ERROR(c->Exec(insert_sql, p));
    LUCID_RETURN_IF_ERROR(
        c->Exec("INSERT INTO lucid_uo_vuln (uo, vuln) SELECT $1, id FROM lucid_vuln WHERE hash = $2 "
                "ON CONFLICT DO NOTHING",
                {uo, std::string_view(row.hash)}));
  }
  return Status::Ok();
}

Status SqlBackend::InsertEnrichments(SqlConn* c, int64_t uo, const std::string& updater,
                                     const std::vector<EnrichmentRow>& rows) {
  for (const auto& e : rows) {
    LUCID_RETURN_IF_ERROR(
        c->Exec("INSERT INTO lucid_enrichment (hash, updater, tags, json) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (hash) DO NOTHING",
                {std::string_view(e.hash), std::string_view(updater), std::string_view(e.tags_json),
                 std::string_view(e.json)}));
    LUCID_ASSIGN_OR_RETURN(auto id,
                           c->QueryInt("SELECT id FROM lucid_enrichment WHERE hash = $1", {std::string_view(e.hash)}));
    if (!id) return Internal("enrichment vanished during insert");
    for (const auto& t : e.tags) {
      LUCID_RETURN_IF_ERROR(
          c->Exec("INSERT INTO lucid_enrichment_tag (tag, enrichment) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                  {std::string_view(t), *id}));
    }
    LUCID_RETURN_IF_ERROR(
        c->Exec("INSERT INTO lucid_uo_enrichment (uo, enrichment) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                {uo, *id}));
  }
  return Status::Ok();
}

Status SqlBackend::LookupCandidates(SqlConn* c, const std::vector<const internal::CandidateLookup*>& lookups,
                                    const std::vector<int64_t>&,
                                    const std::function<Status(size_t, int64_t, std::string&&)>& fn) {
  // One index probe per lookup. In-process round trips are cheap, and the
  // join on the latest-operation table reads the same snapshot as the caller.
  std::unordered_map<std::string, std::string> sql_by_shape;  // the connection caches the prepared form
  for (size_t i = 0; i < lookups.size(); ++i) {
    const internal::CandidateLookup& l = *lookups[i];
    std::string shape;
    for (auto con : l.constraints) shape += static_cast<char>('a' + static_cast<int>(con));
    auto it = sql_by_shape.find(shape);
    if (it == sql_by_shape.end()) {
      std::string sql =
          "SELECT v.id, v.hash FROM lucid_vuln v "
          "JOIN lucid_uo_vuln uv ON uv.vuln = v.id "
          "JOIN lucid_latest_update_operation l ON l.uo = uv.uo AND l.kind = 'vulnerability' "
          "WHERE v.package_name = $1 AND v.package_kind = $2";
      int n = 3;
      for (auto con : l.constraints) {
        sql += " AND v." + std::string(internal::ConstraintColumn(con)) + " = $" + std::to_string(n++);
      }
      it = sql_by_shape.emplace(std::move(shape), std::move(sql)).first;
    }
    Params p{std::string_view(l.name), std::string_view(l.kind)};
    for (const auto& v : l.values) p.emplace_back(std::string_view(v));
    LUCID_RETURN_IF_ERROR(c->Query(it->second, p, [&](const Row& r) { return fn(i, r.Int(0), r.Text(1)); }));
  }
  return Status::Ok();
}

Status SqlBackend::QueryEnrichmentsByTag(SqlConn* c, int64_t uo, const std::vector<std::string>& tags,
                                         const std::function<Status(const std::string&, std::string&&)>& fn) {
  for (const auto& tag : tags) {
    LUCID_RETURN_IF_ERROR(c->Query(
        "SELECT e.json FROM lucid_enrichment_tag t JOIN lucid_uo_enrichment ue ON ue.enrichment = t.enrichment "
        "JOIN lucid_enrichment e ON e.id = t.enrichment WHERE t.tag = $1 AND ue.uo = $2 ORDER BY e.id",
        {std::string_view(tag), uo}, [&](const Row& r) { return fn(tag, r.Text(0)); }));
  }
  return Status::Ok();
}

Status SqlBackend::FetchVulnJson(SqlConn* c, const std::vector<int64_t>& ids,
                                 const std::function<Status(int64_t, std::string&&)>& fn) {
  for (int64_t id : ids) {
    LUCID_RETURN_IF_ERROR(
        c->Query("SELECT json FROM lucid_vuln WHERE id = $1", {id}, [&](const Row& r) { return fn(id, r.Text(0)); }));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- indexer store

Result<std::optional<std::string>> SqlIndexerStore::GetLayerArtifacts(const Digest& layer,
                                                                      const std::string& scanner_key) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::optional<std::string> out;
  LUCID_RETURN_IF_ERROR(c->Query("SELECT blob FROM lucid_layer_artifact WHERE layer = $1 AND scanner = $2",
                                 {std::string_view(layer.str()), std::string_view(scanner_key)}, [&](const Row& r) {
                                   out = r.Bytes(0);
                                   return Status::Ok();
                                 }));
  return out;
}

Status SqlIndexerStore::PutLayerArtifacts(const Digest& layer, const std::string& scanner_key,
                                          const std::string& blob) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  return c->Exec(
      "INSERT INTO lucid_layer_artifact (layer, scanner, blob) VALUES ($1, $2, $3) "
      "ON CONFLICT (layer, scanner) DO UPDATE SET blob = excluded.blob",
      {std::string_view(layer.str()), std::string_view(scanner_key), Blob{blob}});
}

Result<std::optional<IndexerStore::StoredReport>> SqlIndexerStore::GetIndexReport(const Digest& manifest) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::optional<std::string> state, text;
  LUCID_RETURN_IF_ERROR(c->Query("SELECT state, report FROM lucid_index_report WHERE manifest = $1",
                                 {std::string_view(manifest.str())}, [&](const Row& r) {
                                   state = r.Text(0);
                                   text = r.Text(1);
                                   return Status::Ok();
                                 }));
  if (!text) return std::optional<StoredReport>();
  const std::string key = manifest.str();
  {
    std::shared_ptr<const StoredReport> hit;
    {
      std::lock_guard<std::mutex> l(report_mu_);
      auto it = reports_.find(key);
      if (it != reports_.end() && it->second.text == *text && it->second.report->state == *state) {
        hit = it->second.report;
      }
    }
    if (hit) return std::optional<StoredReport>(*hit);
  }
  auto report = json::DecodeIndexReport(*text);
  if (!report.ok()) return Corrupt("stored index report for " + key + ": " + report.status().message());
  auto stored = std::make_shared<const StoredReport>(StoredReport{std::move(*report), *state});
  constexpr size_t kMaxBytes = size_t{64} << 20;
  const size_t cost = 3 * text->size() + key.size() + 256;  // text + decoded form, roughly
  {
    std::lock_guard<std::mutex> l(report_mu_);
    if (report_bytes_ + cost > kMaxBytes) {
      reports_.clear();
      report_bytes_ = 0;
    }
    auto [it, inserted] = reports_.try_emplace(key);
    if (!inserted) report_bytes_ -= std::min(report_bytes_, 3 * it->second.text.size() + key.size() + 256);
    it->second.text = std::move(*text);
    it->second.report = stored;
    report_bytes_ += cost;
  }
  return std::optional<StoredReport>(*stored);
}

Status SqlIndexerStore::PutIndexReport(const IndexReport& report, const std::vector<Digest>& layers,
                                       const std::string& state) {
  if (report.manifest_hash.empty()) return InvalidArgument("index report without manifest hash");
  const std::string m = report.manifest_hash.str();
  const std::string text =
      internal::ScrubUtf8(json::Serialize(json::EncodeIndexReport(report, {.lucid_extras = true})));
  // Distinct (binary name, source name) pairs of the finished report.
  std::set<std::pair<std::string, std::string>> names;
  if (report.state == IndexState::kIndexFinished) {
    for (const auto& [id, p] : report.packages)
      names.emplace(internal::ScrubUtf8(p.name), internal::ScrubUtf8(p.source.name));
  }
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginWrite());
  LUCID_RETURN_IF_ERROR(
      c->Exec("INSERT INTO lucid_manifest (hash) VALUES ($1) ON CONFLICT DO NOTHING", {std::string_view(m)}));
  // Row-locks the manifest (PostgreSQL), so concurrent writers of one report
  // queue here instead of colliding on its layer/index rows. SQLite's
  // BEGIN IMMEDIATE already serialises writers.
  LUCID_RETURN_IF_ERROR(c->Query("SELECT hash FROM lucid_manifest WHERE hash = $1" + b_->RowLockClause(),
                                 {std::string_view(m)}, [](const Row&) { return Status::Ok(); }));
  LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_manifest_layer WHERE manifest = $1", {std::string_view(m)}));
  for (size_t i = 0; i < layers.size(); ++i) {
    LUCID_RETURN_IF_ERROR(c->Exec("INSERT INTO lucid_manifest_layer (manifest, i, layer) VALUES ($1, $2, $3)",
                                  {std::string_view(m), static_cast<int64_t>(i), std::string_view(layers[i].str())}));
  }
  const std::string clean_state = internal::ScrubUtf8(state);
  LUCID_RETURN_IF_ERROR(
      c->Exec("INSERT INTO lucid_index_report (manifest, state, report) VALUES ($1, $2, $3) "
              "ON CONFLICT (manifest) DO UPDATE SET state = excluded.state, report = excluded.report",
              {std::string_view(m), std::string_view(clean_state), std::string_view(text)}));
  LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_manifest_index WHERE manifest = $1", {std::string_view(m)}));
  for (const auto& [name, source] : names) {
    LUCID_RETURN_IF_ERROR(
        c->Exec("INSERT INTO lucid_manifest_index (manifest, package_name, source_name) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                {std::string_view(m), std::string_view(name), std::string_view(source)}));
  }
  return txn.Commit();
}

Result<std::vector<Digest>> SqlIndexerStore::DeleteManifests(const std::vector<Digest>& manifests) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginWrite());
  std::vector<Digest> deleted;
  std::set<std::string> layers;
  for (const auto& d : manifests) {
    const std::string m = d.str();
    LUCID_ASSIGN_OR_RETURN(auto found,
                           c->QueryInt("SELECT 1 FROM lucid_manifest WHERE hash = $1", {std::string_view(m)}));
    if (!found) continue;
    LUCID_RETURN_IF_ERROR(c->Query("SELECT layer FROM lucid_manifest_layer WHERE manifest = $1", {std::string_view(m)},
                                   [&](const Row& r) {
                                     layers.insert(r.Text(0));
                                     return Status::Ok();
                                   }));
    for (const char* table : {"lucid_manifest_index", "lucid_index_report", "lucid_manifest_layer"}) {
      LUCID_RETURN_IF_ERROR(
          c->Exec(std::string("DELETE FROM ") + table + " WHERE manifest = $1", {std::string_view(m)}));
    }
    LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_manifest WHERE hash = $1", {std::string_view(m)}));
    deleted.push_back(d);
  }
  for (const auto& l : layers) {
    LUCID_RETURN_IF_ERROR(
        c->Exec("DELETE FROM lucid_layer_artifact WHERE layer = $1 AND NOT EXISTS "
                "(SELECT 1 FROM lucid_manifest_layer WHERE layer = $1)",
                {std::string_view(l)}));
  }
  LUCID_RETURN_IF_ERROR(txn.Commit());
  return deleted;
}

Result<int64_t> SqlIndexerStore::DeleteAllIndexReports() {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginWrite());
  LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_index_report"));
  int64_t n = c->Changes();
  LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_manifest_index"));
  LUCID_RETURN_IF_ERROR(txn.Commit());
  return n;
}

Result<std::vector<Digest>> SqlIndexerStore::ManifestsWithPackage(const std::string& raw_name) {
  const std::string name = internal::ScrubUtf8(raw_name);
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::vector<Digest> out;
  LUCID_RETURN_IF_ERROR(
      c->Query("SELECT manifest FROM lucid_manifest_index WHERE package_name = $1 "
               "UNION SELECT manifest FROM lucid_manifest_index WHERE source_name = $1 ORDER BY 1",
               {std::string_view(name)}, [&](const Row& r) {
                 auto d = Digest::Parse(r.Text(0));
                 if (!d.ok()) return Corrupt("stored manifest digest: " + d.status().message());
                 out.push_back(std::move(*d));
                 return Status::Ok();
               }));
  return out;
}

Result<std::unique_ptr<Lock>> SqlIndexerStore::TryLockKey(const std::string& key) { return b_->TryLockKey(key); }

Result<std::unique_ptr<Lock>> SqlIndexerStore::LockKey(const std::string& key, std::chrono::seconds timeout) {
  SqlBackend* b = b_.get();
  return internal::LockWithBackoff([b, &key] { return b->TryLockKey(key); }, b->local_locks(), key, timeout);
}

// ---------------------------------------------------------------- matcher store

namespace {

constexpr const char* kOpColumns = "ref, updater, fingerprint, date, kind";

UpdateOperation OpFromRow(const Row& r, int first = 0) {
  UpdateOperation op;
  op.ref = r.Text(first);
  op.updater = r.Text(first + 1);
  op.fingerprint = r.Text(first + 2);
  op.date = r.Text(first + 3);
  op.kind = r.Text(first + 4);
  return op;
}

// Deletes operation `id`, its membership rows, and the vulnerabilities and
// enrichments only it referenced. Runs in the caller's transaction.
Status DeleteOperationById(SqlConn* c, int64_t id) {
  LUCID_RETURN_IF_ERROR(
      c->Exec("DELETE FROM lucid_vuln WHERE id IN (SELECT a.vuln FROM lucid_uo_vuln a WHERE a.uo = $1 AND NOT EXISTS "
              "(SELECT 1 FROM lucid_uo_vuln b WHERE b.vuln = a.vuln AND b.uo <> $1))",
              {id}));
  LUCID_RETURN_IF_ERROR(c->Exec(
      "DELETE FROM lucid_enrichment WHERE id IN (SELECT a.enrichment FROM lucid_uo_enrichment a WHERE a.uo = $1 "
      "AND NOT EXISTS (SELECT 1 FROM lucid_uo_enrichment b WHERE b.enrichment = a.enrichment AND b.uo <> $1))",
      {id}));
  std::optional<std::string> updater, kind;
  LUCID_RETURN_IF_ERROR(
      c->Query("SELECT updater, kind FROM lucid_update_operation WHERE id = $1", {id}, [&](const Row& r) {
        updater = r.Text(0);
        kind = r.Text(1);
        return Status::Ok();
      }));
  if (!updater) return Status::Ok();
  // Membership and the latest pointer go by ON DELETE CASCADE.
  LUCID_RETURN_IF_ERROR(c->Exec("DELETE FROM lucid_update_operation WHERE id = $1", {id}));
  return c->Exec(
      "INSERT INTO lucid_latest_update_operation (updater, kind, uo) "
      "SELECT updater, kind, max(id) FROM lucid_update_operation WHERE updater = $1 AND kind = $2 "
      "GROUP BY updater, kind ON CONFLICT (updater, kind) DO UPDATE SET uo = excluded.uo",
      {std::string_view(*updater), std::string_view(*kind)});
}

// Staging tables of a writer in staged mode (SQLite): connection-private
// TEMP tables, so rows pile up without holding the database's write lock.
std::string StageVulnTable() {
  std::string cols = "hash TEXT NOT NULL";
  for (auto col : internal::kVulnColumns) cols += ", " + std::string(col) + " TEXT NOT NULL";
  return "CREATE TEMP TABLE IF NOT EXISTS lucid_stage_vuln (" + cols + ", json TEXT NOT NULL)";
}

std::string VulnColumnList() {
  std::string cols = "hash";
  for (auto col : internal::kVulnColumns) cols += ", " + std::string(col);
  return cols + ", json";
}

class SqlUpdateWriter final : public UpdateWriter {
 public:
  SqlUpdateWriter(SqlBackend* b, ConnPtr c, std::string updater, std::string fingerprint, std::string kind)
      : b_(b), c_(std::move(c)), txn_(c_.get()), staged_(b->StagesUpdates()) {
    op_.ref = internal::NewUuidV4();
    op_.updater = std::move(updater);
    op_.fingerprint = std::move(fingerprint);
    op_.kind = std::move(kind);
  }
  ~SqlUpdateWriter() override { Abort(); }

  Status Add(const Vulnerability& v) override {
    LUCID_RETURN_IF_ERROR(Usable());
    vulns_.push_back(internal::MakeVulnRow(v, op_.updater));
    ++added_;
    if (vulns_.size() >= kBatch) return Flush();
    return Status::Ok();
  }

  Status AddEnrichment(const std::vector<std::string>& tags, const std::string& json) override {
    LUCID_RETURN_IF_ERROR(Usable());
    enrichments_.push_back(internal::MakeEnrichmentRow(op_.updater, tags, json));
    ++added_;
    if (enrichments_.size() >= kBatch) return Flush();
    return Status::Ok();
  }

  Result<UpdateOperation> Commit() override {
    LUCID_RETURN_IF_ERROR(Usable());
    Status s = staged_ ? CommitStaged() : CommitDirect();
    done_ = true;
    if (!s.ok()) {
      Release();
      return s;
    }
    if (added_ >= kLargeUpdate) b_->AfterLargeUpdate(c_.get());
    Release();
    return op_;
  }

  void Abort() override {
    done_ = true;
    Release();
  }

 private:
  static constexpr size_t kBatch = 1000;
  static constexpr size_t kLargeUpdate = 10000;

  Status Usable() {
    if (done_) return Internal("update writer already committed or aborted");
    return error_;
  }

  Status Flush() {
    Status s = staged_ ? FlushStaged() : FlushDirect();
    if (!s.ok()) error_ = s;
    return s;
  }

  // Creates the operation row inside the open write transaction.
  Status InsertOperation() {
    LUCID_ASSIGN_OR_RETURN(auto id, c_->QueryInt("INSERT INTO lucid_update_operation "
                                                 "(ref, updater, fingerprint, date, kind) "
                                                 "VALUES ($1, $2, $3, '', $4) RETURNING id",
                                                 {std::string_view(op_.ref), std::string_view(op_.updater),
                                                  std::string_view(op_.fingerprint), std::string_view(op_.kind)}));
    if (!id) return Internal("no id for new update operation");
    uo_ = *id;
    return Status::Ok();
  }

  // Direct mode (PostgreSQL: MVCC keeps an open write transaction from
  // blocking anyone): the transaction starts with the first batch.
  Status FlushDirect() {
    if (uo_ < 0) {
      LUCID_RETURN_IF_ERROR(txn_.BeginWrite());
      LUCID_RETURN_IF_ERROR(InsertOperation());
    }
    Status s;
    if (!vulns_.empty()) s = b_->InsertVulns(c_.get(), uo_, vulns_);
    if (s.ok() && !enrichments_.empty()) s = b_->InsertEnrichments(c_.get(), uo_, op_.updater, enrichments_);
    vulns_.clear();
    enrichments_.clear();
    return s;
  }

  Status CommitDirect() {
    LUCID_RETURN_IF_ERROR(Flush());
    return Finish();
  }

  // Staged mode (SQLite, one writer per database): rows go to TEMP tables
  // first and are copied in one short write transaction at Commit, so other
  // writers (the indexer) are not locked out while an update streams in.
  Status FlushStaged() {
    if (vulns_.empty() && enrichments_.empty()) return Status::Ok();
    if (!stage_ready_) {
      LUCID_RETURN_IF_ERROR(c_->Exec(StageVulnTable()));
      LUCID_RETURN_IF_ERROR(
          c_->Exec("CREATE TEMP TABLE IF NOT EXISTS lucid_stage_enrichment (hash TEXT NOT NULL, tags TEXT NOT NULL, "
                   "json TEXT NOT NULL)"));
      LUCID_RETURN_IF_ERROR(c_->Exec("DELETE FROM temp.lucid_stage_vuln"));
      LUCID_RETURN_IF_ERROR(c_->Exec("DELETE FROM temp.lucid_stage_enrichment"));
      stage_ready_ = true;
    }
    const bool own_txn = !committing_;
    // A plain BEGIN that only writes TEMP tables takes no lock on the database.
    if (own_txn) LUCID_RETURN_IF_ERROR(c_->BeginRead());
    Status s;
    static const std::string insert_vuln = [] {
      std::string vals = "$1";
      for (size_t i = 2; i <= internal::kNumVulnColumns + 2; ++i) vals += ", $" + std::to_string(i);
      return "INSERT INTO temp.lucid_stage_vuln (" + VulnColumnList() + ") VALUES (" + vals + ")";
    }();
    for (const auto& row : vulns_) {
      Params p;
      p.reserve(internal::kNumVulnColumns + 2);
      p.emplace_back(std::string_view(row.hash));
      for (const auto& v : row.cols) p.emplace_back(std::string_view(v));
      p.emplace_back(std::string_view(row.json));
      s = c_->Exec(insert_vuln, p);
      if (!s.ok()) break;
    }
    for (const auto& e : enrichments_) {
      if (!s.ok()) break;
      s = c_->Exec("INSERT INTO temp.lucid_stage_enrichment (hash, tags, json) VALUES ($1, $2, $3)",
                   {std::string_view(e.hash), std::string_view(e.tags_json), std::string_view(e.json)});
    }
    vulns_.clear();
    enrichments_.clear();
    if (own_txn) {
      if (s.ok()) s = c_->Commit();
      if (!s.ok()) c_->Rollback();
    }
    return s;
  }

  Status CommitStaged() {
    committing_ = true;
    LUCID_RETURN_IF_ERROR(txn_.BeginWrite());
    LUCID_RETURN_IF_ERROR(Flush());
    LUCID_RETURN_IF_ERROR(InsertOperation());
    if (stage_ready_) {
      const std::string cols = VulnColumnList();
      // "WHERE true": SQLite needs it to parse INSERT ... SELECT ... ON CONFLICT.
      LUCID_RETURN_IF_ERROR(c_->Exec("INSERT INTO lucid_vuln (" + cols + ") SELECT " + cols +
                                     " FROM temp.lucid_stage_vuln WHERE true ON CONFLICT (hash) DO NOTHING"));
      LUCID_RETURN_IF_ERROR(
          c_->Exec("INSERT INTO lucid_uo_vuln (uo, vuln) SELECT $1, v.id FROM temp.lucid_stage_vuln s "
                   "JOIN lucid_vuln v ON v.hash = s.hash WHERE true ON CONFLICT DO NOTHING",
                   {uo_}));
      LUCID_RETURN_IF_ERROR(
          c_->Exec("INSERT INTO lucid_enrichment (hash, updater, tags, json) SELECT hash, $1, tags, json "
                   "FROM temp.lucid_stage_enrichment WHERE true ON CONFLICT (hash) DO NOTHING",
                   {std::string_view(op_.updater)}));
      LUCID_RETURN_IF_ERROR(
          c_->Exec("INSERT INTO lucid_enrichment_tag (tag, enrichment) SELECT j.value, e.id "
                   "FROM temp.lucid_stage_enrichment s JOIN lucid_enrichment e ON e.hash = s.hash, json_each(s.tags) j "
                   "WHERE true ON CONFLICT DO NOTHING"));
      LUCID_RETURN_IF_ERROR(c_->Exec(
          "INSERT INTO lucid_uo_enrichment (uo, enrichment) SELECT $1, e.id FROM temp.lucid_stage_enrichment s "
          "JOIN lucid_enrichment e ON e.hash = s.hash WHERE true ON CONFLICT DO NOTHING",
          {uo_}));
    }
    return Finish();
  }

  Status Finish() {
    op_.date = internal::NowRfc3339();
    LUCID_RETURN_IF_ERROR(
        c_->Exec("UPDATE lucid_update_operation SET date = $1 WHERE id = $2", {std::string_view(op_.date), uo_}));
    LUCID_RETURN_IF_ERROR(
        c_->Exec("INSERT INTO lucid_latest_update_operation (updater, kind, uo) VALUES ($1, $2, $3) "
                 "ON CONFLICT (updater, kind) DO UPDATE SET uo = excluded.uo",
                 {std::string_view(op_.updater), std::string_view(op_.kind), uo_}));
    return txn_.Commit();
  }

  void Release() {
    if (!c_) return;
    txn_.Rollback();
    if (stage_ready_) {
      // The connection goes back to the pool; its TEMP tables go with it.
      (void)c_->Exec("DELETE FROM temp.lucid_stage_vuln");
      (void)c_->Exec("DELETE FROM temp.lucid_stage_enrichment");
    }
    c_.reset();
  }

  SqlBackend* b_;
  ConnPtr c_;
  Txn txn_;
  const bool staged_;
  bool stage_ready_ = false;
  bool committing_ = false;
  UpdateOperation op_;
  int64_t uo_ = -1;
  size_t added_ = 0;
  bool done_ = false;
  Status error_;
  std::vector<VulnRow> vulns_;
  std::vector<EnrichmentRow> enrichments_;
};

}  // namespace

Result<bool> SqlMatcherStore::HasVulnerabilities() {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  LUCID_ASSIGN_OR_RETURN(auto one, c->QueryInt("SELECT 1 FROM lucid_vuln LIMIT 1"));
  return one.has_value();
}

namespace {

// The latest operations of `kind` (of one updater, when given). One
// statement, so it reads one snapshot even outside a transaction.
Result<internal::LatestState> LatestOperations(SqlConn* c, std::string_view kind,
                                               const std::string* updater = nullptr) {
  internal::LatestState st;
  Params p{kind};
  if (updater) p.emplace_back(std::string_view(*updater));
  LUCID_RETURN_IF_ERROR(c->Query(std::string("SELECT l.uo, o.ref FROM lucid_latest_update_operation l "
                                             "JOIN lucid_update_operation o ON o.id = l.uo WHERE l.kind = $1") +
                                     (updater ? " AND l.updater = $2" : "") + " ORDER BY l.uo",
                                 p, [&](const Row& r) {
                                   st.uos.push_back(r.Int(0));
                                   st.key += std::to_string(st.uos.back());
                                   st.key += ':';
                                   st.key += r.Text(1);
                                   st.key += ';';
                                   return Status::Ok();
                                 }));
  return st;
}

// Reads the lists still null in `lists` from the database under `state` (the
// caller's open read transaction), resolves rows through the decode cache
// (fetching and decoding only unseen rows, in one batch) and memoises them.
Status ReadCandidateLists(SqlBackend& b, SqlConn* c, const internal::LatestState& state,
                          const std::vector<internal::CandidateLookup>& lookups,
                          std::vector<internal::DecodedVulnCache::List>* lists) {
  auto& cache = b.vuln_cache();
  std::vector<size_t> todo;
  std::vector<const internal::CandidateLookup*> ptrs;
  for (size_t i = 0; i < lookups.size(); ++i) {
    if ((*lists)[i]) continue;
    todo.push_back(i);
    ptrs.push_back(&lookups[i]);
  }
  if (todo.empty()) return Status::Ok();
  std::vector<std::vector<std::pair<int64_t, std::string>>> rows(todo.size());
  if (!state.uos.empty()) {  // with no operation nothing can match
    LUCID_RETURN_IF_ERROR(b.LookupCandidates(c, ptrs, state.uos, [&](size_t k, int64_t id, std::string&& hash) {
      if (k >= rows.size()) return Internal("candidate row for an unknown lookup");
      rows[k].emplace_back(id, std::move(hash));
      return Status::Ok();
    }));
  }
  // Row id order makes reports independent of the backend's plan.
  std::unordered_map<int64_t, const std::string*> unseen;
  std::vector<std::vector<VulnPtr>> resolved(todo.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    auto& r = rows[k];
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end(), [](const auto& x, const auto& y) { return x.first == y.first; }), r.end());
    resolved[k].reserve(r.size());
    for (const auto& [id, hash] : r) {
      resolved[k].push_back(cache.Lookup(id, hash));
      if (!resolved[k].back()) unseen.emplace(id, &hash);
    }
  }
  if (!unseen.empty()) {
    std::vector<int64_t> ids;
    ids.reserve(unseen.size());
    for (const auto& [id, hash] : unseen) ids.push_back(id);
    std::unordered_map<int64_t, VulnPtr> decoded;
    LUCID_RETURN_IF_ERROR(b.FetchVulnJson(c, ids, [&](int64_t id, std::string&& json) {
      auto it = unseen.find(id);
      if (it == unseen.end()) return Internal("unexpected vulnerability row " + std::to_string(id));
      LUCID_ASSIGN_OR_RETURN(decoded[id], cache.Insert(id, *it->second, json));
      return Status::Ok();
    }));
    // Reads run in one snapshot, so every row found above is still there.
    if (decoded.size() != unseen.size()) return Internal("vulnerability rows vanished during a candidate lookup");
    for (size_t k = 0; k < rows.size(); ++k) {
      for (size_t j = 0; j < rows[k].size(); ++j) {
        if (!resolved[k][j]) resolved[k][j] = decoded.at(rows[k][j].first);
      }
    }
  }
  for (size_t k = 0; k < todo.size(); ++k) {
    auto list = std::make_shared<const std::vector<VulnPtr>>(std::move(resolved[k]));
    cache.PutList(state.key, lookups[todo[k]].key, list);
    (*lists)[todo[k]] = std::move(list);
  }
  return Status::Ok();
}

}  // namespace

Result<Candidates> SqlMatcherStore::GetCandidates(const std::vector<VulnQuery>& queries) {
  // A record's candidates are those of its binary (name, kind) plus those of
  // its source (name, "source"): one lookup each, de-duplicated, because the
  // binaries built from one source (libc6, libc-bin, ...) share the source's,
  // which is most of the rows.
  constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<internal::CandidateLookup> lookups;
  std::unordered_map<std::string, size_t> lookup_index;
  std::vector<std::pair<size_t, size_t>> parts(queries.size(), {kNone, kNone});
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const VulnQuery& q = queries[qi];
    if (!q.record || !q.record->package) return InvalidArgument("candidate query without a package");
    const Package& pkg = *q.record->package;
    // Scrubbed like the stored columns, so odd bytes still match themselves.
    std::vector<std::string> vals;
    vals.reserve(q.constraints.size());
    for (auto con : q.constraints) vals.push_back(internal::ScrubUtf8(internal::ConstraintValue(*q.record, con)));
    auto add = [&](std::string name, std::string kind) {
      internal::CandidateLookup l;
      for (auto con : q.constraints) l.key += static_cast<char>('a' + static_cast<int>(con));
      for (const std::string* part : {&name, &kind}) {
        l.key += '\0';
        l.key += *part;
      }
      for (const auto& v : vals) {
        l.key += '\0';
        l.key += v;
      }
      auto [it, fresh] = lookup_index.try_emplace(l.key, lookups.size());
      if (fresh) {
        l.constraints = q.constraints;
        l.name = std::move(name);
        l.kind = std::move(kind);
        l.values = vals;
        lookups.push_back(std::move(l));
      }
      return it->second;
    };
    const std::string kind(PackageKindName(pkg.kind));
    std::string name = internal::ScrubUtf8(pkg.name), source = internal::ScrubUtf8(pkg.source.name);
    // The source half, unless the record is that source package itself.
    const bool with_source = !source.empty() && !(kind == "source" && name == source);
    parts[qi].first = add(std::move(name), kind);
    if (with_source) parts[qi].second = add(std::move(source), "source");
  }

  if (queries.empty()) return Candidates{};
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  auto& cache = b_->vuln_cache();
  std::vector<internal::DecodedVulnCache::List> lists(lookups.size());
  auto memoised = [&](const internal::LatestState& state) {
    bool all = true;
    for (size_t i = 0; i < lookups.size(); ++i) {
      lists[i] = cache.FindList(state.key, lookups[i].key);
      all = all && lists[i];
    }
    return all;
  };
  // The hot path is one small query: the newest operations (another process
  // may have committed one), then lists memoised under exactly those.
  LUCID_ASSIGN_OR_RETURN(auto state, LatestOperations(c.get(), "vulnerability"));
  if (!memoised(state)) {
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginRead());
    // Again inside the snapshot that the missing lists are read from.
    LUCID_ASSIGN_OR_RETURN(state, LatestOperations(c.get(), "vulnerability"));
    memoised(state);
    LUCID_RETURN_IF_ERROR(ReadCandidateLists(*b_, c.get(), state, lookups, &lists));
    LUCID_RETURN_IF_ERROR(txn.Commit());
  }

  Candidates out(queries.size());
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const auto& [bin, src] = parts[qi];
    auto& list = out[qi];
    list.reserve(lists[bin]->size() + (src == kNone ? 0 : lists[src]->size()));
    list.insert(list.end(), lists[bin]->begin(), lists[bin]->end());
    if (src != kNone) list.insert(list.end(), lists[src]->begin(), lists[src]->end());
  }
  return out;
}

Result<std::optional<UpdateOperation>> SqlMatcherStore::LatestUpdateOperation(const std::string& updater) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::optional<UpdateOperation> out;
  LUCID_RETURN_IF_ERROR(c->Query(
      std::string("SELECT ") + kOpColumns + " FROM lucid_update_operation WHERE updater = $1 ORDER BY id DESC LIMIT 1",
      {std::string_view(updater)}, [&](const Row& r) {
        out = OpFromRow(r);
        return Status::Ok();
      }));
  return out;
}

Result<std::unique_ptr<UpdateWriter>> SqlMatcherStore::BeginUpdate(const std::string& updater,
                                                                   const std::string& fingerprint,
                                                                   const std::string& kind) {
  if (updater.empty()) return InvalidArgument("update operation without updater name");
  if (kind != "vulnerability" && kind != "enrichment") return InvalidArgument("unknown update kind \"" + kind + "\"");
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  return std::unique_ptr<UpdateWriter>(new SqlUpdateWriter(b_.get(), std::move(c), updater, fingerprint, kind));
}

Result<std::map<std::string, std::vector<UpdateOperation>>> SqlMatcherStore::GetUpdateOperations(
    const std::string& kind) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::map<std::string, std::vector<UpdateOperation>> out;
  // The date is empty only while an operation is being written (never visible
  // outside its transaction); the filter is a belt-and-braces guard.
  std::string sql = std::string("SELECT ") + kOpColumns + " FROM lucid_update_operation WHERE date <> ''";
  Params p;
  if (!kind.empty()) {
    sql += " AND kind = $1";
    p.emplace_back(std::string_view(kind));
  }
  sql += " ORDER BY updater, id DESC";
  LUCID_RETURN_IF_ERROR(c->Query(sql, p, [&](const Row& r) {
    auto op = OpFromRow(r);
    out[op.updater].push_back(std::move(op));
    return Status::Ok();
  }));
  return out;
}

Result<UpdateDiff> SqlMatcherStore::GetUpdateDiff(const std::string& prev_ref, const std::string& cur_ref) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginRead());
  auto find = [&](const std::string& ref, UpdateOperation* op) -> Result<int64_t> {
    int64_t id = -1;
    LUCID_RETURN_IF_ERROR(
        c->Query(std::string("SELECT id, ") + kOpColumns + " FROM lucid_update_operation WHERE ref = $1",
                 {std::string_view(ref)}, [&](const Row& r) {
                   id = r.Int(0);
                   *op = OpFromRow(r, 1);
                   return Status::Ok();
                 }));
    if (id < 0) return NotFound("update operation " + ref + " not found");
    return id;
  };
  UpdateDiff diff;
  LUCID_ASSIGN_OR_RETURN(int64_t cur, find(cur_ref, &diff.cur));
  int64_t prev = -1;
  if (!prev_ref.empty()) {
    LUCID_ASSIGN_OR_RETURN(prev, find(prev_ref, &diff.prev));
  }
  auto collect = [&](int64_t in, int64_t not_in, std::vector<Vulnerability>* out) -> Status {
    return c->Query(
        "SELECT v.id, v.json FROM lucid_uo_vuln a JOIN lucid_vuln v ON v.id = a.vuln WHERE a.uo = $1 AND NOT EXISTS "
        "(SELECT 1 FROM lucid_uo_vuln b WHERE b.uo = $2 AND b.vuln = a.vuln) ORDER BY v.id",
        {in, not_in}, [&](const Row& r) {
          LUCID_ASSIGN_OR_RETURN(auto v, internal::DecodeStoredVuln(r.Text(1), r.Int(0)));
          out->push_back(std::move(v));
          return Status::Ok();
        });
  };
  LUCID_RETURN_IF_ERROR(collect(cur, prev, &diff.added));
  if (prev >= 0) LUCID_RETURN_IF_ERROR(collect(prev, cur, &diff.removed));
  LUCID_RETURN_IF_ERROR(txn.Commit());
  return diff;
}

Status SqlMatcherStore::DeleteUpdateOperation(const std::string& ref) {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginWrite());
  LUCID_ASSIGN_OR_RETURN(auto id,
                         c->QueryInt("SELECT id FROM lucid_update_operation WHERE ref = $1", {std::string_view(ref)}));
  if (!id) return NotFound("update operation " + ref + " not found");
  LUCID_RETURN_IF_ERROR(DeleteOperationById(c.get(), *id));
  return txn.Commit();
}

Result<int64_t> SqlMatcherStore::GarbageCollect(int retention) {
  // Never delete an updater's newest operation: matching depends on it.
  const int64_t keep = std::max(retention, 1);
  // Bounded per call, like Clair, so one GC run cannot stall for long.
  constexpr int64_t kMaxPerRun = 50;
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  std::vector<int64_t> victims;
  LUCID_RETURN_IF_ERROR(
      c->Query("SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY updater ORDER BY id DESC) AS rn "
               "FROM lucid_update_operation) t WHERE rn > $1 ORDER BY id LIMIT $2",
               {keep, kMaxPerRun}, [&](const Row& r) {
                 victims.push_back(r.Int(0));
                 return Status::Ok();
               }));
  int64_t removed = 0;
  // One short transaction per operation keeps writers' waits short; readers
  // are never blocked (WAL / MVCC).
  for (int64_t id : victims) {
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginWrite());
    LUCID_RETURN_IF_ERROR(DeleteOperationById(c.get(), id));
    LUCID_RETURN_IF_ERROR(txn.Commit());
    ++removed;
  }
  return removed;
}

Result<std::map<std::string, std::vector<std::string>>> SqlMatcherStore::GetEnrichments(
    const std::string& updater, const std::vector<std::string>& tags) {
  std::map<std::string, std::vector<std::string>> out;
  // Distinct scrubbed tags (as stored), each reported under its first raw spelling.
  std::map<std::string, std::string> raw_of;
  for (const auto& raw_tag : tags) raw_of.emplace(internal::ScrubUtf8(raw_tag), raw_tag);
  if (raw_of.empty()) return out;
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  auto& memo = b_->enrichment_memo();
  std::map<std::string, internal::EnrichmentMemo::Records> found;  // scrubbed tag -> records
  std::vector<std::string> missing;
  auto memoised = [&](const internal::LatestState& state) {
    found.clear();
    missing.clear();
    for (const auto& [tag, raw] : raw_of) {
      if (auto r = memo.Find(updater, state.key, tag)) {
        found[tag] = std::move(r);
      } else {
        missing.push_back(tag);
      }
    }
    return missing.empty();
  };
  // The hot path is one small query: the current operation (another process
  // may have committed one), then records memoised under exactly that one.
  LUCID_ASSIGN_OR_RETURN(auto state, LatestOperations(c.get(), "enrichment", &updater));
  if (state.uos.empty()) return out;
  if (!memoised(state)) {
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginRead());
    // Again inside the snapshot that the missing records are read from.
    LUCID_ASSIGN_OR_RETURN(state, LatestOperations(c.get(), "enrichment", &updater));
    if (state.uos.empty()) return out;
    memoised(state);
    std::map<std::string, std::vector<std::string>> read;
    LUCID_RETURN_IF_ERROR(
        b_->QueryEnrichmentsByTag(c.get(), state.uos.front(), missing, [&](const std::string& tag, std::string&& json) {
          if (!raw_of.count(tag)) return Internal("enrichment row for an unasked tag");
          read[tag].push_back(std::move(json));
          return Status::Ok();
        }));
    LUCID_RETURN_IF_ERROR(txn.Commit());
    for (const auto& tag : missing) {
      auto records = std::make_shared<const std::vector<std::string>>(std::move(read[tag]));
      memo.Put(updater, state.key, tag, records);
      found[tag] = std::move(records);
    }
  }
  for (const auto& [tag, records] : found) {
    if (!records->empty()) out[raw_of.at(tag)] = *records;
  }
  return out;
}

namespace {

// Counts, size and schema version shared by both stores' Stats().
Result<StoreStats> BasicStats(SqlBackend& b, SqlConn* c, const MigrationSet& migrations,
                              std::initializer_list<const char*> tables) {
  StoreStats st;
  st.backend = b.name();
  st.location = b.location();
  st.schema_version_known = static_cast<int>(migrations.steps.size());
  LUCID_ASSIGN_OR_RETURN(st.schema_version, SchemaVersion(b, c, migrations));
  for (const char* t : tables) {
    LUCID_ASSIGN_OR_RETURN(bool exists, b.TableExists(c, t));
    if (!exists) continue;
    LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt(std::string("SELECT count(*) FROM ") + t));
    st.counts[std::string(t).substr(6)] = n.value_or(0);  // without the "lucid_" prefix
  }
  LUCID_ASSIGN_OR_RETURN(st.size_bytes, b.SizeBytes(c));
  return st;
}

}  // namespace

Result<StoreStats> SqlIndexerStore::Stats() {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginRead());
  LUCID_ASSIGN_OR_RETURN(auto st, BasicStats(*b_, c.get(), migrations_,
                                             {"lucid_manifest", "lucid_manifest_layer", "lucid_layer_artifact",
                                              "lucid_index_report", "lucid_manifest_index"}));
  if (st.counts.count("layer_artifact")) {
    LUCID_ASSIGN_OR_RETURN(auto layers, c->QueryInt("SELECT count(DISTINCT layer) FROM lucid_layer_artifact"));
    st.counts["layers_scanned"] = layers.value_or(0);
  }
  LUCID_RETURN_IF_ERROR(txn.Commit());
  return st;
}

Result<StoreStats> SqlMatcherStore::Stats() {
  LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
  // One snapshot, so counts and operations agree with each other.
  Txn txn(c.get());
  LUCID_RETURN_IF_ERROR(txn.BeginRead());
  LUCID_ASSIGN_OR_RETURN(
      auto st, BasicStats(*b_, c.get(), migrations_,
                          {"lucid_update_operation", "lucid_latest_update_operation", "lucid_vuln", "lucid_uo_vuln",
                           "lucid_enrichment", "lucid_enrichment_tag", "lucid_uo_enrichment"}));
  if (st.counts.count("update_operation")) {
    LUCID_RETURN_IF_ERROR(
        c->Query("SELECT o.updater, n.ops, o.date, o.ref FROM lucid_update_operation o JOIN "
                 "(SELECT updater, count(*) AS ops, max(id) AS top FROM lucid_update_operation WHERE date <> '' "
                 "GROUP BY updater) n ON o.id = n.top ORDER BY o.updater",
                 {}, [&](const Row& r) {
                   auto& u = st.updaters[r.Text(0)];
                   u.operations = r.Int(1);
                   u.latest_date = r.Text(2);
                   u.latest_ref = r.Text(3);
                   return Status::Ok();
                 }));
  }
  LUCID_RETURN_IF_ERROR(txn.Commit());
  return st;
}

}  // namespace lucid::store
