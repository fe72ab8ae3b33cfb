// OSV advisory -> Clair vulnerabilities, as claircore's OSV updater encodes
// them (ecosystems.md §4): SEMVER ranges become `range` vectors, ECOSYSTEM
// ranges of Maven/PyPI/RubyGems become a URL-encoded fixed_in_version.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/model.h"

namespace lucid::osv {

// Lower-cased, text after ':' removed ("Debian:12" -> "debian").
std::string NormalizeEcosystem(std::string_view ecosystem);
// Ecosystems claircore leaves to distribution updaters.
bool IgnoredEcosystem(std::string_view normalized);
// The Repository vulnerabilities of an ecosystem carry (matched by name).
Repository RepositoryFor(std::string_view normalized);
// "osv/<normalized>".
std::string UpdaterName(std::string_view normalized);
// Go's url.QueryEscape.
std::string QueryEscape(std::string_view s);

struct ConvertStats {
  int64_t records = 0;
  int64_t skipped = 0;  // withdrawn, no affected, bad alias
  int64_t vulns = 0;
};

// Emits the vulnerabilities of one OSV record of the `normalized` ecosystem's
// dump. `now` (RFC 3339) decides whether a withdrawal is in the past.
Status ConvertRecord(const boost::json::value& record, std::string_view normalized, std::string_view now,
                     const std::function<Status(Vulnerability)>& emit, ConvertStats* stats = nullptr);

}  // namespace lucid::osv
