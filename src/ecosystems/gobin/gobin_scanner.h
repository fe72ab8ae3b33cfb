// "gobin": Go executables. Every executable regular file is checked for Go
// build info; each yields the Go toolchain as "stdlib", the main module
// (when built in module mode) and every dependency (replacements win).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "ecosystems/gobin/buildinfo.h"
#include "indexer/scanner.h"

namespace lucid::gobin {

// The packages one binary at `path` contributes.
std::vector<Package> PackagesOf(const BuildInfo& bi, const std::string& path);

// claircore's Go version vector: semver major.minor.patch, pre-release and
// build dropped, each number cut to its first 9 digits; empty when the
// version is not of that shape.
NormalizedVersion GoVersionVector(std::string_view v);

// GoVersionVector, also accepting toolchain spellings ("1.21rc2" -> 1.21.0).
NormalizedVersion GoMatchVector(std::string_view v);

// Go versions as semver: module versions are semver already; toolchain
// versions ("1.21rc2", "1.20") become "1.21.0-rc.2", "1.20.0".
Result<int> CompareGoVersions(std::string_view a, std::string_view b);

std::shared_ptr<const indexer::Scanner> NewGobinScanner();

}  // namespace lucid::gobin
