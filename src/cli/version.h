#pragma once

#include <string_view>

namespace lucid::cli {

// Set from CMake's project version.
#ifndef LUCID_VERSION
#define LUCID_VERSION "0.0.0-dev"
#endif
inline constexpr std::string_view kVersion = LUCID_VERSION;

}  // namespace lucid::cli
