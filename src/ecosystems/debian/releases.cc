#include "ecosystems/debian/releases.h"

#include <array>

#include "base/strings.h"

namespace lucid::debian {
namespace {

constexpr std::array<Release, 19> kReleases = {{
    {"buzz", "1.1"},    {"rex", "1.2"},     {"bo", "1.3"},    {"hamm", "2.0"},  {"slink", "2.1"},
    {"potato", "2.2"},  {"woody", "3.0"},   {"sarge", "3.1"}, {"etch", "4"},    {"lenny", "5"},
    {"squeeze", "6"},   {"wheezy", "7"},    {"jessie", "8"},  {"stretch", "9"}, {"buster", "10"},
    {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},
}};

}  // namespace

std::optional<Release> ReleaseByCodename(std::string_view codename) {
  for (const auto& r : kReleases) {
    if (r.codename == codename) return r;
  }
  return std::nullopt;
}

std::optional<Release> ReleaseByVersionId(std::string_view version_id) {
  for (const auto& r : kReleases) {
    if (r.version_id == version_id) return r;
  }
  return std::nullopt;
}

Distribution CanonicalDistribution(std::string_view version_id, std::string_view codename) {
  Distribution d;
  d.did = "debian";
  d.name = "Debian GNU/Linux";
  d.version_id = std::string(version_id);
  d.version_code_name = std::string(codename);
  d.version = std::string(version_id) + " (" + std::string(codename) + ")";
  d.pretty_name = "Debian GNU/Linux " + d.version;
  return d;
}

Severity NormalizeUrgency(std::string_view urgency) {
  std::string u = ToLower(urgency);
  if (u == "unimportant") return Severity::kLow;
  if (u == "low") return Severity::kMedium;
  if (u == "medium") return Severity::kHigh;
  if (u == "high") return Severity::kCritical;
  return Severity::kUnknown;
}

}  // namespace lucid::debian
