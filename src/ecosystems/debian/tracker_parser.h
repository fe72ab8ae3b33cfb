// Streaming parser for the Debian security tracker JSON
// (https://security-tracker.debian.org/tracker/data/json):
//   {pkg: {id: {description, releases: {codename: {status, fixed_version, urgency}}}}}
// Memory stays bounded by one CVE entry whatever the feed size.
#pragma once

#include <string>

#include "base/io.h"
#include "base/status.h"
#include "updater/updater.h"

namespace lucid::debian {

inline constexpr std::string_view kUpdaterName = "debian/updater";

// One Vulnerability per (source package, id, known codename). Corrupt on
// malformed or truncated JSON or a document that is not a tracker object.
Status ParseTrackerJson(Reader& in, updater::VulnerabilitySink* sink);
// Same, for a spooled body that may be gzip-compressed.
Status ParseTrackerFile(const std::string& path, updater::VulnerabilitySink* sink);

}  // namespace lucid::debian
