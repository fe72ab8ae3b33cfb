#include "ecosystems/debian/matcher.h"

#include <gtest/gtest.h>

#include "ecosystems/debian/releases.h"

namespace lucid::debian {
namespace {

TEST(DebianMatcherTest, FilterAndQuery) {
  auto m = NewMatcher();
  EXPECT_EQ(m->name(), "debian-matcher");
  Package p;
  Distribution deb = CanonicalDistribution("12", "bookworm"), ubuntu, by_name;
  ubuntu.did = "ubuntu";
  ubuntu.name = "Ubuntu";
  by_name.name = "Debian GNU/Linux";
  EXPECT_TRUE(m->Filter({"1", &p, &deb, nullptr}));
  EXPECT_TRUE(m->Filter({"1", &p, &by_name, nullptr}));
  EXPECT_FALSE(m->Filter({"1", &p, &ubuntu, nullptr}));
  EXPECT_FALSE(m->Filter({"1", &p, nullptr, nullptr}));
  EXPECT_EQ(m->Query(), (std::vector<matcher::Constraint>{matcher::Constraint::kDistributionDid,
                                                          matcher::Constraint::kDistributionName,
                                                          matcher::Constraint::kDistributionVersionId}));
}

TEST(DebianMatcherTest, DecisionTable) {
  auto m = NewMatcher();
  Distribution deb = CanonicalDistribution("12", "bookworm");
  struct Row {
    const char* installed;
    const char* fixed;
    bool ok;
    bool vulnerable;
  };
  for (const Row& r : {
           Row{"1.0-1", "", true, true},    // open issue
           Row{"1.0-1", "0", true, false},  // not affected
           Row{"1.0-1", "1.0-2", true, true}, Row{"1.0-2", "1.0-2", true, false}, Row{"1.0-3", "1.0-2", true, false},
           Row{"1.0~rc1-1", "1.0-1", true, true}, Row{"1:0.9-1", "2.0-1", true, false},  // epoch wins
           Row{"3.0.11-1~deb12u2", "3.0.11-1~deb12u1", true, false}, Row{"5.2.15-2+b2", "5.2.15-2+b10", true, true},
           Row{"1.0", "1:", false, false},  // unparsable fixed version
           Row{"", "1.0", false, false},    // unparsable installed version
       }) {
    SCOPED_TRACE(std::string(r.installed) + " vs " + r.fixed);
    Package p;
    p.name = "bash";
    p.version = r.installed;
    Vulnerability v;
    v.name = "CVE-1";
    v.fixed_in_version = r.fixed;
    auto got = m->Vulnerable({"1", &p, &deb, nullptr}, v);
    ASSERT_EQ(got.ok(), r.ok) << (got.ok() ? "" : got.status().ToString());
    if (r.ok) {
      EXPECT_EQ(*got, r.vulnerable);
    }
  }
}

}  // namespace
}  // namespace lucid::debian
