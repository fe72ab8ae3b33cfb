// Debian package versions ([epoch:]upstream[-revision]) with exactly the
// parsing and ordering of dpkg (lib/dpkg/parsehelp.c, version.c), so that
// Compare() agrees with `dpkg --compare-versions`.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace lucid::debian {

struct DpkgVersion {
  int epoch = 0;
  std::string upstream;
  std::string revision;  // "" when absent
  // Non-fatal syntax problem dpkg only warns about (e.g. upstream not
  // starting with a digit); "" when clean.
  std::string warning;

  // Canonical text: epoch shown only when non-zero.
  std::string ToString() const;
};

// Fails (InvalidArgument) where dpkg fails hard: empty, embedded blanks, bad
// epoch, nothing after the colon, empty upstream or revision. Where dpkg only
// warns the version is accepted and `warning` is set.
Result<DpkgVersion> ParseDpkgVersion(std::string_view text);

// <0, 0, >0 like strcmp.
int CompareDpkgVersions(const DpkgVersion& a, const DpkgVersion& b);
// Parses both; errors name the offending string.
Result<int> CompareDpkgVersionStrings(std::string_view a, std::string_view b);

}  // namespace lucid::debian
