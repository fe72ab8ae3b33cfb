// The PostgreSQL stores.
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.h"

namespace lucid::store {

class PostgresIndexerStore final : public SqlIndexerStore {
 public:
  static Result<std::shared_ptr<PostgresIndexerStore>> Open(const std::string& connstring, bool migrate);
  using SqlIndexerStore::SqlIndexerStore;
};

class PostgresMatcherStore final : public SqlMatcherStore {
 public:
  static Result<std::shared_ptr<PostgresMatcherStore>> Open(const std::string& connstring, bool migrate);
  using SqlMatcherStore::SqlMatcherStore;
};

}  // namespace lucid::store
