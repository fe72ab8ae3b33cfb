// PostgreSQL backend: a bounded connection pool (pool_max_conns) that drops
// broken connections so the next call reconnects after a server restart, and
// Clair-style session advisory locks on one dedicated connection.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/pg_conn.h"
#include "store/sql_store.h"

namespace lucid::store {

class PgBackend final : public SqlBackend {
 public:
  // Connects once to fail fast on a bad connstring or unreachable server.
  static Result<std::shared_ptr<PgBackend>> Open(const std::string& connstring);
  ~PgBackend() override;

  std::string name() const override { return "postgres"; }
  std::string location() const override { return display(); }
  Result<ConnPtr> Acquire() override;
  Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) override;
  internal::LocalLockTable* local_locks() override;
  Result<int64_t> SizeBytes(SqlConn* c) override;
  Result<bool> TableExists(SqlConn* c, const std::string& table) override;
  Status LockForMigration(SqlConn* c, const std::string& table) override;

  Status InsertVulns(SqlConn* c, int64_t uo, const std::vector<internal::VulnRow>& rows) override;
  void AfterLargeUpdate(SqlConn* c) override;
  std::string RowLockClause() const override { return " FOR NO KEY UPDATE"; }
  Status LookupCandidates(SqlConn* c, const std::vector<const internal::CandidateLookup*>& lookups,
                          const std::vector<int64_t>& uos,
                          const std::function<Status(size_t, int64_t, std::string&&)>& fn) override;
  Status FetchVulnJson(SqlConn* c, const std::vector<int64_t>& ids,
                       const std::function<Status(int64_t, std::string&&)>& fn) override;
  Status QueryEnrichmentsByTag(SqlConn* c, int64_t uo, const std::vector<std::string>& tags,
                               const std::function<Status(const std::string&, std::string&&)>& fn) override;

  const std::string& display() const;

  struct Pool;
  struct LockState;

 private:
  PgBackend(std::shared_ptr<Pool> pool, std::shared_ptr<LockState> locks)
      : pool_(std::move(pool)), locks_(std::move(locks)) {}
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<LockState> locks_;
};

}  // namespace lucid::store
