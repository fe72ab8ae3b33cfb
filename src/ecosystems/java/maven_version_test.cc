#include "ecosystems/java/maven_version.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::java {
namespace {

int Cmp(const std::string& a, const std::string& b) {
  auto c = CompareMavenStrings(a, b);
  EXPECT_TRUE(c.ok()) << a << " / " << b;
  return c.ok() ? *c : 0;
}

// claircore's table (Maven's wiki examples and ComparableVersionTest ports),
// every inequality in both orientations.
TEST(MavenVersionTest, CompareList) {
  std::ifstream in(lang::testing::SharedDir() + "/data/upstream-fixtures/java/internal/maven/testdata/compare.list");
  ASSERT_TRUE(in.good());
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string a, op, b;
    ls >> a >> op >> b;
    ASSERT_FALSE(b.empty()) << line;
    int want = op == "<" ? -1 : op == ">" ? 1 : 0;
    EXPECT_EQ(Cmp(a, b), want) << line;
    EXPECT_EQ(Cmp(b, a), -want) << line << " (reversed)";
    ++checked;
  }
  EXPECT_GT(checked, 80);
}

// The ordering Maven's ComparableVersion documentation spells out, as a
// chain of strictly increasing versions.
TEST(MavenVersionTest, DocumentedOrdering) {
  std::vector<std::string> chain = {
      "1-alpha", "1-alpha1", "1-alpha2", "1-beta", "1-milestone", "1-rc", "1-SNAPSHOT",  "1",     "1-sp",      "1-sp1",
      "1-abc",   "1-xyz",    "1-0.1",    "1-1",    "1.0.1",       "1.1",  "1.1.1-alpha", "1.1.1", "2.0-alpha", "2.0-1"};
  for (size_t i = 0; i + 1 < chain.size(); ++i)
    EXPECT_EQ(Cmp(chain[i], chain[i + 1]), -1) << chain[i] << " < " << chain[i + 1];
  EXPECT_EQ(Cmp("1.0.0.RELEASE", "1"), 0);
  EXPECT_EQ(Cmp("1-final", "1.0"), 0);
  EXPECT_EQ(Cmp("2.13.4.2", "2.13.4.1"), 1);
  EXPECT_EQ(Cmp("9.4.40.v20210413", "9.4.41.v20210516"), -1);
  EXPECT_EQ(Cmp("2.14.0", "2.14.0-rc1"), 1);
  EXPECT_EQ(Cmp("27.0-jre", "27.0-android"), 1);  // unknown qualifiers compare lexically
  EXPECT_FALSE(MavenVersion::Parse("").ok());
}

// ComparableVersion is not transitive when "1.0.0.x" and "1.0-x" styles
// meet: trailing zeros are padding against a shorter list but a number
// outranks a sub-list. Maven behaves so; we do the same.
TEST(MavenVersionTest, NonTransitivityMatchesMaven) {
  EXPECT_EQ(Cmp("1.0.0.Beta22", "1"), -1);
  EXPECT_EQ(Cmp("1", "1.0-pre10"), -1);
  EXPECT_EQ(Cmp("1.0.0.Beta22", "1.0-pre10"), 1);
}

// Every version in the Maven OSV export: reflexive and antisymmetric
// throughout, and a consistent total order within each style (with and
// without '-' or '+'), which is where real artifacts' versions live.
TEST(MavenVersionTest, OsvVersionsAreConsistentlyOrdered) {
  auto all = lang::testing::OsvVersions("Maven");
  ASSERT_GT(all.size(), 20000u);
  lang::testing::ExpectAntisymmetric(all, Cmp);
  std::vector<std::string> dashed, plain;
  for (const auto& v : all) (v.find_first_of("-+") == std::string::npos ? plain : dashed).push_back(v);
  lang::testing::ExpectConsistentOrder(plain, Cmp);
  lang::testing::ExpectConsistentOrder(dashed, Cmp);
  std::printf("[ maven ] %zu OSV versions (%zu without '-'/'+', %zu with) ordered consistently\n", all.size(),
              plain.size(), dashed.size());
}

}  // namespace
}  // namespace lucid::java
