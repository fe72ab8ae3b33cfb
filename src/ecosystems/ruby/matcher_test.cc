#include <gtest/gtest.h>

#include "ecosystems/nodejs/matcher_fixture_util.h"
#include "ecosystems/nodejs/osv_test_util.h"
#include "ecosystems/ruby/ruby.h"

namespace lucid::ruby {
namespace {

TEST(RubyMatcherTest, UpstreamBullseyeRuby) {
  auto [got, want] = lang::testing::RunMatcherFixture(
      lang::testing::SharedDir() + "/data/upstream-fixtures/ruby/ruby/testdata/matcher/BullseyeRuby.txtar",
      *NewMatcher());
  EXPECT_EQ(want.size(), 2u);
  EXPECT_EQ(got, want);
}

TEST(RubyMatcherTest, FilterAndQuery) {
  auto m = NewMatcher();
  Package p;
  p.name = "rake";
  p.version = "13.0.6";
  Repository gems{"rubygems", "", "https://rubygems.org/gems/", ""}, npm{"npm", "", "", ""};
  EXPECT_TRUE(m->Filter({"1", &p, nullptr, &gems}));
  EXPECT_FALSE(m->Filter({"1", &p, nullptr, &npm}));
  EXPECT_FALSE(m->Filter({"1", &p, nullptr, nullptr}));
  p.os_managed = true;
  EXPECT_FALSE(m->Filter({"1", &p, nullptr, &gems}));
  EXPECT_EQ(m->Query(), std::vector<matcher::Constraint>{matcher::Constraint::kRepositoryName});
}

}  // namespace
}  // namespace lucid::ruby
