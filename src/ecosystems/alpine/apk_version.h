// apk-tools version ordering (the Gentoo-derived scheme Alpine uses):
//   {digits}{.digits}...[letter]{_suffix[digits]}...[-r digits]
// with pre-release suffixes _alpha < _beta < _pre < _rc < (none) and
// post-release suffixes _cvs < _svn < _git < _hg < _p. Written from the rules
// apk-tools documents and tests, including its quirks: a component after '.'
// that starts with '0' compares by its count of leading zeros (fewer zeros is
// newer, and any zero-led component is older than a plain number), and when
// one version runs out first, the longer one is newer unless what follows is a
// pre-release suffix.
#pragma once

#include <string_view>

#include "base/result.h"

namespace lucid::alpine {

// True when apk-tools would accept `v` as a package version. Stricter than
// apk-tools in two ways that never matter for real packages: the empty string
// and versions not starting with a digit are rejected.
bool IsValidApkVersion(std::string_view v);

// <0, 0, >0 like strcmp. InvalidArgument when either version is invalid.
Result<int> CompareApkVersions(std::string_view a, std::string_view b);

}  // namespace lucid::alpine
