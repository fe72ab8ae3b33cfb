// The "alpine" updater set: one updater per (release, repository) secdb file
// found under the base URL, e.g. alpine-main-v3.14-updater reading
// <url>/v3.14/main.json, with an ETag / If-None-Match fingerprint.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "updater/updater.h"

namespace lucid::alpine {

inline constexpr std::string_view kDefaultSecdbUrl = "https://secdb.alpinelinux.org/";

struct UpdaterConfig {
  std::string url = std::string(kDefaultSecdbUrl);  // always ends in '/'
};

// Parses the `updaters.config.alpine` block (JSON). Unknown keys are ignored.
Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json);

// Release directories present under the base URL, oldest first: v3.2 (or the
// first of v3.2..v3.5 present) upward until a 404, then v4.0 upward and so
// on until a major has no .0, plus "edge". One HEAD request per probe.
Result<std::vector<std::string>> DiscoverReleases(net::HttpClient& http, const std::string& base_url);

// The updater for <base>/<release>/<repo>.json.
std::unique_ptr<updater::Updater> NewSecdbUpdater(const std::string& base_url, const std::string& release,
                                                  const std::string& repo);

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory();

}  // namespace lucid::alpine
