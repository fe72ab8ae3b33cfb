// The "debian" distribution scanner: etc/os-release (or usr/lib/os-release)
// with ID=debian becomes the canonical Debian distribution.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::debian {

struct OsReleaseVerdict {
  std::optional<Distribution> distribution;  // set when this is a Debian release
  std::string note_code;                     // "" or bad-os-release / unsupported-distribution
  std::string note_message;
};

// Interprets one os-release text. Not Debian -> neither distribution nor note.
OsReleaseVerdict DistributionFromOsRelease(std::string_view text);

std::shared_ptr<const indexer::Scanner> NewDistributionScanner();

}  // namespace lucid::debian
