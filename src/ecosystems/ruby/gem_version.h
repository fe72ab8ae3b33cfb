// RubyGems versions (Gem::Version): "1.2.3", "1.0.0.rc1", "1.0-beta" (a "-"
// reads as ".pre."). Segments are runs of digits or letters; trailing zeros
// of the numeric part and of the pre-release part are ignored; a letter
// segment sorts before a number, so 1.0.a < 1.0.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace lucid::ruby {

class GemVersion {
 public:
  static Result<GemVersion> Parse(std::string_view text);
  const std::string& str() const { return version_; }
  bool prerelease() const;

  // Segment: a number (digits, no leading zeros) or letters.
  struct Segment {
    bool numeric;
    std::string text;
  };
  const std::vector<Segment>& canonical() const { return canonical_; }

 private:
  std::string version_;
  std::vector<Segment> canonical_;
};

int CompareGem(const GemVersion& a, const GemVersion& b);
Result<int> CompareGemStrings(std::string_view a, std::string_view b);

}  // namespace lucid::ruby
