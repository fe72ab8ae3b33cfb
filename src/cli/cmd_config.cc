#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace lucid::cli {

Result<config::Config> LoadConfigOrDefault(const std::string& path, config::Mode mode) {
  config::Config cfg;
  if (!path.empty()) {
    auto loaded = config::Load(path);
    if (!loaded.ok()) return loaded.status();
    cfg = std::move(*loaded);
  }
  auto problems = cfg.ValidateForMode(mode);
  for (const auto& p : problems) {
    if (p.severity == config::Severity::kWarning) log::Debug("config", "lint", {{"lint", p.ToString()}});
  }
  Status errors = config::ErrorsToStatus(problems);
  if (!errors.ok()) return errors;
  log::Level level;
  bool color = false;
  // The file's log_level applies to the CLI too (default: info).
  if (!path.empty() && log::ParseLevel(cfg.log_level, &level, &color)) {
    log::Configure(level, color ? log::Format::kConsole : log::Format::kJson, color);
  }
  return cfg;
}

int RunCheckConfig(const std::vector<std::string>& files, const std::string& out_format) {
  int rc = kExitOk;
  for (const auto& f : files) {
    if (files.size() > 1) std::cout << "# " << f << "\n";
    auto cfg = config::Load(f);
    if (!cfg.ok()) {
      std::cerr << "error: " << cfg.status().message() << "\n";
      rc = kExitUsage;
      continue;
    }
    // Lucid goes beyond clairctl here: it also runs the combo-mode
    // validation and prints every problem, not just the first.
    auto problems = cfg->ValidateForMode(config::Mode::kCombo);
    for (const auto& p : problems) {
      std::cerr << (p.severity == config::Severity::kError ? "error: " : "warning: ") << p.ToString() << "\n";
      if (p.severity == config::Severity::kError) rc = kExitUsage;
    }
    (void)out_format;
    std::cout << cfg->EffectiveJson(true);
    if (cfg->EffectiveJson(true).back() != '\n') std::cout << "\n";
  }
  return rc;
}

}  // namespace lucid::cli
