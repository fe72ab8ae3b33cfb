// dpkg package scanners: "dpkg" reads <dir>/status databases (dir must also
// hold an info/ directory), "dpkg-distroless" reads the one-stanza files in
// status.d/ directories that distroless images ship instead.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "indexer/scanner.h"

namespace lucid::debian {

struct ParsedStatusDb {
  bool is_vcpkg = false;          // a vcpkg database named "status": ignore silently
  std::vector<Package> packages;  // installed packages, sorted by name, version
};

// Parses a dpkg status file. Corrupt when the text is not a dpkg database.
Result<ParsedStatusDb> ParseDpkgStatus(std::string_view text, std::string_view db_path);

// Parses one status.d stanza file (no Status filtering).
Result<std::vector<Package>> ParseDistrolessStatus(std::string_view text, std::string_view db_path);

std::shared_ptr<const indexer::Scanner> NewDpkgScanner();
std::shared_ptr<const indexer::Scanner> NewDistrolessScanner();

}  // namespace lucid::debian
