// The "debian" updater set: one updater, "debian/updater", reading the
// security tracker JSON with a Last-Modified / If-Modified-Since fingerprint.
#pragma once

#include <memory>
#include <string>

#include "updater/updater.h"

namespace lucid::debian {

inline constexpr std::string_view kDefaultJsonUrl = "https://security-tracker.debian.org/tracker/data/json";

struct UpdaterConfig {
  std::string json_url = std::string(kDefaultJsonUrl);
  // Accepted for Clair config compatibility; the release table is built in.
  std::string mirror_url;
  std::string archive_url;
  std::string oval_url;
};

// Parses the `updaters.config.debian` block (JSON). Unknown keys are ignored.
Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json);

std::unique_ptr<updater::Updater> NewTrackerUpdater(UpdaterConfig config);
std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory();

}  // namespace lucid::debian
