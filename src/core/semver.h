// Semantic versions (semver 2.0.0, with the leniency real ecosystems need:
// an optional "v" prefix, missing minor/patch). Used by npm, Go and OSV's
// SEMVER ranges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/model.h"

namespace lucid {

struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
  std::string build;                    // ignored in comparisons

  // Accepts "1", "1.2", "1.2.3", "v1.2.3-rc.1+meta". Rejects junk.
  static Result<Semver> Parse(std::string_view text);
  std::string str() const;
};

// <0, 0, >0 as in semver precedence (build metadata ignored).
int CompareSemver(const Semver& a, const Semver& b);

// claircore's normalized vector: kind "semver", V[1..3] = major.minor.patch
// (each capped to int32), pre-release dropped. V[0] is the epoch slot;
// `SemverInfinity()` (V[0] = 65535) stands for "no upper bound".
NormalizedVersion SemverVector(const Semver& v);
NormalizedVersion SemverInfinity();

}  // namespace lucid
