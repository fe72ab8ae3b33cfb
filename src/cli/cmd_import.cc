// `lucid import-updaters IN`: loads an airgap bundle (file, '-' or http(s)
// URL; gzip/zstd detected from the data) into the matcher database,
// skipping operations whose fingerprint is already stored.
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "services/components.h"
#include "updater/bundle.h"

namespace lucid::cli {

int RunImportUpdaters(const ImportOptions& o) {
  auto cfg = LoadConfigOrDefault(o.config_path, config::Mode::kCombo);
  if (!cfg.ok()) {
    std::cerr << "lucid import-updaters: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  services::BuildOptions bo;
  bo.need_indexer = false;
  bo.force_migrations = true;  // the embedded database is created on first use
  auto c = services::BuildComponents(*cfg, bo);
  if (!c.ok()) {
    std::cerr << "lucid import-updaters: " << c.status().message() << "\n";
    return kExitStorage;
  }
  net::HttpClient http;
  auto stats = updater::ImportBundle(o.in, *c->matcher_store, http);
  if (!stats.ok()) {
    std::cerr << "lucid import-updaters: " << stats.status().message() << "\n";
    return stats.status().code() == StatusCode::kUnavailable ? kExitStorage : kExitError;
  }
  std::cerr << "imported " << stats->operations << " update operations (" << stats->records << " records), skipped "
            << stats->skipped << " already present\n";
  return kExitOk;
}

}  // namespace lucid::cli
