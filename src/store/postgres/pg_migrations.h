// Versioned PostgreSQL schemas. Append new steps; never edit a released one.
#pragma once

#include "store/sql_conn.h"

namespace lucid::store {

const MigrationSet& PgIndexerMigrations();
const MigrationSet& PgMatcherMigrations();

}  // namespace lucid::store
