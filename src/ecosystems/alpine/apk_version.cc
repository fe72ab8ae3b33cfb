#include "ecosystems/alpine/apk_version.h"

#include <array>
#include <cstdint>
#include <string>

namespace lucid::alpine {
namespace {

// What the cursor expects to read next. The numeric order matters: when two
// versions agree on every token so far but continue differently, the one
// continuing with the "later" kind is the older version.
enum class Kind : int {
  kInvalid = -1,
  kDotNumber = 0,  // a component after '.', where leading zeros are special
  kNumber = 1,     // the first component, or digits right after a letter
  kLetter = 2,
  kSuffix = 3,        // the word after '_'
  kSuffixNumber = 4,  // digits after a suffix word
  kRevision = 5,      // digits after "-r"
  kEnd = 6,
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

// One token's value. Numbers are kept as digit strings (no leading zeros) so
// that dates and hashes longer than any integer type still compare exactly;
// everything else fits `small`.
struct Value {
  int64_t small = 0;
  std::string_view digits;

  int Compare(const Value& o) const {
    bool big = !digits.empty(), obig = !o.digits.empty();
    if (big != obig) return big ? 1 : -1;  // a number > 0 beats any zero run, letter code or suffix rank
    if (big) {
      if (digits.size() != o.digits.size()) return digits.size() < o.digits.size() ? -1 : 1;
      int c = digits.compare(o.digits);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return small < o.small ? -1 : (small > o.small ? 1 : 0);
  }
};

// Suffix words with their rank: pre-releases negative, post-releases >= 0.
struct SuffixWord {
  std::string_view word;
  int rank;
};
constexpr std::array<SuffixWord, 9> kSuffixes = {{
    {"alpha", -4},
    {"beta", -3},
    {"pre", -2},
    {"rc", -1},
    {"cvs", 0},
    {"svn", 1},
    {"git", 2},
    {"hg", 3},
    {"p", 4},
}};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : rest_(s) {}

  Kind kind() const { return kind_; }

  // Reads the token of kind() and works out what comes next.
  Value Take() {
    Value v;
    if (rest_.empty()) {
      kind_ = Kind::kEnd;
      return v;
    }
    switch (kind_) {
      case Kind::kDotNumber:
        if (rest_[0] == '0') {
          // "1.05": the zeros form a token of their own worth -(count); the
          // rest of the component follows as a plain number.
          size_t n = 0;
          while (n < rest_.size() && rest_[n] == '0') ++n;
          rest_.remove_prefix(n);
          v.small = -static_cast<int64_t>(n);
          kind_ = rest_.empty() ? Kind::kEnd : Kind::kNumber;
          return v;
        }
        [[fallthrough]];
      case Kind::kNumber:
      case Kind::kSuffixNumber:
      case Kind::kRevision: {
        size_t n = 0;
        while (n < rest_.size() && IsDigit(rest_[n])) ++n;
        std::string_view d = rest_.substr(0, n);
        while (!d.empty() && d[0] == '0') d.remove_prefix(1);
        v.digits = d;
        rest_.remove_prefix(n);
        break;
      }
      case Kind::kLetter:
        v.small = static_cast<unsigned char>(rest_[0]);
        rest_.remove_prefix(1);
        break;
      case Kind::kSuffix: {
        bool found = false;
        for (const auto& s : kSuffixes) {
          if (rest_.substr(0, s.word.size()) == s.word) {
            v.small = s.rank;
            rest_.remove_prefix(s.word.size());
            found = true;
            break;
          }
        }
        if (!found) {
          kind_ = Kind::kInvalid;
          v.small = -1;
          return v;
        }
        break;
      }
      default:
        kind_ = Kind::kInvalid;
        v.small = -1;
        return v;
    }
    if (rest_.empty()) {
      kind_ = Kind::kEnd;
    } else {
      Advance();
    }
    return v;
  }

 private:
  // Classifies the next token from its first character, consuming separators.
  void Advance() {
    Kind prev = kind_;
    Kind next = Kind::kInvalid;
    char c = rest_[0];
    if ((prev == Kind::kNumber || prev == Kind::kDotNumber) && IsLower(c)) {
      next = Kind::kLetter;
    } else if (prev == Kind::kLetter && IsDigit(c)) {
      next = Kind::kNumber;
    } else if (prev == Kind::kSuffix && IsDigit(c)) {
      next = Kind::kSuffixNumber;
    } else {
      if (c == '.') {
        next = Kind::kDotNumber;
      } else if (c == '_') {
        next = Kind::kSuffix;
      } else if (c == '-' && rest_.size() > 1 && rest_[1] == 'r') {
        next = Kind::kRevision;
        rest_.remove_prefix(1);
      }
      rest_.remove_prefix(1);
    }
    // Parts come in order; the only ways back are another ".N" after a
    // number, another "_suffix" after a suffix number, and digits after a
    // letter.
    if (static_cast<int>(next) < static_cast<int>(prev)) {
      bool allowed = (next == Kind::kDotNumber && prev == Kind::kNumber) ||
                     (next == Kind::kSuffix && prev == Kind::kSuffixNumber) ||
                     (next == Kind::kNumber && prev == Kind::kLetter);
      if (!allowed) next = Kind::kInvalid;
    }
    kind_ = next;
  }

  std::string_view rest_;
  Kind kind_ = Kind::kNumber;
};

}  // namespace

bool IsValidApkVersion(std::string_view v) {
  if (v.empty() || !IsDigit(v[0])) return false;
  if (v.find('\0') != std::string_view::npos) return false;
  Cursor c(v);
  while (c.kind() != Kind::kEnd && c.kind() != Kind::kInvalid) c.Take();
  return c.kind() == Kind::kEnd;
}

Result<int> CompareApkVersions(std::string_view a, std::string_view b) {
  if (!IsValidApkVersion(a)) return InvalidArgument("invalid apk version \"" + std::string(a) + "\"");
  if (!IsValidApkVersion(b)) return InvalidArgument("invalid apk version \"" + std::string(b) + "\"");
  Cursor ca(a), cb(b);
  Value va, vb;
  // Walk both while they agree on kind and value.
  while (ca.kind() == cb.kind() && ca.kind() != Kind::kEnd && va.Compare(vb) == 0) {
    va = ca.Take();
    vb = cb.Take();
  }
  if (int c = va.Compare(vb); c != 0) return c;
  if (ca.kind() == cb.kind()) return 0;
  // Same so far, but one goes on: that one is newer unless it goes on with a
  // pre-release suffix.
  if (ca.kind() == Kind::kSuffix) {
    Cursor peek = ca;
    if (peek.Take().small < 0) return -1;
  }
  if (cb.kind() == Kind::kSuffix) {
    Cursor peek = cb;
    if (peek.Take().small < 0) return 1;
  }
  return static_cast<int>(ca.kind()) > static_cast<int>(cb.kind()) ? -1 : 1;
}

}  // namespace lucid::alpine
