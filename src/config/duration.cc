// Go time.ParseDuration / Duration.String, written from the Go documentation.
#include <cstdint>
#include <string>

#include "config/config.h"

namespace lucid::config {
namespace {

struct Unit {
  std::string_view name;
  uint64_t ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1},           {"us", 1000},         {"\xC2\xB5s", 1000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1000},                                             // U+03BC greek mu
    {"ms", 1000000},     {"s", 1000000000ULL}, {"m", 60ULL * 1000000000ULL}, {"h", 3600ULL * 1000000000ULL},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string quoted = "\"";
  quoted.append(text);
  quoted.push_back('"');
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return InvalidArgument("invalid duration " + quoted);
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  unsigned __int128 total = 0;
  while (!s.empty()) {
    if (!(IsDigit(s[0]) || s[0] == '.')) return InvalidArgument("invalid duration " + quoted);
    // Integer part.
    unsigned __int128 whole = 0;
    size_t i = 0;
    bool any = false;
    while (i < s.size() && IsDigit(s[i])) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > kMax) return InvalidArgument("invalid duration " + quoted + ": overflow");
      ++i;
      any = true;
    }
    // Fraction: keep up to 18 digits, which is more than nanosecond precision needs.
    uint64_t frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        if (scale < 1000000000000000000ULL) {
          frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
          scale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return InvalidArgument("invalid duration " + quoted);
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    std::string_view unit = s.substr(i, u - i);
    if (unit.empty()) return InvalidArgument("missing unit in duration " + quoted);
    const Unit* found = nullptr;
    for (const auto& cand : kUnits)
      if (cand.name == unit) found = &cand;
    if (!found) return InvalidArgument("unknown unit \"" + std::string(unit) + "\" in duration " + quoted);
    unsigned __int128 v = whole * found->ns;
    if (frac) v += static_cast<unsigned __int128>(frac) * found->ns / scale;
    total += v;
    if (total > static_cast<unsigned __int128>(kMax) + (neg ? 1 : 0)) {
      return InvalidArgument("invalid duration " + quoted + ": overflow");
    }
    s.remove_prefix(u);
  }
  int64_t ns = neg ? static_cast<int64_t>(-static_cast<__int128>(total)) : static_cast<int64_t>(total);
  return Duration(ns);
}

namespace {
// Appends "<int>[.<frac>]" where v is in units of 10^prec, trailing zeros trimmed.
void AppendFixed(std::string& out, uint64_t v, int prec) {
  uint64_t pow = 1;
  for (int i = 0; i < prec; ++i) pow *= 10;
  out += std::to_string(v / pow);
  uint64_t f = v % pow;
  if (f == 0) return;
  std::string digits = std::to_string(f);
  digits.insert(0, static_cast<size_t>(prec) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out += "." + digits;
}
}  // namespace

std::string FormatDuration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (ns < 0) out = "-";
  if (u < 1000000000ULL) {
    if (u < 1000) {
      out += std::to_string(u) + "ns";
    } else if (u < 1000000) {
      AppendFixed(out, u, 3);
      out += "\xC2\xB5s";
    } else {
      AppendFixed(out, u, 6);
      out += "ms";
    }
    return out;
  }
  uint64_t secs = u / 1000000000ULL;
  uint64_t h = secs / 3600, m = (secs / 60) % 60;
  if (h) out += std::to_string(h) + "h";
  if (secs >= 60) out += std::to_string(m) + "m";
  AppendFixed(out, (secs % 60) * 1000000000ULL + u % 1000000000ULL, 9);
  out += "s";
  return out;
}

}  // namespace lucid::config
