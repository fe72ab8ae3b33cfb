#include "store/store_factory.h"

#include <cstdlib>
#include <filesystem>

#include "base/strings.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace lucid::store {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The SQLite path a connstring names, or nullopt for PostgreSQL.
Result<std::optional<std::string>> SqlitePath(const std::string& connstring) {
  std::string_view s = TrimSpace(connstring);
  if (s.empty()) {
    LUCID_ASSIGN_OR_RETURN(std::string dir, DefaultDataDir());
    return std::optional<std::string>(dir + "/lucid.db");
  }
  for (std::string_view prefix : {"sqlite://", "sqlite:"}) {
    if (StartsWith(s, prefix)) {
      std::string path(s.substr(prefix.size()));
      if (path.empty()) return InvalidArgument("sqlite connstring \"" + connstring + "\" names no file");
      return std::optional<std::string>(path);
    }
  }
  return std::optional<std::string>();
}

}  // namespace

Result<std::optional<std::string>> SqlitePathFor(const std::string& connstring) { return SqlitePath(connstring); }

Result<std::string> DefaultDataDir() {
  namespace fs = std::filesystem;
  std::string dir = Env("LUCID_DATA_DIR");
  if (dir.empty()) {
    std::string xdg = Env("XDG_DATA_HOME");
    if (!xdg.empty()) {
      dir = xdg + "/lucid";
    } else {
      std::string home = Env("HOME");
      if (home.empty()) return InvalidArgument("cannot choose a data directory: set LUCID_DATA_DIR or HOME");
      dir = home + "/.local/share/lucid";
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Status(StatusCode::kPermissionDenied, "cannot create data directory " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  return dir;
}

Result<std::shared_ptr<IndexerStore>> OpenIndexerStore(const std::string& connstring, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto path, SqlitePath(connstring));
  if (path) {
    LUCID_ASSIGN_OR_RETURN(auto s, SqliteIndexerStore::Open(*path, migrate));
    return std::shared_ptr<IndexerStore>(std::move(s));
  }
  LUCID_ASSIGN_OR_RETURN(auto s, PostgresIndexerStore::Open(connstring, migrate));
  return std::shared_ptr<IndexerStore>(std::move(s));
}

Result<std::shared_ptr<MatcherStore>> OpenMatcherStore(const std::string& connstring, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto path, SqlitePath(connstring));
  if (path) {
    LUCID_ASSIGN_OR_RETURN(auto s, SqliteMatcherStore::Open(*path, migrate));
    return std::shared_ptr<MatcherStore>(std::move(s));
  }
  LUCID_ASSIGN_OR_RETURN(auto s, PostgresMatcherStore::Open(connstring, migrate));
  return std::shared_ptr<MatcherStore>(std::move(s));
}

}  // namespace lucid::store
