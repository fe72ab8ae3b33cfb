// Internal to lucid_config: the typed decoder works on a parsed document.
#pragma once

#include <boost/json/value.hpp>

#include <string>

#include "config/config.h"

namespace lucid::config::internal {

// Strict typed decode of a merged document; every error is collected.
Result<Config> DecodeValue(const boost::json::value& doc, const std::string& origin);
boost::json::value EncodeConfig(const Config& c);

// Levenshtein distance over ASCII-lowercased strings (for "did you mean").
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace lucid::config::internal
