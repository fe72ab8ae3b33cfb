// rpm version ordering. Segment comparison is librpm's own rpmvercmp (tilde
// sorts before everything, caret after the base version but before any
// further segment, separators ignored); EVR and NEVRA handling follow rpm:
// a missing epoch is 0 and is not printed.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace lucid::rpm {

// rpmvercmp: <0, 0, >0.
int CompareSegments(std::string_view a, std::string_view b);

struct Nevra {
  std::string name;   // "" when the input was a bare EVR
  std::string epoch;  // "" when absent
  std::string version;
  std::string release;  // "" when absent
  std::string arch;     // "" unless a known arch suffix was present
  // "[epoch:]version[-release]" with the epoch left out when absent or 0.
  std::string Evr() const;
};

// Parses "name-[epoch:]version-release[.arch]" or "[epoch:]version-release".
// A trailing ".arch" is taken only for known architectures (aarch64, i686,
// noarch, ppc64le, riscv, s390x, src, x86_64). As in rpm, "E:" is an epoch
// only when E is all digits. InvalidArgument on an empty version.
Result<Nevra> ParseNevra(std::string_view s);

// Parses "[epoch:]version[-release]".
Result<Nevra> ParseEvr(std::string_view s);

// Epoch (missing = 0), then version, then release, each with rpmvercmp. A
// missing release on either side is not compared (rpm's rule for
// dependency ranges).
int CompareEvr(const Nevra& a, const Nevra& b);

// Both sides parsed as EVR strings; an error when either does not parse.
Result<int> CompareVersions(std::string_view a, std::string_view b);

// "name-version-release.src.rpm" (or ".nosrc.rpm") -> name and EVR. The
// file name of a source rpm never carries the epoch.
Result<Nevra> ParseSourceRpm(std::string_view file);

}  // namespace lucid::rpm
