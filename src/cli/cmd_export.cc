// `lucid export-updaters [--strict] [-g|-z] [OUT]`: runs the configured
// updaters without a database and writes Clair's airgap bundle (§7.3).
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "ecosystems/registry.h"
#include "services/components.h"
#include "updater/bundle.h"

namespace lucid::cli {

int RunExportUpdaters(const ExportOptions& o) {
  auto cfg = LoadConfigOrDefault(o.config_path, config::Mode::kCombo);
  if (!cfg.ok()) {
    std::cerr << "lucid export-updaters: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  // As clairctl: matcher.disable_updaters is not applied to exports.
  if (cfg->matcher.disable_updaters) cfg->updaters.sets = cfg->updaters.configured_sets;
  cfg->matcher.disable_updaters = false;
  updater::UpdateManager manager(ecosystems::AllUpdaterSets(), services::UpdaterConfigFrom(*cfg));
  auto bundle = updater::BundleWriter::Open(o.out, updater::CompressionFor(o.out, o.gzip, o.zstd));
  if (!bundle.ok()) {
    std::cerr << "lucid export-updaters: " << bundle.status().message() << "\n";
    return kExitError;
  }
  auto summary = manager.RunOnce(**bundle);
  int failed = 0;
  for (const auto& out : summary.outcomes) {
    std::cerr << updater::DescribeOutcome(out) << "\n";
    if (out.status == "failed") ++failed;
  }
  Status closed = (*bundle)->Close();
  if (!closed.ok()) {
    std::cerr << "lucid export-updaters: " << closed.message() << "\n";
    return kExitError;
  }
  std::cerr << "exported " << (*bundle)->operations() << " update operations, " << (*bundle)->records() << " records"
            << (o.out.empty() || o.out == "-" ? "" : " to " + o.out) << "\n";
  if (summary.outcomes.empty()) std::cerr << "no updaters configured (updaters.sets is empty)\n";
  return failed > 0 && o.strict ? kExitUpdater : kExitOk;
}

}  // namespace lucid::cli
