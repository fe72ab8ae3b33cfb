#include <gtest/gtest.h>

#include "core/semver.h"
#include "ecosystems/nodejs/matcher_fixture_util.h"
#include "ecosystems/nodejs/nodejs.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::nodejs {
namespace {

TEST(NodejsMatcherTest, UpstreamSplunk) {
  auto [got, want] = lang::testing::RunMatcherFixture(
      lang::testing::SharedDir() + "/data/upstream-fixtures/nodejs/nodejs/testdata/matcher/Splunk.txtar",
      *NewMatcher());
  EXPECT_EQ(want.size(), 1u);
  EXPECT_EQ(got, want);
}

Vulnerability Ranged(const std::string& introduced, const std::string& fixed) {
  Vulnerability v;
  v.name = "GHSA-x";
  v.fixed_in_version = fixed;
  Range r;
  r.lower = introduced == "0" ? SemverVector(Semver{}).str() : SemverVector(*Semver::Parse(introduced)).str();
  r.upper = fixed.empty() ? SemverInfinity().str() : SemverVector(*Semver::Parse(fixed)).str();
  v.range = r;
  return v;
}

TEST(NodejsMatcherTest, PrereleasesMatter) {
  auto m = NewMatcher();
  Repository npm{"npm", "", "https://www.npmjs.com/", ""};
  Package p;
  p.name = "axios";
  auto hit = [&](const std::string& version, const Vulnerability& v) {
    p.version = version;
    auto r = m->Vulnerable({"1", &p, nullptr, &npm}, v);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(hit("0.21.0", Ranged("0", "0.21.1")));
  EXPECT_FALSE(hit("0.21.1", Ranged("0", "0.21.1")));
  // The vectors of 1.0.0-beta.2 and 1.0.0 are equal; semver says beta < release.
  EXPECT_TRUE(hit("1.0.0-beta.2", Ranged("0", "1.0.0")));
  EXPECT_FALSE(hit("1.0.0-beta.2", Ranged("0", "1.0.0-beta.1")));
  EXPECT_TRUE(hit("1.0.0-beta.1", Ranged("0", "1.0.0-beta.2")));
  EXPECT_FALSE(hit("0.9.0", Ranged("1.0.0", "1.2.0")));
  EXPECT_TRUE(hit("5.0.0", Ranged("1.0.0", "")));
  EXPECT_FALSE(hit("latest", Ranged("0", "1.0.0")));
  Vulnerability last = Ranged("1.0.0", "");
  last.range->upper = SemverVector(*Semver::Parse("1.2.4")).str();  // last_affected 1.2.3 -> patch + 1
  EXPECT_TRUE(hit("1.2.3", last));
  EXPECT_FALSE(hit("1.2.4", last));
}

TEST(NodejsMatcherTest, OsvVersionsAreConsistentlyOrdered) {
  auto all = lang::testing::OsvVersions("npm");
  std::vector<std::string> valid;
  for (const auto& v : all) {
    if (Semver::Parse(v).ok()) valid.push_back(v);
  }
  // ~600 strings in "versions" lists are not semver ("0.0.1.alpha.10",
  // "0.0.1a10"): npm would not accept them either.
  EXPECT_GT(valid.size(), all.size() * 85 / 100);
  lang::testing::ExpectConsistentOrder(valid, [](const std::string& a, const std::string& b) {
    return CompareSemver(*Semver::Parse(a), *Semver::Parse(b));
  });
  std::printf("[ npm ] %zu of %zu OSV versions valid semver, ordered consistently\n", valid.size(), all.size());
}

}  // namespace
}  // namespace lucid::nodejs
