// `lucid updaters list [--resolve]`: every configured updater with the exact
// URLs it will contact and the proxy each goes through. Without --resolve
// nothing is contacted (sets that discover their updaters, like osv, show
// their index URL and the URL pattern); with it, discovery runs.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "ecosystems/registry.h"
#include "net/http_client.h"
#include "services/components.h"

namespace lucid::cli {

int RunUpdatersList(const UpdatersListOptions& o) {
  auto cfg = LoadConfigOrDefault(o.config_path, config::Mode::kCombo);
  if (!cfg.ok()) {
    std::cerr << "lucid updaters list: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  if (cfg->matcher.disable_updaters) {
    std::cout << "# matcher.disable_updaters is set: the server runs no updaters; `lucid update` and "
                 "`lucid export-updaters` still use the list below\n";
    cfg->matcher.disable_updaters = false;
  }
  updater::UpdateManager manager(ecosystems::AllUpdaterSets(), services::UpdaterConfigFrom(*cfg));
  std::map<std::string, std::string> errors;
  auto urls = o.resolve ? manager.ResolveUrls(&errors) : manager.ListUrls();
  if (urls.empty()) std::cout << "# no updater sets selected (updaters.sets is empty)\n";
  for (const auto& [name, list] : urls) {
    std::cout << name << "\n";
    auto err = errors.find(name);
    if (err != errors.end()) std::cout << "  # discovery failed: " << err->second << "\n";
    for (const auto& u : list) {
      std::string proxy = net::ProxyFor(u);
      std::cout << "  " << u << (proxy.empty() ? "" : "  (via proxy " + proxy + ")") << "\n";
    }
  }
  return errors.empty() ? kExitOk : kExitUpdater;
}

}  // namespace lucid::cli
