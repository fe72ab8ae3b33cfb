#include "store/sqlite/sqlite_backend.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>

namespace lucid::store {

namespace {

Status SqliteError(int rc, sqlite3* db, const std::string& path, std::string_view what) {
  std::string msg = "sqlite " + path + ": " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Unavailable(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return Status(StatusCode::kPermissionDenied, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Corrupt(msg);
    case SQLITE_CONSTRAINT:
      return Status(StatusCode::kAlreadyExists, msg);
    default:
      return Internal(msg);
  }
}

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
  bool IsNull(int c) const override { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string Text(int c) const override {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  int64_t Int(int c) const override { return sqlite3_column_int64(s_, c); }
  std::string Bytes(int c) const override {
    const void* b = sqlite3_column_blob(s_, c);
    return b ? std::string(static_cast<const char*>(b), static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }

 private:
  sqlite3_stmt* s_;
};

class SqliteConn final : public SqlConn {
 public:
  SqliteConn(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConn() override {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      Status s = SqliteError(rc, db, path, "open");
      sqlite3_close_v2(db);
      return s;
    }
    auto c = std::make_unique<SqliteConn>(db, path);
    sqlite3_busy_timeout(db, 30000);
    sqlite3_extended_result_codes(db, 1);
    // WAL: readers never block the writer and vice versa; NORMAL sync is
    // crash-safe for process death (only a power cut may lose the last commits).
    LUCID_RETURN_IF_ERROR(c->Exec("PRAGMA journal_mode=WAL"));
    // A 64 MB page cache (allocated as used) keeps bulk updates from spilling
    // half-built index pages into the WAL over and over.
    LUCID_RETURN_IF_ERROR(c->Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536"));
    return c;
  }

  Status Exec(std::string_view sql, const Params& params = {}) override {
    return Run(sql, params, nullptr);
  }
  Status Query(std::string_view sql, const Params& params, const std::function<Status(const Row&)>& fn) override {
    return Run(sql, params, &fn);
  }
  Status BeginWrite() override { return Script("BEGIN IMMEDIATE"); }
  Status BeginRead() override { return Script("BEGIN"); }
  Status Commit() override { return Script("COMMIT"); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  int64_t Changes() override { return sqlite3_changes64(db_); }
  bool InTransaction() const { return !sqlite3_get_autocommit(db_); }

 private:
  Status Script(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(rc, nullptr, path_, m);
    }
    return Status::Ok();
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql, bool* multi) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* s = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &s, &tail);
    if (rc != SQLITE_OK) return SqliteError(rc, db_, path_, "prepare");
    if (tail && *tail) {
      std::string_view rest(tail);
      if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
        sqlite3_finalize(s);
        *multi = true;
        return static_cast<sqlite3_stmt*>(nullptr);
      }
    }
    // Dynamic SQL (candidate lookups) has few shapes; the bound is a guard.
    if (cache_.size() > 256) {
      for (auto& [q, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), s);
    return s;
  }

  Status Run(std::string_view sql, const Params& params, const std::function<Status(const Row&)>* fn) {
    bool multi = false;
    LUCID_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prepare(sql, &multi));
    if (multi) {
      if (!params.empty() || fn) return Internal("parameters or rows with a multi-statement script");
      return Script(std::string(sql));
    }
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{s};
    for (size_t i = 0; i < params.size(); ++i) {
      char name[24];
      std::snprintf(name, sizeof name, "$%zu", i + 1);
      int idx = sqlite3_bind_parameter_index(s, name);
      if (idx == 0) continue;  // parameter not used by this statement
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(s, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(s, idx, v);
            } else if constexpr (std::is_same_v<T, std::string_view>) {
              return sqlite3_bind_text64(s, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
              return sqlite3_bind_blob64(s, idx, v.data.data(), v.data.size(), SQLITE_STATIC);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return SqliteError(rc, db_, path_, "bind");
    }
    SqliteRow row(s);
    while (true) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) return Status::Ok();
      if (rc != SQLITE_ROW) return SqliteError(rc, db_, path_, "step");
      if (fn) LUCID_RETURN_IF_ERROR((*fn)(row));
    }
  }

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

struct SqliteBackend::Pool {
  std::string path;
  std::mutex mu;
  std::vector<std::unique_ptr<SqliteConn>> idle;
};

struct SqliteBackend::LockFile {
  int fd = -1;
  internal::LocalLockTable table;
};

namespace {

// One LockFile per path per process: POSIX record locks belong to the
// process, and closing any descriptor of the file would drop all of them, so
// the descriptor is opened once and kept for the life of the process.
struct LockRegistry {
  pid_t pid = 0;
  std::map<std::string, std::shared_ptr<SqliteBackend::LockFile>> files;
};

std::mutex g_registry_mu;
LockRegistry* g_registry = nullptr;

Result<std::shared_ptr<SqliteBackend::LockFile>> LockFileFor(const std::string& path) {
  std::lock_guard<std::mutex> l(g_registry_mu);
  // After fork() the child inherits a copy of the parent's table (keys the
  // parent holds) but not its record locks: start afresh in the child.
  if (!g_registry || g_registry->pid != getpid()) {
    g_registry = new LockRegistry();  // the parent's copy is left alone (its mutexes may be mid-use)
    g_registry->pid = getpid();
  }
  auto& slot = g_registry->files[path];
  if (!slot) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status(StatusCode::kPermissionDenied,
                    "sqlite lock file " + path + ": " + std::strerror(errno));
    }
    slot = std::make_shared<SqliteBackend::LockFile>();
    slot->fd = fd;
  }
  return slot;
}

class SqliteLock final : public Lock {
 public:
  SqliteLock(std::shared_ptr<SqliteBackend::LockFile> f, std::string key, off_t off)
      : f_(std::move(f)), key_(std::move(key)), off_(off) {}
  ~SqliteLock() override {
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = off_;
    fl.l_len = 1;
    fcntl(f_->fd, F_SETLK, &fl);
    f_->table.Release(key_);
  }

 private:
  std::shared_ptr<SqliteBackend::LockFile> f_;
  std::string key_;
  off_t off_;
};

}  // namespace

Result<std::shared_ptr<SqliteBackend>> SqliteBackend::Open(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return InvalidArgument("sqlite: empty database path");
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return InvalidArgument("sqlite database path " + path + ": " + ec.message());
  fs::path dir = p.parent_path();
  if (!fs::is_directory(dir, ec)) {
    return NotFound("sqlite database " + p.string() + ": directory " + dir.string() + " does not exist");
  }
  if (fs::exists(p, ec)) {
    if (!fs::is_regular_file(p, ec)) return InvalidArgument("sqlite database " + p.string() + " is not a regular file");
    if (access(p.c_str(), R_OK | W_OK) != 0) {
      return Status(StatusCode::kPermissionDenied,
                    "sqlite database " + p.string() + " is not writable (" + std::strerror(errno) +
                        "); Lucid needs read-write access to its database");
    }
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status(StatusCode::kPermissionDenied,
                  "directory " + dir.string() + " of sqlite database " + p.string() + " is not writable (" +
                      std::strerror(errno) + "); SQLite creates the database and its -wal/-shm files there");
  }
  auto pool = std::make_shared<Pool>();
  pool->path = p.string();
  // Open one connection now so that every problem surfaces at start-up.
  auto first = SqliteConn::Open(pool->path);
  if (!first.ok()) return first.status();
  pool->idle.push_back(std::move(*first));
  LUCID_ASSIGN_OR_RETURN(auto locks, LockFileFor(pool->path + ".locks"));
  std::string abs = pool->path;
  return std::shared_ptr<SqliteBackend>(new SqliteBackend(std::move(abs), std::move(pool), std::move(locks)));
}

SqliteBackend::~SqliteBackend() = default;

Result<ConnPtr> SqliteBackend::Acquire() {
  std::unique_ptr<SqliteConn> c;
  {
    std::lock_guard<std::mutex> l(pool_->mu);
    if (!pool_->idle.empty()) {
      c = std::move(pool_->idle.back());
      pool_->idle.pop_back();
    }
  }
  if (!c) {
    LUCID_ASSIGN_OR_RETURN(c, SqliteConn::Open(pool_->path));
  }
  std::shared_ptr<Pool> pool = pool_;
  return ConnPtr(c.release(), [pool](SqlConn* raw) {
    std::unique_ptr<SqliteConn> conn(static_cast<SqliteConn*>(raw));
    if (conn->InTransaction()) conn->Rollback();
    std::lock_guard<std::mutex> l(pool->mu);
    if (pool->idle.size() < 16) pool->idle.push_back(std::move(conn));
  });
}

internal::LocalLockTable* SqliteBackend::local_locks() { return &locks_->table; }

Result<std::unique_ptr<Lock>> SqliteBackend::TryLockKey(const std::string& key) {
  if (!locks_->table.TryAcquire(key)) return std::unique_ptr<Lock>();
  // Offsets stay below 2^62 so off_t never goes negative.
  off_t off = static_cast<off_t>(internal::Fnv1a64(key) >> 2);
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off;
  fl.l_len = 1;
  if (fcntl(locks_->fd, F_SETLK, &fl) != 0) {
    int err = errno;
    locks_->table.Release(key);
    if (err == EAGAIN || err == EACCES) return std::unique_ptr<Lock>();
    return Internal("sqlite lock " + key + ": fcntl: " + std::strerror(err));
  }
  return std::unique_ptr<Lock>(new SqliteLock(locks_, key, off));
}

Result<int64_t> SqliteBackend::SizeBytes(SqlConn* c) {
  LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"));
  return n.value_or(0);
}

Result<bool> SqliteBackend::TableExists(SqlConn* c, const std::string& table) {
  LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
                                             {std::string_view(table)}));
  return n.has_value();
}

}  // namespace lucid::store
