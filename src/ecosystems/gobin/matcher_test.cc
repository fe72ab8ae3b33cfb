#include <gtest/gtest.h>

#include "core/semver.h"
#include "ecosystems/gobin/gobin.h"
#include "ecosystems/gobin/gobin_scanner.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::gobin {
namespace {

Vulnerability Ranged(const std::string& introduced, const std::string& fixed) {
  Vulnerability v;
  v.name = "GO-1";
  v.fixed_in_version = fixed;
  Range r;
  r.lower = introduced == "0" ? SemverVector(Semver{}).str() : SemverVector(*Semver::Parse(introduced)).str();
  r.upper = fixed.empty() ? SemverInfinity().str() : SemverVector(*Semver::Parse(fixed)).str();
  v.range = r;
  return v;
}

TEST(GobinMatcherTest, SemverRanges) {
  auto m = NewMatcher();
  Repository go{"go", "", "https://pkg.go.dev/", ""};
  Package p;
  p.name = "stdlib";
  auto hit = [&](const std::string& version, const Vulnerability& v) {
    p.version = version;
    auto r = m->Vulnerable({"1", &p, nullptr, &go}, v);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(hit("1.19.8", Ranged("0", "1.19.9")));
  EXPECT_FALSE(hit("1.19.9", Ranged("0", "1.19.9")));
  EXPECT_FALSE(hit("1.18.0", Ranged("1.19.0", "1.19.9")));
  EXPECT_TRUE(hit("1.21rc2", Ranged("1.21.0-0", "1.21.0")));  // toolchain spelling, pre-release of the fix
  EXPECT_TRUE(hit("1.22.1", Ranged("1.22.0", "")));           // unfixed
  EXPECT_TRUE(hit("v0.0.0-20200101000000-abcdef012345", Ranged("0", "0.0.0-20210101000000-000000000000")));
  EXPECT_FALSE(hit("(devel)", Ranged("0", "1.0.0")));  // unparsable: not vulnerable
  Package npm_pkg = p;
  Repository npm{"npm", "", "", ""};
  EXPECT_FALSE(m->Filter({"1", &npm_pkg, nullptr, &npm}));
  EXPECT_TRUE(m->Filter({"1", &npm_pkg, nullptr, &go}));
}

TEST(GobinMatcherTest, VersionVector) {
  EXPECT_EQ(GoVersionVector("v1.2.3-pre+build").str(), "semver:0.1.2.3.0.0.0.0.0.0");
  EXPECT_EQ(GoVersionVector("v0.0.0-20200101000000-abcdef012345").str(), "semver:0.0.0.0.0.0.0.0.0.0");
  EXPECT_EQ(GoVersionVector("1.20.12").str(), "semver:0.1.20.12.0.0.0.0.0.0");
  EXPECT_EQ(GoVersionVector("v1.12345678901.0").str(), "semver:0.1.123456789.0.0.0.0.0.0.0");
  EXPECT_TRUE(GoVersionVector("(devel)").empty());
  EXPECT_EQ(GoMatchVector("1.21rc2").str(), "semver:0.1.21.0.0.0.0.0.0.0");
}

TEST(GobinMatcherTest, OsvVersionsAreConsistentlyOrdered) {
  auto all = lang::testing::OsvVersions("Go");
  std::vector<std::string> valid;
  for (const auto& v : all) {
    if (CompareGoVersions(v, v).ok()) valid.push_back(v);
  }
  // ~430 strings in "versions" lists are PyPI-style ("0.0.1.post1529761077").
  EXPECT_GT(valid.size(), all.size() * 80 / 100);
  lang::testing::ExpectConsistentOrder(
      valid, [](const std::string& a, const std::string& b) { return *CompareGoVersions(a, b); });
  std::printf("[ go ] %zu of %zu OSV versions valid, ordered consistently\n", valid.size(), all.size());
}

}  // namespace
}  // namespace lucid::gobin
