#include "ecosystems/ruby/gem_version.h"

#include <cctype>

#include "base/strings.h"

namespace lucid::ruby {
namespace {

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool Digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Gem::Version's pattern:
// [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
bool Valid(std::string_view s) {
  size_t i = 0;
  if (i >= s.size() || !Digit(s[i])) return false;
  while (i < s.size() && Digit(s[i])) ++i;
  while (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && Alnum(s[i])) ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return true;
  if (s[i] != '-') return false;
  for (;;) {
    size_t start = ++i;  // skips '-' first, then each '.'
    while (i < s.size() && (Alnum(s[i]) || s[i] == '-')) ++i;
    if (i == start) return false;
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
  }
}

int CompareDigits(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

Result<GemVersion> GemVersion::Parse(std::string_view text) {
  std::string_view s = TrimSpace(text);
  if (s.size() > 1024) return InvalidArgument("gem version too long");
  GemVersion v;
  if (s.empty()) s = "0";
  if (!Valid(s)) return InvalidArgument("malformed gem version \"" + SanitizeUtf8(text) + "\"");
  v.version_ = std::string(s);
  // "-" reads as ".pre.", then split into digit and letter runs.
  std::vector<Segment> segs;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '-') {
      segs.push_back({false, "pre"});
      ++i;
      continue;
    }
    if (!Alnum(s[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    bool num = Digit(s[i]);
    while (i < s.size() && Alnum(s[i]) && (Digit(s[i]) == num)) ++i;
    std::string_view t = s.substr(start, i - start);
    if (num) {
      while (t.size() > 1 && t[0] == '0') t.remove_prefix(1);
    }
    segs.push_back({num, std::string(t)});
  }
  // Numeric prefix and the rest, each without trailing zeros.
  size_t first_string = 0;
  while (first_string < segs.size() && segs[first_string].numeric) ++first_string;
  auto is_zero = [](const Segment& x) { return x.numeric && x.text == "0"; };
  size_t end_num = first_string;
  while (end_num > 0 && is_zero(segs[end_num - 1])) --end_num;
  size_t end_str = segs.size();
  while (end_str > first_string && is_zero(segs[end_str - 1])) --end_str;
  v.canonical_.assign(segs.begin(), segs.begin() + static_cast<long>(end_num));
  v.canonical_.insert(v.canonical_.end(), segs.begin() + static_cast<long>(first_string),
                      segs.begin() + static_cast<long>(end_str));
  return v;
}

bool GemVersion::prerelease() const {
  for (char c : version_) {
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

int CompareGem(const GemVersion& a, const GemVersion& b) {
  const auto& l = a.canonical();
  const auto& r = b.canonical();
  static const GemVersion::Segment kZero{true, "0"};
  for (size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
    const auto& x = i < l.size() ? l[i] : kZero;
    const auto& y = i < r.size() ? r[i] : kZero;
    if (x.numeric != y.numeric) return x.numeric ? 1 : -1;
    int c = x.numeric ? CompareDigits(x.text, y.text) : x.text.compare(y.text);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

Result<int> CompareGemStrings(std::string_view a, std::string_view b) {
  LUCID_ASSIGN_OR_RETURN(GemVersion x, GemVersion::Parse(a));
  LUCID_ASSIGN_OR_RETURN(GemVersion y, GemVersion::Parse(b));
  return CompareGem(x, y);
}

}  // namespace lucid::ruby
