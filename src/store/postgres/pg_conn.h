// libpq plumbing: connection-string handling and one RAII connection that
// implements SqlConn with per-connection prepared statements.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sql_conn.h"

typedef struct pg_conn PGconn;

namespace lucid::store {

struct PgConfig {
  // libpq keywords/values (as PQconnectdbParams wants them), pool options removed.
  std::vector<std::pair<std::string, std::string>> options;
  int pool_max_conns = 10;
  // host/port/dbname only, for messages (never the password).
  std::string display;
};

// Accepts libpq key=value strings and postgres:// / postgresql:// URLs.
// pgx pool options (pool_max_conns, pool_min_conns, ...) are taken out;
// application_name=lucid and connect_timeout=10 are added when absent.
Result<PgConfig> ParsePgConnString(const std::string& connstring);

class PgConn final : public SqlConn {
 public:
  static Result<std::unique_ptr<PgConn>> Connect(const PgConfig& cfg);
  ~PgConn() override;

  Status Exec(std::string_view sql, const Params& params = {}) override;
  Status Query(std::string_view sql, const Params& params, const std::function<Status(const Row&)>& fn) override;
  // Without a named prepared statement, so the planner always sees the
  // actual parameters (array sizes and contents) instead of a generic plan.
  Status QueryUnprepared(std::string_view sql, const Params& params, const std::function<Status(const Row&)>& fn);
  Status BeginWrite() override;
  Status BeginRead() override;
  Status Commit() override;
  void Rollback() override;
  int64_t Changes() override { return changes_; }

  // False once the server connection is known to be gone; an idle
  // connection that has pending input (the server's goodbye) counts as gone.
  bool Healthy();
  bool broken() const { return broken_; }
  bool InTransaction() const;

 private:
  PgConn(PGconn* c, std::string display) : c_(c), display_(std::move(display)) {}
  Status Run(std::string_view sql, const Params& params, const std::function<Status(const Row&)>* fn,
             bool prepare = true);
  Status Simple(const char* sql);

  PGconn* c_;
  std::string display_;
  std::unordered_map<std::string, std::string> prepared_;
  int64_t changes_ = 0;
  bool broken_ = false;
};

}  // namespace lucid::store
