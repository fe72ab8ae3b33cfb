// Versioned SQLite schemas. Append new steps; never edit a released one.
#pragma once

#include "store/sql_conn.h"

namespace lucid::store {

const MigrationSet& SqliteIndexerMigrations();
const MigrationSet& SqliteMatcherMigrations();

}  // namespace lucid::store
