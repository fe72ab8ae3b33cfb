#include <gtest/gtest.h>

#include "ecosystems/java/java.h"
#include "ecosystems/nodejs/matcher_fixture_util.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::java {
namespace {

TEST(JavaMatcherTest, UpstreamJacksonDatabind) {
  auto [got, want] = lang::testing::RunMatcherFixture(
      lang::testing::SharedDir() + "/data/upstream-fixtures/java/java/testdata/matcher/Jackson-Databind.txtar",
      *NewMatcher());
  EXPECT_GT(want.size(), 20u);
  EXPECT_EQ(got, want);
}

TEST(JavaMatcherTest, MavenOrderingDecides) {
  auto m = NewMatcher();
  Package p;
  p.name = "org.yaml:snakeyaml";
  Repository maven{"maven", "", "https://repo1.maven.apache.org/maven2", ""};
  auto hit = [&](const std::string& version, const std::string& fixed) {
    p.version = version;
    Vulnerability v;
    v.fixed_in_version = fixed;
    auto r = m->Vulnerable({"1", &p, nullptr, &maven}, v);
    return r.ok() && *r;
  };
  EXPECT_TRUE(hit("1.33", "fixed=2.0"));
  EXPECT_FALSE(hit("2.0", "fixed=2.0"));
  EXPECT_TRUE(hit("2.0-RC1", "fixed=2.0"));
  EXPECT_FALSE(hit("2.0.RELEASE", "fixed=2.0"));
  EXPECT_TRUE(hit("9.4.40.v20210413", "introduced=9.4.0&fixed=9.4.41"));
}

}  // namespace
}  // namespace lucid::java
