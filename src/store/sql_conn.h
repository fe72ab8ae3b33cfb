// A minimal backend-neutral view of one SQL connection, so that the store
// logic shared by SQLite and PostgreSQL is written once (sql_store.cc) and the
// backends only add what really differs (pooling, locks, bulk inserts,
// candidate lookup, DDL).
//
// Placeholders are written $1, $2, ... in both dialects (SQLite accepts them as
// named parameters; the SQLite backend binds them by name).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace lucid::store {

// Binary data (BLOB / bytea).
struct Blob {
  std::string_view data;
};
using Param = std::variant<std::nullptr_t, int64_t, std::string_view, Blob>;
using Params = std::vector<Param>;

class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int col) const = 0;
  virtual std::string Text(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::string Bytes(int col) const = 0;
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // One statement (or, without params, a script of several).
  virtual Status Exec(std::string_view sql, const Params& params = {}) = 0;
  virtual Status Query(std::string_view sql, const Params& params, const std::function<Status(const Row&)>& fn) = 0;
  // A write transaction (SQLite: BEGIN IMMEDIATE so writers queue on the
  // busy timeout instead of failing on lock upgrade).
  virtual Status BeginWrite() = 0;
  // A read snapshot.
  virtual Status BeginRead() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Rows changed by the last Exec.
  virtual int64_t Changes() = 0;

  Result<std::optional<int64_t>> QueryInt(std::string_view sql, const Params& params = {});
  Result<std::optional<std::string>> QueryText(std::string_view sql, const Params& params = {});
};

// A pooled connection; returned to its pool (or dropped if broken) on destruction.
using ConnPtr = std::unique_ptr<SqlConn, std::function<void(SqlConn*)>>;

// Rolls back on scope exit unless committed.
class Txn {
 public:
  explicit Txn(SqlConn* c) : c_(c) {}
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (active_) c_->Rollback();
  }
  Status BeginWrite() {
    LUCID_RETURN_IF_ERROR(c_->BeginWrite());
    active_ = true;
    return Status::Ok();
  }
  Status BeginRead() {
    LUCID_RETURN_IF_ERROR(c_->BeginRead());
    active_ = true;
    return Status::Ok();
  }
  // On failure the transaction stays open and is rolled back on scope exit.
  Status Commit() {
    LUCID_RETURN_IF_ERROR(c_->Commit());
    active_ = false;
    return Status::Ok();
  }
  void Rollback() {
    if (active_) c_->Rollback();
    active_ = false;
  }

 private:
  SqlConn* c_;
  bool active_ = false;
};

// Migrations: versions are 1-based indexes into `steps`; each step runs in
// its own transaction and is recorded in `table` (version, applied).
struct MigrationSet {
  std::string table;       // e.g. "lucid_indexer_migrations"
  std::string what;        // "indexer" / "matcher", for messages
  std::vector<std::string> steps;
};

}  // namespace lucid::store
