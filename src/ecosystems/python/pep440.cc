#include "ecosystems/python/pep440.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <limits>

#include "base/strings.h"

namespace lucid::python {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSep(char c) { return c == '-' || c == '_' || c == '.'; }

std::string StripZeros(std::string_view d) {
  while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
  return std::string(d);
}

int CompareNum(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int32_t Cap(const std::string& d) {
  if (d.size() > 9) return std::numeric_limits<int32_t>::max();
  int64_t v = 0;
  for (char c : d) v = v * 10 + (c - '0');
  return static_cast<int32_t>(std::min<int64_t>(v, std::numeric_limits<int32_t>::max()));
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek(size_t off = 0) const { return pos_ + off < s_.size() ? s_[pos_ + off] : '\0'; }
  size_t pos() const { return pos_; }
  void set(size_t p) { pos_ = p; }
  void skip(size_t n) { pos_ += n; }
  bool Digits(std::string* out) {
    size_t start = pos_;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    if (pos_ == start) return false;
    *out = StripZeros(s_.substr(start, pos_ - start));
    return true;
  }
  // Matches the first of `words` that the input continues with.
  std::string_view Word(std::initializer_list<std::string_view> words) {
    for (auto w : words) {
      if (s_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return w;
      }
    }
    return {};
  }
  // An optional separator followed by a number: consumed only together,
  // so "1.0a.post1" leaves ".post1" to the post-release rule.
  std::string OptionalNumber() {
    size_t save = pos_;
    if (IsSep(peek())) ++pos_;
    std::string d;
    if (Digits(&d)) return d;
    pos_ = save;
    return "0";
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<Pep440Version> Pep440Version::Parse(std::string_view text) {
  std::string lower = ToLower(TrimSpace(text));
  auto bad = [&]() { return InvalidArgument("invalid PEP 440 version \"" + SanitizeUtf8(text) + "\""); };
  if (lower.empty() || lower.size() > 1024) return bad();
  Cursor c(lower);
  Pep440Version v;
  if (c.peek() == 'v') c.skip(1);
  size_t start = c.pos();
  std::string num;
  if (!c.Digits(&num)) return bad();
  if (c.peek() == '!') {
    v.epoch = num;
    c.skip(1);
    if (!c.Digits(&num)) return bad();
  } else {
    c.set(start);
    if (!c.Digits(&num)) return bad();
  }
  v.release.push_back(num);
  while (c.peek() == '.' && IsDigit(c.peek(1))) {
    c.skip(1);
    c.Digits(&num);
    v.release.push_back(num);
  }
  // Pre-release.
  {
    size_t save = c.pos();
    if (IsSep(c.peek())) c.skip(1);
    std::string_view w = c.Word({"alpha", "beta", "preview", "pre", "rc", "a", "b", "c"});
    if (w.empty()) {
      c.set(save);
    } else {
      v.pre_label = (w == "alpha" || w == "a") ? "a" : (w == "beta" || w == "b") ? "b" : "rc";
      v.pre_number = c.OptionalNumber();
    }
  }
  // Post-release: "-N" or [sep](post|rev|r)[sep][N].
  {
    size_t save = c.pos();
    if (c.peek() == '-' && IsDigit(c.peek(1))) {
      c.skip(1);
      c.Digits(&v.post_number);
      v.has_post = true;
    } else {
      if (IsSep(c.peek())) c.skip(1);
      std::string_view w = c.Word({"post", "rev", "r"});
      if (w.empty()) {
        c.set(save);
      } else {
        v.has_post = true;
        v.post_number = c.OptionalNumber();
      }
    }
  }
  // Development release.
  {
    size_t save = c.pos();
    if (IsSep(c.peek())) c.skip(1);
    if (c.Word({"dev"}).empty()) {
      c.set(save);
    } else {
      v.has_dev = true;
      v.dev_number = c.OptionalNumber();
    }
  }
  // Local version label.
  if (c.peek() == '+') {
    c.skip(1);
    std::string seg;
    while (!c.done()) {
      char ch = c.peek();
      if (std::isalnum(static_cast<unsigned char>(ch))) {
        seg += ch;
        c.skip(1);
      } else if (IsSep(ch) && !seg.empty()) {
        v.local.push_back(seg);
        seg.clear();
        c.skip(1);
      } else {
        return bad();
      }
    }
    if (seg.empty()) return bad();
    v.local.push_back(seg);
  }
  if (!c.done()) return bad();
  return v;
}

std::string Pep440Version::str() const {
  std::string s;
  if (epoch != "0") s += epoch + "!";
  for (size_t i = 0; i < release.size(); ++i) s += (i ? "." : "") + release[i];
  if (!pre_label.empty()) s += pre_label + pre_number;
  if (has_post) s += ".post" + post_number;
  if (has_dev) s += ".dev" + dev_number;
  if (!local.empty()) {
    s += "+";
    for (size_t i = 0; i < local.size(); ++i) {
      // Local numeric segments print without leading zeros, like packaging.
      bool numeric = std::all_of(local[i].begin(), local[i].end(), IsDigit);
      s += (i ? "." : "") + (numeric ? StripZeros(local[i]) : local[i]);
    }
  }
  return s;
}

int ComparePep440(const Pep440Version& a, const Pep440Version& b) {
  if (int c = CompareNum(a.epoch, b.epoch)) return c;
  // Release, trailing zeros ignored.
  auto trimmed = [](const std::vector<std::string>& r) {
    size_t n = r.size();
    while (n > 0 && r[n - 1] == "0") --n;
    return n;
  };
  size_t na = trimmed(a.release), nb = trimmed(b.release);
  for (size_t i = 0; i < std::min(na, nb); ++i) {
    if (int c = CompareNum(a.release[i], b.release[i])) return c;
  }
  if (na != nb) return na < nb ? -1 : 1;
  // Pre-release rank: a dev-only release sorts before any pre-release; no
  // pre-release sorts after all of them.
  auto pre_rank = [](const Pep440Version& v) {
    if (v.pre_label.empty() && !v.has_post && v.has_dev) return 0;
    if (v.pre_label.empty()) return 4;
    return v.pre_label == "a" ? 1 : v.pre_label == "b" ? 2 : 3;
  };
  int ra = pre_rank(a), rb = pre_rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra >= 1 && ra <= 3) {
    if (int c = CompareNum(a.pre_number, b.pre_number)) return c;
  }
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
  if (a.has_post) {
    if (int c = CompareNum(a.post_number, b.post_number)) return c;
  }
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
  if (a.has_dev) {
    if (int c = CompareNum(a.dev_number, b.dev_number)) return c;
  }
  // Local: absent < present; segment-wise, numbers above strings.
  for (size_t i = 0; i < std::min(a.local.size(), b.local.size()); ++i) {
    const auto& x = a.local[i];
    const auto& y = b.local[i];
    bool xn = std::all_of(x.begin(), x.end(), IsDigit), yn = std::all_of(y.begin(), y.end(), IsDigit);
    if (xn != yn) return xn ? 1 : -1;
    int c = xn ? CompareNum(StripZeros(x), StripZeros(y)) : (x < y ? -1 : x > y ? 1 : 0);
    if (c) return c;
  }
  if (a.local.size() != b.local.size()) return a.local.size() < b.local.size() ? -1 : 1;
  return 0;
}

Result<int> ComparePep440Strings(std::string_view a, std::string_view b) {
  LUCID_ASSIGN_OR_RETURN(Pep440Version x, Pep440Version::Parse(a));
  LUCID_ASSIGN_OR_RETURN(Pep440Version y, Pep440Version::Parse(b));
  return ComparePep440(x, y);
}

NormalizedVersion Pep440Vector(const Pep440Version& v) {
  NormalizedVersion nv;
  nv.kind = "pep440";
  nv.v[0] = Cap(v.epoch);
  for (size_t i = 0; i < 5 && i < v.release.size(); ++i) nv.v[1 + i] = Cap(v.release[i]);
  if (!v.pre_label.empty()) {
    nv.v[6] = v.pre_label == "a" ? -3 : v.pre_label == "b" ? -2 : -1;
    nv.v[7] = Cap(v.pre_number);
  }
  if (v.has_post) nv.v[8] = Cap(v.post_number);
  if (v.has_dev) {
    if (!v.pre_label.empty() || v.has_post) {
      nv.v[9] = -Cap(v.dev_number);
    } else {
      nv.v[6] = static_cast<int32_t>(static_cast<int64_t>(INT32_MIN) + Cap(v.dev_number));
    }
  }
  return nv;
}

}  // namespace lucid::python
