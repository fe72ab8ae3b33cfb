#include <gtest/gtest.h>

#include "ecosystems/nodejs/matcher_fixture_util.h"
#include "ecosystems/nodejs/osv_test_util.h"
#include "ecosystems/python/python.h"

namespace lucid::python {
namespace {

TEST(PythonMatcherTest, UpstreamRhel8) {
  auto [got, want] = lang::testing::RunMatcherFixture(
      lang::testing::SharedDir() + "/data/upstream-fixtures/python/python/testdata/matcher/RHEL8.txtar", *NewMatcher());
  EXPECT_EQ(want.size(), 9u);
  EXPECT_EQ(got, want);
}

TEST(PythonMatcherTest, QueryStringSemantics) {
  auto m = NewMatcher();
  Package p;
  p.name = "requests";
  Repository pypi{"pypi", "", "https://pypi.org/simple", ""};
  auto hit = [&](const std::string& version, const std::string& fixed) {
    p.version = version;
    Vulnerability v;
    v.name = "X";
    v.fixed_in_version = fixed;
    auto r = m->Vulnerable({"1", &p, nullptr, &pypi}, v);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(hit("2.28.1", "fixed=2.31.0"));
  EXPECT_FALSE(hit("2.31.0", "fixed=2.31.0"));
  EXPECT_TRUE(hit("2.31.0rc1", "fixed=2.31.0"));  // pre-releases come before the release
  EXPECT_FALSE(hit("1.0", "introduced=2.0&fixed=2.5"));
  EXPECT_TRUE(hit("2.0", "introduced=2.0&fixed=2.5"));
  EXPECT_TRUE(hit("2.5", "introduced=2.0&lastAffected=2.5"));
  EXPECT_FALSE(hit("2.5.post1", "introduced=2.0&lastAffected=2.5"));
  EXPECT_TRUE(hit("9.9", ""));
  EXPECT_TRUE(hit("9.9", "introduced=1.0"));
  EXPECT_TRUE(hit("1.0+local", "introduced=1%2E0&fixed=1%2E0%2E1"));
  EXPECT_FALSE(hit("not a version", "fixed=1.0"));  // unparsable: not vulnerable
}

}  // namespace
}  // namespace lucid::python
