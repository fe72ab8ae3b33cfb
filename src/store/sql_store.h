// The store logic shared by both backends, written once against SqlConn.
// A backend supplies connections, locks and DDL, and may override the two
// hot paths (bulk vulnerability insert and candidate lookup) with something
// faster for its dialect.
//
// Table names carry a `lucid_` prefix so that Lucid can share a PostgreSQL
// database with a Clair installation without colliding with its tables.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sql_conn.h"
#include "store/store.h"
#include "store/store_util.h"

namespace lucid::store {

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  virtual std::string name() const = 0;  // "sqlite" | "postgres"
  // Where the data lives, for operators: a path or host/port/dbname (no password).
  virtual std::string location() const = 0;
  virtual Result<ConnPtr> Acquire() = 0;

  // Returns nullptr when another thread or process holds `key`.
  virtual Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) = 0;
  virtual internal::LocalLockTable* local_locks() = 0;

  virtual Result<int64_t> SizeBytes(SqlConn* c) = 0;
  virtual Result<bool> TableExists(SqlConn* c, const std::string& table) = 0;
  // Serialises migrations across processes; called first inside each
  // migration's write transaction.
  virtual Status LockForMigration(SqlConn* c, const std::string& table) = 0;

  // Inserts (deduplicated by hash) and links rows to operation `uo`.
  virtual Status InsertVulns(SqlConn* c, int64_t uo, const std::vector<internal::VulnRow>& rows);
  virtual Status InsertEnrichments(SqlConn* c, int64_t uo, const std::string& updater,
                                   const std::vector<internal::EnrichmentRow>& rows);
  // Whether update writers stage rows in TEMP tables and copy them in one
  // short write transaction at commit (for single-writer databases).
  virtual bool StagesUpdates() const { return false; }
  // Appended to a SELECT to row-lock what it reads until commit ("" where
  // write transactions are serialised anyway).
  virtual std::string RowLockClause() const { return ""; }
  // Called outside any transaction after an update added many rows.
  virtual void AfterLargeUpdate(SqlConn*) {}
  // Rows of operations `uos` answering each lookup: calls fn(lookup index,
  // row id, content hash). Runs inside a read transaction on `c`.
  virtual Status LookupCandidates(SqlConn* c, const std::vector<const internal::CandidateLookup*>& lookups,
                                  const std::vector<int64_t>& uos,
                                  const std::function<Status(size_t, int64_t, std::string&&)>& fn);
  // Enrichment records of operation `uo` per tag, each tag's in id order:
  // calls fn(tag, json). Runs inside a read transaction on `c`.
  virtual Status QueryEnrichmentsByTag(SqlConn* c, int64_t uo, const std::vector<std::string>& tags,
                                       const std::function<Status(const std::string&, std::string&&)>& fn);

  // Calls `fn(id, json)` for each row of `ids`.
  virtual Status FetchVulnJson(SqlConn* c, const std::vector<int64_t>& ids,
                               const std::function<Status(int64_t, std::string&&)>& fn);

  // Decoded records, memoised candidate lists and enrichments of this database.
  internal::DecodedVulnCache& vuln_cache() { return vuln_cache_; }
  internal::EnrichmentMemo& enrichment_memo() { return enrichment_memo_; }

 private:
  internal::DecodedVulnCache vuln_cache_;
  internal::EnrichmentMemo enrichment_memo_;
};

// Brings the schema described by `set` up to date, or explains why it cannot:
// a newer database than this binary knows is always refused; an older one is
// refused unless `migrate`.
Result<int> ApplyMigrations(SqlBackend& backend, const MigrationSet& set, bool migrate);
// The recorded version (0 when the tracking table is missing).
Result<int> SchemaVersion(SqlBackend& backend, SqlConn* c, const MigrationSet& set);

class SqlIndexerStore : public IndexerStore {
 public:
  SqlIndexerStore(std::shared_ptr<SqlBackend> b, MigrationSet migrations)
      : b_(std::move(b)), migrations_(std::move(migrations)) {}

  Result<std::optional<std::string>> GetLayerArtifacts(const Digest& layer, const std::string& scanner_key) override;
  Status PutLayerArtifacts(const Digest& layer, const std::string& scanner_key, const std::string& blob) override;
  Result<std::optional<StoredReport>> GetIndexReport(const Digest& manifest) override;
  Status PutIndexReport(const IndexReport& report, const std::vector<Digest>& layers,
                        const std::string& state) override;
  Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) override;
  Result<int64_t> DeleteAllIndexReports() override;
  Result<std::vector<Digest>> ManifestsWithPackage(const std::string& name) override;
  Result<std::unique_ptr<Lock>> LockKey(const std::string& key, std::chrono::seconds timeout) override;
  Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) override;
  Result<StoreStats> Stats() override;

  SqlBackend& backend() { return *b_; }

 private:
  std::shared_ptr<SqlBackend> b_;
  MigrationSet migrations_;
  // Decoded reports by manifest, reused only while the stored text is
  // unchanged (M1 reads the same reports over and over; decoding one costs
  // about a millisecond). Bounded by bytes; starts over when full.
  struct CachedReport {
    std::string text;
    std::shared_ptr<const StoredReport> report;
  };
  std::mutex report_mu_;
  std::unordered_map<std::string, CachedReport> reports_;
  size_t report_bytes_ = 0;
};

class SqlMatcherStore : public MatcherStore {
 public:
  SqlMatcherStore(std::shared_ptr<SqlBackend> b, MigrationSet migrations)
      : b_(std::move(b)), migrations_(std::move(migrations)) {}

  Result<bool> HasVulnerabilities() override;
  Result<Candidates> GetCandidates(const std::vector<VulnQuery>& queries) override;
  Result<std::optional<UpdateOperation>> LatestUpdateOperation(const std::string& updater) override;
  Result<std::unique_ptr<UpdateWriter>> BeginUpdate(const std::string& updater, const std::string& fingerprint,
                                                    const std::string& kind) override;
  Result<std::map<std::string, std::vector<UpdateOperation>>> GetUpdateOperations(const std::string& kind) override;
  Result<UpdateDiff> GetUpdateDiff(const std::string& prev_ref, const std::string& cur_ref) override;
  Status DeleteUpdateOperation(const std::string& ref) override;
  Result<int64_t> GarbageCollect(int retention) override;
  Result<std::map<std::string, std::vector<std::string>>> GetEnrichments(const std::string& updater,
                                                                         const std::vector<std::string>& tags) override;
  Result<StoreStats> Stats() override;

  SqlBackend& backend() { return *b_; }

 private:
  std::shared_ptr<SqlBackend> b_;
  MigrationSet migrations_;
};

}  // namespace lucid::store
