#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "services/components.h"

namespace lucid::cli {

int RunUpdate(const UpdateOptions& o) {
  auto cfg = LoadConfigOrDefault(o.config_path, config::Mode::kCombo);
  if (!cfg.ok()) {
    std::cerr << "lucid update: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  // An explicit `lucid update` runs the updaters even when the server config
  // disables background runs.
  if (cfg->matcher.disable_updaters) cfg->updaters.sets = cfg->updaters.configured_sets;
  cfg->matcher.disable_updaters = false;
  services::BuildOptions bo;
  bo.need_indexer = true;  // for the cross-process updater locks
  bo.force_migrations = true;
  auto c = services::BuildComponents(*cfg, bo);
  if (!c.ok()) {
    std::cerr << "lucid update: " << c.status().message() << "\n";
    return kExitStorage;
  }
  updater::StoreDestination dest(c->matcher_store, c->indexer_store);
  auto summary = c->updates->RunOnce(dest);
  int failed = 0;
  for (const auto& out : summary.outcomes) {
    std::cerr << out.updater << ": " << out.status;
    if (out.status == "updated") std::cerr << " (" << out.records << " records)";
    if (!out.error.empty()) {
      std::cerr << ": " << out.error;
      ++failed;
    }
    std::cerr << "\n";
  }
  auto gc = c->matcher_store->GarbageCollect(
      cfg->matcher.update_retention > 0 ? static_cast<int>(cfg->matcher.update_retention) : 10);
  if (!gc.ok()) log::Warn("updater", "garbage collection failed", {{"error", gc.status().message()}});
  if (summary.outcomes.empty()) std::cerr << "no updaters configured (updaters.sets is empty)\n";
  return failed > 0 ? kExitUpdater : kExitOk;
}

}  // namespace lucid::cli
