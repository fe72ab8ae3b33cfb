// Chooses and opens a store backend from a connstring:
//   ""               -> SQLite at DefaultDataDir()/lucid.db
//   "sqlite:PATH"    -> SQLite at PATH ("sqlite://PATH" also accepted)
//   anything else    -> PostgreSQL (libpq key=value or postgres:// / postgresql:// URL;
//                       pgx's pool_max_conns sizes the pool, default 10)
// `migrate` applies pending schema migrations; without it an out-of-date
// schema is refused with a message saying how to enable them. A schema newer
// than this binary is always refused.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace lucid::store {

// Lucid's data directory, created (mode 0700, with parents) if missing:
//   $LUCID_DATA_DIR if set and non-empty, else $XDG_DATA_HOME/lucid,
//   else $HOME/.local/share/lucid.
Result<std::string> DefaultDataDir();

// The SQLite database file a connstring selects, or nullopt for PostgreSQL.
Result<std::optional<std::string>> SqlitePathFor(const std::string& connstring);

Result<std::shared_ptr<IndexerStore>> OpenIndexerStore(const std::string& connstring, bool migrate);
Result<std::shared_ptr<MatcherStore>> OpenMatcherStore(const std::string& connstring, bool migrate);

}  // namespace lucid::store
