// OCI/AUFS whiteouts across layers, with claircore's semantics:
//   "dir/.wh.name"    deletes dir/name and everything below it;
//   "dir/.wh..wh..opq" deletes everything below dir (not dir itself).
// Paths are normalised layer paths (no leading "/"); comparison is by path
// segment, so ".wh.foo" does not delete "foobar".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lucid::layer {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";

bool IsWhiteoutPath(std::string_view path);
// True when `path`, present in an earlier layer, is removed by any of the
// whiteouts recorded in later layers.
bool IsWhitedOut(std::string_view path, const std::vector<std::string>& later_layer_whiteouts);

}  // namespace lucid::layer
