// The SQLite stores (the embedded default backend).
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.h"

namespace lucid::store {

class SqliteIndexerStore final : public SqlIndexerStore {
 public:
  static Result<std::shared_ptr<SqliteIndexerStore>> Open(const std::string& path, bool migrate);
  using SqlIndexerStore::SqlIndexerStore;
};

class SqliteMatcherStore final : public SqlMatcherStore {
 public:
  static Result<std::shared_ptr<SqliteMatcherStore>> Open(const std::string& path, bool migrate);
  using SqlMatcherStore::SqlMatcherStore;
};

}  // namespace lucid::store
