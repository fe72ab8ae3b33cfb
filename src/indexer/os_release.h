// os-release(5) parser shared by the distribution scanners. Follows systemd's
// env-file rules so that we read the same values systemd would.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace lucid::indexer {

// Parses KEY=VALUE lines: '#'/';' comments, leading/trailing blanks, single
// quotes (literal), double quotes (backslash escapes \" \\ \` \$ and line
// continuation), unquoted backslash escapes, empty values. Lines without '=',
// with an invalid key name or a non-UTF-8 value are skipped; the last
// assignment of a key wins. Never fails.
std::map<std::string, std::string> ParseOsRelease(std::string_view text);

}  // namespace lucid::indexer
