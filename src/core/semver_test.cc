#include "core/semver.h"

#include <gtest/gtest.h>

#include <vector>

namespace lucid {

TEST(Semver, PrecedenceFollowsTheSpec) {
  // The ordering example of semver.org section 11, plus leniencies.
  std::vector<std::string> ordered = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
                                      "1.0.1",        "1.1",           "v2.0.0",           "2.0.1-0",
                                      "10.0.0"};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      auto a = Semver::Parse(ordered[i]);
      auto b = Semver::Parse(ordered[j]);
      ASSERT_TRUE(a.ok() && b.ok()) << ordered[i] << " " << ordered[j];
      int want = i < j ? -1 : i > j ? 1 : 0;
      EXPECT_EQ(CompareSemver(*a, *b), want) << ordered[i] << " vs " << ordered[j];
    }
  }
  EXPECT_EQ(CompareSemver(*Semver::Parse("1.0.0+build.1"), *Semver::Parse("1.0.0")), 0);
}

TEST(Semver, RejectsJunkAndVectors) {
  EXPECT_FALSE(Semver::Parse("").ok());
  EXPECT_FALSE(Semver::Parse("1.2.3.4").ok());
  EXPECT_FALSE(Semver::Parse("a.b.c").ok());
  EXPECT_FALSE(Semver::Parse("1.0.0-").ok());
  EXPECT_EQ(SemverVector(*Semver::Parse("v1.2.3-rc1")).str(), "semver:0.1.2.3.0.0.0.0.0.0");
  EXPECT_LT(SemverVector(*Semver::Parse("99999.0.0")), SemverInfinity());
}

}  // namespace lucid
