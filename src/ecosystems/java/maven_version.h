// Maven version ordering, following the documented rules of Maven's
// ComparableVersion (3.9): items split at '.', '-' and digit/letter
// transitions; numbers compare numerically (any length); qualifiers order
// alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release
// < sp < anything else (lexically); "1-0.alpha" style sub-lists; trailing
// zero/empty items ignored.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::java {

class MavenVersion {
 public:
  // Every string is a Maven version (Maven never rejects one); errors only
  // for empty or absurdly long input.
  static Result<MavenVersion> Parse(std::string_view text);
  const std::string& original() const { return original_; }

  struct Item;
  ~MavenVersion();
  MavenVersion(MavenVersion&&) noexcept;
  MavenVersion& operator=(MavenVersion&&) noexcept;

 private:
  friend int CompareMaven(const MavenVersion& a, const MavenVersion& b);
  MavenVersion();
  std::string original_;
  std::unique_ptr<Item> items_;
};

int CompareMaven(const MavenVersion& a, const MavenVersion& b);
Result<int> CompareMavenStrings(std::string_view a, std::string_view b);

}  // namespace lucid::java
