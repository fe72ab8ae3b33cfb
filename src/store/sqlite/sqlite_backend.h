// SQLite backend: a pool of connections (each used by one thread at a time),
// WAL journal, busy timeout and foreign keys on every connection.
//
// Locks: an in-process table plus a POSIX record lock (fcntl F_SETLK) on one
// byte of "<db>.locks" at an offset derived from the key's FNV-1a hash. The
// kernel drops record locks when the holding process dies (even by SIGKILL),
// so no liveness check or stale-row cleanup is needed, and the lock file can
// live next to the database on any local filesystem.
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.h"

namespace lucid::store {

class SqliteBackend final : public SqlBackend {
 public:
  // Opens (creating if missing) the database at `path`; fails with a message
  // naming the path when the file or its directory is not writable or the
  // file is not a SQLite database.
  static Result<std::shared_ptr<SqliteBackend>> Open(const std::string& path);
  ~SqliteBackend() override;

  std::string name() const override { return "sqlite"; }
  std::string location() const override { return path_; }
  Result<ConnPtr> Acquire() override;
  Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) override;
  internal::LocalLockTable* local_locks() override;
  Result<int64_t> SizeBytes(SqlConn* c) override;
  Result<bool> TableExists(SqlConn* c, const std::string& table) override;
  Status LockForMigration(SqlConn*, const std::string&) override { return Status::Ok(); }  // BEGIN IMMEDIATE serialises
  bool StagesUpdates() const override { return true; }

  const std::string& path() const { return path_; }

  struct Pool;
  struct LockFile;

 private:
  SqliteBackend(std::string path, std::shared_ptr<Pool> pool, std::shared_ptr<LockFile> locks)
      : path_(std::move(path)), pool_(std::move(pool)), locks_(std::move(locks)) {}
  std::string path_;
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<LockFile> locks_;
};

}  // namespace lucid::store
