#include "layer/whiteout.h"

namespace lucid::layer {

namespace {
std::string_view Basename(std::string_view p) {
  auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
std::string_view Dirname(std::string_view p) {
  auto slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
}
// `path` equals `prefix` or lies below it (segment-wise). An empty prefix is the root.
bool AtOrBelow(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (path.size() < prefix.size() || path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}
}  // namespace

bool IsWhiteoutPath(std::string_view path) {
  return Basename(path).substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix;
}

bool IsWhitedOut(std::string_view path, const std::vector<std::string>& later_layer_whiteouts) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (const auto& w : later_layer_whiteouts) {
    std::string_view wo(w);
    while (!wo.empty() && wo.front() == '/') wo.remove_prefix(1);
    std::string_view base = Basename(wo);
    std::string_view dir = Dirname(wo);
    if (base == kOpaqueWhiteout) {
      // Everything strictly below dir.
      if (AtOrBelow(path, dir) && path.size() > dir.size()) return true;
      continue;
    }
    if (base.substr(0, kWhiteoutPrefix.size()) != kWhiteoutPrefix) continue;
    std::string target = dir.empty() ? std::string(base.substr(kWhiteoutPrefix.size()))
                                     : std::string(dir) + "/" + std::string(base.substr(kWhiteoutPrefix.size()));
    if (AtOrBelow(path, target)) return true;
  }
  return false;
}

}  // namespace lucid::layer
