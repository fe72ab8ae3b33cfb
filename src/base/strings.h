// Small string helpers shared by parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lucid {

std::string_view TrimSpace(std::string_view s);
std::vector<std::string_view> SplitString(std::string_view s, char sep);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Renders bytes that are not valid UTF-8 as \xNN so that paths from layers are
// always printable and JSON-safe.
std::string SanitizeUtf8(std::string_view s);

// Decodes %XX (and '+' to space when `plus_is_space`), as in URLs and query
// strings. Invalid escapes are kept verbatim.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace lucid
