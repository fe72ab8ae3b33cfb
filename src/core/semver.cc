#include "core/semver.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "base/strings.h"

namespace lucid {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool ParseNumber(std::string_view s, uint64_t* out) {
  if (!AllDigits(s) || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  *out = v;
  return true;
}

bool ValidIdent(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

Result<Semver> Semver::Parse(std::string_view text) {
  std::string_view s = TrimSpace(text);
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  Semver v;
  auto plus = s.find('+');
  if (plus != std::string_view::npos) {
    v.build = std::string(s.substr(plus + 1));
    s = s.substr(0, plus);
  }
  auto dash = s.find('-');
  std::string_view core = s.substr(0, dash);
  if (dash != std::string_view::npos) {
    for (auto id : SplitString(s.substr(dash + 1), '.')) {
      if (!ValidIdent(id)) return InvalidArgument("invalid semver pre-release in \"" + std::string(text) + "\"");
      v.prerelease.emplace_back(id);
    }
  }
  auto parts = SplitString(core, '.');
  if (parts.empty() || parts.size() > 3) return InvalidArgument("invalid semver \"" + std::string(text) + "\"");
  uint64_t* fields[] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!ParseNumber(parts[i], fields[i])) return InvalidArgument("invalid semver \"" + std::string(text) + "\"");
  }
  return v;
}

std::string Semver::str() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  for (size_t i = 0; i < prerelease.size(); ++i) s += (i == 0 ? "-" : ".") + prerelease[i];
  if (!build.empty()) s += "+" + build;
  return s;
}

int CompareSemver(const Semver& a, const Semver& b) {
  auto cmp = [](uint64_t x, uint64_t y) { return x < y ? -1 : x > y ? 1 : 0; };
  if (int c = cmp(a.major, b.major)) return c;
  if (int c = cmp(a.minor, b.minor)) return c;
  if (int c = cmp(a.patch, b.patch)) return c;
  // A version without pre-release ranks above one with.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  }
  size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& x = a.prerelease[i];
    const auto& y = b.prerelease[i];
    bool xn = AllDigits(x), yn = AllDigits(y);
    if (xn && yn) {
      // Compare numerically without overflow: longer (no leading zeros) wins.
      std::string_view xs = x, ys = y;
      while (xs.size() > 1 && xs[0] == '0') xs.remove_prefix(1);
      while (ys.size() > 1 && ys[0] == '0') ys.remove_prefix(1);
      if (xs.size() != ys.size()) return xs.size() < ys.size() ? -1 : 1;
      if (int c = xs.compare(ys)) return c < 0 ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;  // numeric identifiers rank below alphanumeric
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
  }
  return a.prerelease.size() < b.prerelease.size() ? -1 : a.prerelease.size() > b.prerelease.size() ? 1 : 0;
}

NormalizedVersion SemverVector(const Semver& v) {
  NormalizedVersion nv;
  nv.kind = "semver";
  auto cap = [](uint64_t x) {
    return static_cast<int32_t>(std::min<uint64_t>(x, static_cast<uint64_t>(std::numeric_limits<int32_t>::max())));
  };
  nv.v[1] = cap(v.major);
  nv.v[2] = cap(v.minor);
  nv.v[3] = cap(v.patch);
  return nv;
}

NormalizedVersion SemverInfinity() {
  NormalizedVersion nv;
  nv.kind = "semver";
  nv.v[0] = 65535;
  return nv;
}

}  // namespace lucid
