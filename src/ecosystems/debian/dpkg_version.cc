#include "ecosystems/debian/dpkg_version.h"

#include <climits>
#include <cstring>

namespace lucid::debian {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }
// strtol's notion of leading white space.
bool IsCSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// dpkg's character weight: '~' below everything (even the end of the
// string), letters by ASCII, other characters after all letters. Bytes are
// taken as signed char, as dpkg does on the platforms we build for.
int Order(char ch) {
  int c = static_cast<signed char>(ch);
  if (IsDigit(ch)) return 0;
  if (IsAlpha(ch)) return c;
  if (ch == '~') return -1;
  if (c != 0) return c + 256;
  return 0;
}

int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int ac = Order(at(a, i));
      int bc = Order(at(b, j));
      if (ac != bc) return ac - bc;
      if (i < a.size()) ++i;
      if (j < b.size()) ++j;
    }
    // Digit runs compare numerically without converting (no overflow).
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (IsDigit(at(a, i)) && IsDigit(at(b, j))) {
      if (first_diff == 0) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (IsDigit(at(a, i))) return 1;
    if (IsDigit(at(b, j))) return -1;
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

Status Bad(std::string_view text, std::string_view why) {
  return InvalidArgument("version '" + std::string(text) + "' has bad syntax: " + std::string(why));
}

}  // namespace

std::string DpkgVersion::ToString() const {
  std::string s;
  if (epoch != 0) s = std::to_string(epoch) + ":";
  s += upstream;
  if (!revision.empty()) s += "-" + revision;
  return s;
}

namespace {

// The parts of a version, viewing `text`: comparing needs no copies, and the
// matcher compares thousands of versions per report.
struct VersionView {
  int epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

Result<VersionView> ParseView(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  if (s.empty()) return Bad(text, "version string is empty");
  size_t end = 0;
  while (end < s.size() && !IsBlank(s[end])) ++end;
  for (size_t k = end; k < s.size(); ++k) {
    if (!IsBlank(s[k])) return Bad(text, "version string has embedded spaces");
  }
  // dpkg works on C strings: an embedded NUL ends the version.
  s = s.substr(0, end);
  if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);

  VersionView v;
  if (auto colon = s.find(':'); colon != std::string_view::npos) {
    // Mirrors strtol(): optional white space and sign, then digits.
    size_t k = 0;
    while (k < colon && IsCSpace(s[k])) ++k;
    bool neg = false;
    if (k < colon && (s[k] == '+' || s[k] == '-')) {
      neg = s[k] == '-';
      ++k;
    }
    size_t digits_begin = k;
    long long epoch = 0;
    bool too_big = false;
    while (k < s.size() && IsDigit(s[k])) {
      if (!too_big) {
        epoch = epoch * 10 + (s[k] - '0');
        if (epoch > static_cast<long long>(INT_MAX) + 1) too_big = true;
      }
      ++k;
    }
    if (k == digits_begin) return Bad(text, "epoch in version is empty");
    if (k != colon) return Bad(text, "epoch in version is not number");
    if (neg && epoch != 0) return Bad(text, "epoch in version is negative");
    if (too_big || epoch > INT_MAX) return Bad(text, "epoch in version is too big");
    if (colon + 1 == s.size()) return Bad(text, "nothing after colon in version number");
    v.epoch = static_cast<int>(epoch);
    s = s.substr(colon + 1);
  }
  if (auto hyphen = s.rfind('-'); hyphen != std::string_view::npos) {
    v.revision = s.substr(hyphen + 1);
    if (v.revision.empty()) return Bad(text, "revision number is empty");
    s = s.substr(0, hyphen);
  }
  v.upstream = s;
  if (v.upstream.empty()) return Bad(text, "version number is empty");
  return v;
}

int CompareViews(const VersionView& a, const VersionView& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  int r = VerRevCmp(a.upstream, b.upstream);
  if (r != 0) return r;
  return VerRevCmp(a.revision, b.revision);
}

}  // namespace

Result<DpkgVersion> ParseDpkgVersion(std::string_view text) {
  LUCID_ASSIGN_OR_RETURN(VersionView view, ParseView(text));
  DpkgVersion v;
  v.epoch = view.epoch;
  v.upstream = std::string(view.upstream);
  v.revision = std::string(view.revision);
  if (!IsDigit(v.upstream[0])) {
    v.warning = "version number does not start with digit";
  } else {
    for (char c : v.upstream) {
      if (!IsDigit(c) && !IsAlpha(c) && std::strchr(".-+~:", c) == nullptr) {
        v.warning = "invalid character in version number";
        break;
      }
    }
    if (v.warning.empty()) {
      for (char c : v.revision) {
        if (!IsDigit(c) && !IsAlpha(c) && std::strchr(".+~", c) == nullptr) {
          v.warning = "invalid character in revision number";
          break;
        }
      }
    }
  }
  return v;
}

int CompareDpkgVersions(const DpkgVersion& a, const DpkgVersion& b) {
  return CompareViews({a.epoch, a.upstream, a.revision}, {b.epoch, b.upstream, b.revision});
}

Result<int> CompareDpkgVersionStrings(std::string_view a, std::string_view b) {
  LUCID_ASSIGN_OR_RETURN(VersionView va, ParseView(a));
  LUCID_ASSIGN_OR_RETURN(VersionView vb, ParseView(b));
  return CompareViews(va, vb);
}

}  // namespace lucid::debian
