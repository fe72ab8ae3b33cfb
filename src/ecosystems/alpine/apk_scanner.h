// The "apk" package scanner: lib/apk/db/installed, apk's database of
// installed packages.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "indexer/scanner.h"

namespace lucid::alpine {

inline constexpr std::string_view kInstalledDb = "lib/apk/db/installed";

// Parses the database text: records separated by blank lines, lines
// "K:value". Records without a name (P) or version (V) are skipped. Never
// fails: a text that is not a database yields no packages.
std::vector<Package> ParseInstalledDb(std::string_view text);

std::shared_ptr<const indexer::Scanner> NewApkScanner();

}  // namespace lucid::alpine
