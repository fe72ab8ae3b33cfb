// The "osv" updater set: one updater per ecosystem listed in OSV's
// ecosystems.txt (minus the ignored and, if configured, not allow-listed
// ones), each reading <url>/<Ecosystem>/all.zip with an ETag fingerprint.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ecosystems/registry.h"
#include "updater/updater.h"

namespace lucid::osv {

inline constexpr std::string_view kDefaultUrl = "https://osv-vulnerabilities.storage.googleapis.com/";

struct UpdaterConfig {
  std::string url = std::string(kDefaultUrl);  // always ends with '/'
  std::vector<std::string> allowlist;          // normalized names; empty = all
};

// Parses `updaters.config.osv`: {url, allowlist: [ecosystem...]}.
Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json);
// The ecosystem directories (as written in ecosystems.txt, before any ':')
// to update, de-duplicated by normalized name, in file order.
std::vector<std::string> SelectEcosystems(std::string_view ecosystems_txt, const UpdaterConfig& cfg);

// An updater for one ecosystem directory (e.g. "PyPI").
std::unique_ptr<updater::Updater> NewEcosystemUpdater(const UpdaterConfig& cfg, const std::string& dir);
// Parses a spooled all.zip of ecosystem `normalized` into `sink`.
Status ParseAllZip(const std::string& path, std::string_view normalized, updater::VulnerabilitySink* sink);

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory();
ecosystems::Ecosystem MakeEcosystem();

}  // namespace lucid::osv
