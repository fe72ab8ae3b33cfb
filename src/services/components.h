// Wires Lucid's parts together from a configuration, for the server modes
// and the CLI alike: stores chosen by connstring, the compiled-in
// ecosystems' scanners/matchers/updaters, the indexer and the matcher.
#pragma once

#include <memory>

#include "config/config.h"
#include "indexer/indexer.h"
#include "matcher/match_engine.h"
#include "store/store.h"
#include "updater/update_manager.h"

namespace lucid::services {

struct Components {
  std::shared_ptr<store::IndexerStore> indexer_store;
  std::shared_ptr<store::MatcherStore> matcher_store;
  std::shared_ptr<indexer::Indexer> indexer;
  std::shared_ptr<matcher::LocalMatcher> matcher;
  std::shared_ptr<updater::UpdateManager> updates;
};

struct BuildOptions {
  bool need_indexer = true;
  bool need_matcher = true;
  // The CLI migrates its embedded database itself; servers follow `migrations:`.
  bool force_migrations = false;
};

Result<Components> BuildComponents(const config::Config& cfg, const BuildOptions& opts);

// The updater configuration the manager needs, from Clair's keys.
updater::UpdaterConfig UpdaterConfigFrom(const config::Config& cfg);

}  // namespace lucid::services
