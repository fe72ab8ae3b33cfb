#include "ecosystems/ruby/gem_version.h"

#include <gtest/gtest.h>

#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::ruby {
namespace {

int Cmp(const std::string& a, const std::string& b) {
  auto c = CompareGemStrings(a, b);
  EXPECT_TRUE(c.ok()) << a << " / " << b;
  return c.ok() ? *c : 0;
}

// The cases of RubyGems' own Gem::Version#<=> tests.
TEST(GemVersionTest, Spaceship) {
  EXPECT_EQ(Cmp("1.0", "1.0.0"), 0);
  EXPECT_EQ(Cmp("1.0", "1.0.a"), 1);
  EXPECT_EQ(Cmp("1.8.2", "0.0.0"), 1);
  EXPECT_EQ(Cmp("1.8.2", "1.8.2.a"), 1);
  EXPECT_EQ(Cmp("1.8.2.b", "1.8.2.a"), 1);
  EXPECT_EQ(Cmp("1.8.2.a", "1.8.2"), -1);
  EXPECT_EQ(Cmp("1.8.2.a10", "1.8.2.a9"), 1);
  EXPECT_EQ(Cmp("", "0"), 0);
  EXPECT_EQ(Cmp("0.beta.1", "0.0.beta.1"), 0);
  EXPECT_EQ(Cmp("0.0.beta", "0.0.beta.1"), -1);
  EXPECT_EQ(Cmp("0.0.beta", "0.beta.1"), -1);
  EXPECT_EQ(Cmp("5.a", "5.0.0.rc2"), -1);
  EXPECT_EQ(Cmp("5.x", "5.0.0.rc2"), 1);
  EXPECT_EQ(Cmp("1.0.0-rc1", "1.0.0.rc1"), -1);  // "-" reads as ".pre."
  EXPECT_EQ(Cmp("1.0-beta", "1.0"), -1);
  EXPECT_EQ(Cmp("6.0.0", "6.3.0"), -1);
  EXPECT_EQ(Cmp("13.0.6", "13.0.10"), -1);
  EXPECT_EQ(Cmp("2.0.0.1", "2.0.0"), 1);
  EXPECT_EQ(Cmp("123456789012345678901234567890", "123456789012345678901234567889"), 1);
}

TEST(GemVersionTest, Validity) {
  for (const char* ok : {"1", "1.0", "1.0.a", "1.0.0-rc1", "1.0-x-y.z", " 2.3 ", "0.9.12.pre.1"}) {
    EXPECT_TRUE(GemVersion::Parse(ok).ok()) << ok;
  }
  for (const char* bad : {"junk", "1.0.", "1..0", "1.0-", "a1", "1.0 2", "1.0+b", "-1"}) {
    EXPECT_FALSE(GemVersion::Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(GemVersion::Parse("1.0.b1")->prerelease());
  EXPECT_FALSE(GemVersion::Parse("1.0.1")->prerelease());
}

TEST(GemVersionTest, OsvVersionsAreConsistentlyOrdered) {
  auto all = lang::testing::OsvVersions("RubyGems");
  ASSERT_GT(all.size(), 4000u);
  std::vector<std::string> valid;
  for (const auto& v : all) {
    if (GemVersion::Parse(v).ok()) valid.push_back(v);
  }
  EXPECT_GT(valid.size(), all.size() * 95 / 100);
  lang::testing::ExpectConsistentOrder(valid, Cmp);
  std::printf("[ gem ] %zu of %zu OSV versions valid, ordered consistently\n", valid.size(), all.size());
}

}  // namespace
}  // namespace lucid::ruby
