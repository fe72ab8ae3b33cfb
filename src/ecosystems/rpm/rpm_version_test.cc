#include "ecosystems/rpm/rpm_version.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ecosystems/rpm/test_util.h"

namespace lucid::rpm {
namespace {

std::vector<std::vector<std::string>> TableLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::vector<std::string> fields;
    std::string f;
    while (ss >> f) fields.push_back(f == "''" || f == "\"\"" ? "" : f);
    if (!fields.empty()) out.push_back(fields);
  }
  return out;
}

// claircore's rpmvercmp table (rpm's own rpmvercmp.at cases, tilde, caret).
TEST(RpmVersionTest, RpmvercmpFixture) {
  auto lines = TableLines(testing::FixtureDir() + "/internal/rpmver/testdata/rpmvercmp");
  ASSERT_GT(lines.size(), 50u);
  for (const auto& l : lines) {
    ASSERT_EQ(l.size(), 3u);
    int want = l[1] == "<" ? -1 : l[1] == ">" ? 1 : 0;
    ASSERT_TRUE(l[1] == "<" || l[1] == ">" || l[1] == "==") << l[1];
    EXPECT_EQ(CompareSegments(l[0], l[2]), want) << l[0] << " " << l[1] << " " << l[2];
    EXPECT_EQ(CompareSegments(l[2], l[0]), -want) << l[2] << " vs " << l[0];
  }
}

TEST(RpmVersionTest, ParseFixture) {
  auto lines = TableLines(testing::FixtureDir() + "/internal/rpmver/testdata/parse");
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& l : lines) {
    ASSERT_EQ(l.size(), 6u);
    auto n = ParseNevra(l[0]);
    ASSERT_TRUE(n.ok()) << l[0];
    EXPECT_EQ(n->name, l[1]) << l[0];
    EXPECT_EQ(n->epoch, l[2]) << l[0];
    EXPECT_EQ(n->version, l[3]) << l[0];
    EXPECT_EQ(n->release, l[4]) << l[0];
    EXPECT_EQ(n->arch, l[5]) << l[0];
  }
}

TEST(RpmVersionTest, EvrPrintingAndOrdering) {
  EXPECT_EQ(ParseEvr("0:2.3-4.el9")->Evr(), "2.3-4.el9");
  EXPECT_EQ(ParseEvr("1:2.3-4.el9")->Evr(), "1:2.3-4.el9");
  EXPECT_EQ(ParseEvr("2.3")->Evr(), "2.3");
  EXPECT_EQ(*CompareVersions("1:1.0-1", "2.0-1"), 1);  // epoch first
  EXPECT_EQ(*CompareVersions("0:2.0-1", "2.0-1"), 0);  // missing epoch = 0
  EXPECT_EQ(*CompareVersions("2.0-1.el9", "2.0-1.el9_1"), -1);
  EXPECT_EQ(*CompareVersions("2.0~rc1-1", "2.0-1"), -1);
  EXPECT_EQ(*CompareVersions("2.0^git1-1", "2.0-1"), 1);
  EXPECT_EQ(*CompareVersions("2.0", "2.0-5"), 0);  // no release: not compared
  EXPECT_FALSE(CompareVersions("", "1").ok());
  EXPECT_FALSE(ParseEvr("1:-1").ok());
}

TEST(RpmVersionTest, SourceRpm) {
  auto s = ParseSourceRpm("crypto-policies-20210213-1.git5c710c0.fc34.src.rpm");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "crypto-policies");
  EXPECT_EQ(s->Evr(), "20210213-1.git5c710c0.fc34");
  EXPECT_EQ(ParseSourceRpm("glibc-2.34-60.el9.nosrc.rpm")->name, "glibc");
  EXPECT_EQ(ParseSourceRpm("python3.11-3.11.5-1.el9.src.rpm")->Evr(), "3.11.5-1.el9");
  EXPECT_FALSE(ParseSourceRpm("nodashes.src.rpm").ok());
  EXPECT_FALSE(ParseSourceRpm("").ok());
}

}  // namespace
}  // namespace lucid::rpm
