#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/sqlite_backend.h"
#include "store/sqlite/sqlite_migrations.h"

namespace lucid::store {

Result<std::shared_ptr<SqliteIndexerStore>> SqliteIndexerStore::Open(const std::string& path, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto b, SqliteBackend::Open(path));
  auto v = ApplyMigrations(*b, SqliteIndexerMigrations(), migrate);
  if (!v.ok()) return v.status().WithContext("sqlite " + b->path());
  return std::make_shared<SqliteIndexerStore>(std::move(b), SqliteIndexerMigrations());
}

Result<std::shared_ptr<SqliteMatcherStore>> SqliteMatcherStore::Open(const std::string& path, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto b, SqliteBackend::Open(path));
  auto v = ApplyMigrations(*b, SqliteMatcherMigrations(), migrate);
  if (!v.ok()) return v.status().WithContext("sqlite " + b->path());
  return std::make_shared<SqliteMatcherStore>(std::move(b), SqliteMatcherMigrations());
}

}  // namespace lucid::store
