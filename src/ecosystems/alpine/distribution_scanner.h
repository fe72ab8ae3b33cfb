// The "alpine" distribution scanner: etc/os-release (following its symlink,
// usually to usr/lib/os-release) with ID=alpine, and etc/alpine-release as a
// fallback or to supply the version. Output is the canonical Alpine
// distribution, so that it equals what the secdb updater stores.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::alpine {

// {did alpine, name "Alpine Linux", version/version_id "3.14", pretty_name
// "Alpine Linux v3.14"}; "edge" gives pretty_name "Alpine Linux edge".
Distribution CanonicalDistribution(std::string_view release);

// "3.14.0" -> "3.14", "3.14" -> "3.14", "3.19_alpha20230901" -> "edge",
// "edge" -> "edge"; nullopt when the text is no Alpine version.
std::optional<std::string> ReleaseFromVersion(std::string_view version);

struct DistributionVerdict {
  std::optional<Distribution> distribution;
  std::string note_code;  // "" or bad-os-release / unsupported-distribution
  std::string note_message;
  std::string note_path;
};

// Decides from the texts of os-release and alpine-release (either may be
// absent). An os-release of another distribution yields nothing at all.
DistributionVerdict DistributionFromFiles(const std::optional<std::string>& os_release,
                                          const std::optional<std::string>& alpine_release,
                                          std::string_view os_release_path = "etc/os-release");

std::shared_ptr<const indexer::Scanner> NewDistributionScanner();

}  // namespace lucid::alpine
