#include "store/postgres/pg_backend.h"

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/log.h"

namespace lucid::store {

using internal::VulnRow;

struct PgBackend::Pool {
  PgConfig cfg;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<PgConn>> idle;
  int open = 0;  // idle + in use
};

struct PgBackend::LockState {
  PgConfig cfg;
  std::mutex mu;  // guards conn, gen and held
  std::unique_ptr<PgConn> conn;
  uint64_t gen = 0;  // bumped on reconnect: locks taken before are gone
  int held = 0;      // advisory locks currently held through conn
  internal::LocalLockTable table;

  // Liveness ping of the lock connection (every kPingInterval, like Clair), so
  // a lost session -- and with it every advisory lock it held -- is noticed
  // and logged even while no new lock is being taken.
  static constexpr std::chrono::seconds kPingInterval{5};
  std::mutex ping_mu;
  std::condition_variable ping_cv;
  bool stopping = false;
  std::thread pinger;

  void PingLoop() {
    std::unique_lock<std::mutex> pl(ping_mu);
    while (!ping_cv.wait_for(pl, kPingInterval, [&] { return stopping; })) {
      pl.unlock();
      Ping();
      pl.lock();
    }
  }

  void Ping() {
    std::lock_guard<std::mutex> l(mu);
    if (!conn) return;
    bool alive = conn->Healthy();
    if (alive) alive = conn->QueryInt("SELECT 1").ok() && !conn->broken();
    if (alive) return;
    if (held > 0) {
      log::Error("store", "PostgreSQL lock connection lost; the advisory locks it held are released",
                 {{"database", cfg.display}, {"locks", static_cast<int64_t>(held)}});
    } else {
      log::Warn("store", "PostgreSQL lock connection lost; reconnecting on next use", {{"database", cfg.display}});
    }
    conn.reset();
    held = 0;
    ++gen;  // locks taken through the old session must not unlock on a new one
  }
};

namespace {

class PgLock final : public Lock {
 public:
  PgLock(std::shared_ptr<PgBackend::LockState> s, std::string key, int64_t id, uint64_t gen)
      : s_(std::move(s)), key_(std::move(key)), id_(id), gen_(gen) {}
  ~PgLock() override {
    {
      std::lock_guard<std::mutex> l(s_->mu);
      if (s_->conn && s_->gen == gen_ && !s_->conn->broken()) {
        (void)s_->conn->Exec("SELECT pg_advisory_unlock($1)", {id_});
        if (s_->held > 0) --s_->held;
      }
    }
    s_->table.Release(key_);
  }

