#include "store/postgres/pg_store.h"

#include "store/postgres/pg_backend.h"
#include "store/postgres/pg_migrations.h"

namespace lucid::store {

Result<std::shared_ptr<PostgresIndexerStore>> PostgresIndexerStore::Open(const std::string& connstring, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto b, PgBackend::Open(connstring));
  auto v = ApplyMigrations(*b, PgIndexerMigrations(), migrate);
  if (!v.ok()) return v.status().WithContext(b->display());
  return std::make_shared<PostgresIndexerStore>(std::move(b), PgIndexerMigrations());
}

Result<std::shared_ptr<PostgresMatcherStore>> PostgresMatcherStore::Open(const std::string& connstring, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto b, PgBackend::Open(connstring));
  auto v = ApplyMigrations(*b, PgMatcherMigrations(), migrate);
  if (!v.ok()) return v.status().WithContext(b->display());
  return std::make_shared<PostgresMatcherStore>(std::move(b), PgMatcherMigrations());
}

}  // namespace lucid::store