 private:
  std::shared_ptr<PgBackend::LockState> s_;
  std::string key_;
  int64_t id_;
  uint64_t gen_;
};

// "$n" (snprintf: g++ 12 warns falsely on "$" + std::to_string(n) at -O3).
std::string Ph(size_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "$%zu", n);
  return buf;
}

// A PostgreSQL array literal of text values.
std::string TextArray(const std::vector<const std::string*>& vals) {
  size_t n = 2;
  for (auto* v : vals) n += v->size() + 3;
  std::string out;
  out.reserve(n);
  out += '{';
  for (size_t i = 0; i < vals.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : *vals[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

Result<std::shared_ptr<PgBackend>> PgBackend::Open(const std::string& connstring) {
  LUCID_ASSIGN_OR_RETURN(PgConfig cfg, ParsePgConnString(connstring));
  cfg.pool_max_conns = std::max(cfg.pool_max_conns, 2);  // an open update writer must not starve everything else
  auto pool = std::make_shared<Pool>();
  pool->cfg = cfg;
  LUCID_ASSIGN_OR_RETURN(auto first, PgConn::Connect(cfg));
  pool->idle.push_back(std::move(first));
  pool->open = 1;
  auto locks = std::make_shared<LockState>();
  locks->cfg = cfg;
  LockState* raw = locks.get();
  locks->pinger = std::thread([raw] { raw->PingLoop(); });
  return std::shared_ptr<PgBackend>(new PgBackend(std::move(pool), std::move(locks)));
}

PgBackend::~PgBackend() {
  {
    std::lock_guard<std::mutex> l(locks_->ping_mu);
    locks_->stopping = true;
  }
  locks_->ping_cv.notify_all();
  if (locks_->pinger.joinable()) locks_->pinger.join();
}

const std::string& PgBackend::display() const { return pool_->cfg.display; }

Result<ConnPtr> PgBackend::Acquire() {
  std::unique_ptr<PgConn> c;
  {
    std::unique_lock<std::mutex> l(pool_->mu);
    while (!c) {
      while (!pool_->idle.empty()) {
        auto cand = std::move(pool_->idle.back());
        pool_->idle.pop_back();
        if (cand->Healthy()) {
          c = std::move(cand);
          break;
        }
        --pool_->open;  // dropped: the server went away under it
      }
      if (c) break;
      if (pool_->open < pool_->cfg.pool_max_conns) {
        ++pool_->open;
        l.unlock();
        auto fresh = PgConn::Connect(pool_->cfg);
        l.lock();
        if (!fresh.ok()) {
          --pool_->open;
          pool_->cv.notify_one();
          return fresh.status();
        }
        c = std::move(*fresh);
        break;
      }
      if (!pool_->cv.wait_for(l, std::chrono::seconds(60),
                              [&] { return !pool_->idle.empty() || pool_->open < pool_->cfg.pool_max_conns; })) {
        return Unavailable(pool_->cfg.display + ": connection pool exhausted (pool_max_conns=" +
                           std::to_string(pool_->cfg.pool_max_conns) + ")");
      }
    }
  }
  std::shared_ptr<Pool> pool = pool_;
  return ConnPtr(c.release(), [pool](SqlConn* raw) {
    std::unique_ptr<PgConn> conn(static_cast<PgConn*>(raw));
    if (!conn->broken() && conn->InTransaction()) conn->Rollback();
    std::vector<std::unique_ptr<PgConn>> drop;
    {
      std::lock_guard<std::mutex> l(pool->mu);
      if (conn->broken() || !conn->Healthy()) {
        // A lost connection usually means the server restarted: the idle
        // ones are dead too, so drop them all and let the next call reconnect.
        drop = std::move(pool->idle);
        pool->idle.clear();
        pool->open -= static_cast<int>(drop.size()) + 1;
        drop.push_back(std::move(conn));
      } else {
        pool->idle.push_back(std::move(conn));
      }
    }
    pool->cv.notify_all();
    // `drop` closes outside the pool mutex.
  });
}

internal::LocalLockTable* PgBackend::local_locks() { return &locks_->table; }

Result<std::unique_ptr<Lock>> PgBackend::TryLockKey(const std::string& key) {
  // Session advisory locks are re-entrant within one session, so threads of
  // this process are kept apart locally first.
  if (!locks_->table.TryAcquire(key)) return std::unique_ptr<Lock>();
  const int64_t id = internal::AdvisoryLockId(key);
  bool got = false;
  uint64_t gen = 0;
  Status err;
  {
    std::lock_guard<std::mutex> l(locks_->mu);
    if (!locks_->conn || !locks_->conn->Healthy()) {
      locks_->conn.reset();
      auto c = PgConn::Connect(locks_->cfg);
      if (c.ok()) {
        locks_->conn = std::move(*c);
        ++locks_->gen;
        locks_->held = 0;
      } else {
        err = c.status();
      }
    }
    if (err.ok()) {
      gen = locks_->gen;
      auto r = locks_->conn->QueryText("SELECT pg_try_advisory_lock($1)", {id});
      if (!r.ok()) {
        err = r.status();
        if (locks_->conn->broken()) locks_->conn.reset();
      } else {
        got = r->has_value() && **r == "t";
        if (got) ++locks_->held;
      }
    }
  }
  if (!err.ok() || !got) {
    locks_->table.Release(key);
    if (!err.ok()) return err.WithContext("lock " + key);
    return std::unique_ptr<Lock>();
  }
  return std::unique_ptr<Lock>(new PgLock(locks_, key, id, gen));
}

Result<int64_t> PgBackend::SizeBytes(SqlConn* c) {
  LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT pg_database_size(current_database())", {}));
  return n.value_or(-1);
}

Result<bool> PgBackend::TableExists(SqlConn* c, const std::string& table) {
  LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                                             "AND tablename = $1",
                                             {std::string_view(table)}));
  return n.has_value();
}

Status PgBackend::LockForMigration(SqlConn* c, const std::string& table) {
  return c->Query("SELECT pg_advisory_xact_lock($1)", {internal::AdvisoryLockId("lucid-migrations:" + table)},
                  [](const Row&) { return Status::Ok(); });
}

Status PgBackend::InsertVulns(SqlConn* c, int64_t uo, const std::vector<VulnRow>& rows) {
  // One statement per batch: the rows travel as column arrays. New rows get
  // their ids from RETURNING; rows that already existed (the statement's
  // snapshot predates its own inserts) are found by one index probe each.
  static const std::string insert_sql = [] {
    std::string cols = "hash", sel = "$2::text[]", names = "hash";
    size_t i = 3;
    for (auto col : internal::kVulnColumns) {
      cols += ", " + std::string(col);
      names += ", " + std::string(col);
      sel += ", " + Ph(i++) + "::text[]";
    }
    cols += ", json";
    names += ", json";
    sel += ", " + Ph(i) + "::text[]";
    return "WITH input AS (SELECT * FROM unnest(" + sel + ") AS t(" + names +
           ")), "
           "ins AS (INSERT INTO lucid_vuln (" +
           cols +
           ") SELECT * FROM input ON CONFLICT (hash) DO NOTHING RETURNING id) "
           "INSERT INTO lucid_uo_vuln (uo, vuln) "
           "SELECT $1::bigint, id FROM ins UNION ALL "
           "SELECT $1::bigint, x.id FROM (SELECT (SELECT v.id FROM lucid_vuln v WHERE v.hash = i.hash) AS id FROM "
           "input i) x "
           "WHERE x.id IS NOT NULL ON CONFLICT DO NOTHING";
  }();
  std::vector<std::string> arrays;
  arrays.reserve(internal::kNumVulnColumns + 2);
  std::vector<const std::string*> vals(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) vals[i] = &rows[i].hash;
  arrays.push_back(TextArray(vals));
  for (size_t col = 0; col < internal::kNumVulnColumns; ++col) {
    for (size_t i = 0; i < rows.size(); ++i) vals[i] = &rows[i].cols[col];
    arrays.push_back(TextArray(vals));
  }
  for (size_t i = 0; i < rows.size(); ++i) vals[i] = &rows[i].json;
  arrays.push_back(TextArray(vals));
  Params p{uo};
  for (const auto& a : arrays) p.emplace_back(std::string_view(a));
  return c->Exec(insert_sql, p);
}

void PgBackend::AfterLargeUpdate(SqlConn* c) {
  // Fresh statistics keep the candidate lookup on its index plan right after
  // the first big import, before autovacuum gets round to it.
  (void)c->Exec("ANALYZE lucid_vuln, lucid_uo_vuln, lucid_latest_update_operation");
}

Status PgBackend::LookupCandidates(SqlConn* c, const std::vector<const internal::CandidateLookup*>& lookups,
                                   const std::vector<int64_t>& uos,
                                   const std::function<Status(size_t, int64_t, std::string&&)>& fn) {
  // One round trip for every lookup of the report: one SELECT per distinct
  // constraint list (usually one per matcher), joined by UNION ALL. The
  // lookups travel as parallel arrays and each row of them is one LATERAL
  // index probe on (package_name, package_kind, dist_...).
  std::map<std::vector<matcher::Constraint>, std::vector<size_t>> groups;
  for (size_t i = 0; i < lookups.size(); ++i) groups[lookups[i]->constraints].push_back(i);
  std::string sql;
  std::vector<std::string> arrays;
  // $1 is the latest operations' ids, shared by every branch.
  std::string uo_arr = "{";
  for (size_t j = 0; j < uos.size(); ++j) {
    if (j) uo_arr += ',';
    uo_arr += std::to_string(uos[j]);
  }
  arrays.push_back(uo_arr + '}');
  size_t next = 2;
  for (const auto& [cons, idx] : groups) {
    const size_t ncols = 2 + cons.size();
    std::vector<const std::string*> ptrs(idx.size());
    for (size_t k = 0; k < ncols; ++k) {
      for (size_t j = 0; j < idx.size(); ++j) {
        const auto& l = *lookups[idx[j]];
        ptrs[j] = k == 0 ? &l.name : k == 1 ? &l.kind : &l.values[k - 2];
      }
      arrays.push_back(TextArray(ptrs));
    }
    std::string ords = "{";
    for (size_t j = 0; j < idx.size(); ++j) {
      if (j) ords += ',';
      ords += std::to_string(idx[j]);
    }
    arrays.push_back(ords + '}');
    std::string unnest, names = "pname, pkind", where;
    for (size_t k = 0; k < ncols; ++k) unnest += Ph(next++) + "::text[], ";
    unnest += Ph(next++) + "::bigint[]";
    for (size_t k = 0; k < cons.size(); ++k) {
      names += ", c" + std::to_string(k);
      where += " AND v." + std::string(internal::ConstraintColumn(cons[k])) + " = q.c" + std::to_string(k);
    }
    if (!sql.empty()) sql += " UNION ALL ";
    // OFFSET 0 keeps the subquery a per-row index probe rather than a join
    // the planner may turn into a scan of the whole table. The membership
    // probe filters on the latest operations inside its index-only scan.
    sql += "SELECT q.i, v.id, v.hash FROM unnest(" + unnest + ") AS q(" + names +
           ", i) CROSS JOIN LATERAL (SELECT v.id, v.hash FROM lucid_vuln v WHERE v.package_name = q.pname "
           "AND v.package_kind = q.pkind" +
           where +
           " OFFSET 0) v "
           "JOIN lucid_uo_vuln uv ON uv.vuln = v.id AND uv.uo = ANY($1::bigint[])";
  }
  if (sql.empty()) return Status::Ok();
  Params p;
  for (const auto& a : arrays) p.emplace_back(std::string_view(a));
  return static_cast<PgConn*>(c)->QueryUnprepared(sql, p, [&](const Row& r) {
    const int64_t i = r.Int(0);
    if (i < 0 || static_cast<size_t>(i) >= lookups.size()) return Internal("candidate row out of range");
    return fn(static_cast<size_t>(i), r.Int(1), r.Text(2));
  });
}

Status PgBackend::QueryEnrichmentsByTag(SqlConn* c, int64_t uo, const std::vector<std::string>& tags,
                                        const std::function<Status(const std::string&, std::string&&)>& fn) {
  if (tags.empty()) return Status::Ok();
  // One round trip for every tag (a report asks for one per CVE).
  std::vector<const std::string*> ptrs;
  for (const auto& t : tags) ptrs.push_back(&t);
  const std::string arr = TextArray(ptrs);
  // A per-tag index probe (OFFSET 0 keeps the planner from flattening it):
  // as a plain join over ANY(...) it chose whole-table scans (~100 ms) while
  // the enrichment tables had no statistics yet, i.e. right after an import.
  return static_cast<PgConn*>(c)->QueryUnprepared(
      "SELECT q.tag, x.json FROM unnest($1::text[]) AS q(tag) CROSS JOIN LATERAL ("
      "SELECT e.id, e.json FROM lucid_enrichment_tag t "
      "JOIN lucid_uo_enrichment ue ON ue.enrichment = t.enrichment AND ue.uo = $2 "
      "JOIN lucid_enrichment e ON e.id = t.enrichment WHERE t.tag = q.tag OFFSET 0) x "
      "ORDER BY q.tag, x.id",
      {std::string_view(arr), uo}, [&](const Row& r) { return fn(r.Text(0), r.Text(1)); });
}

Status PgBackend::FetchVulnJson(SqlConn* c, const std::vector<int64_t>& ids,
                                const std::function<Status(int64_t, std::string&&)>& fn) {
  // One round trip for all of them.
  std::string arr = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) arr += ',';
    arr += std::to_string(ids[i]);
  }
  arr += '}';
  return static_cast<PgConn*>(c)->QueryUnprepared("SELECT id, json FROM lucid_vuln WHERE id = ANY($1::bigint[])",
                                                  {std::string_view(arr)},
                                                  [&](const Row& r) { return fn(r.Int(0), r.Text(1)); });
}

}  // namespace lucid::store
