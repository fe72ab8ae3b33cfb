#include "ecosystems/alpine/matcher.h"

#include <gtest/gtest.h>

#include "ecosystems/alpine/distribution_scanner.h"

namespace lucid::alpine {
namespace {

struct Fixture {
  Package pkg;
  Distribution dist = CanonicalDistribution("3.14");
  matcher::IndexRecord rec;
  Fixture(const char* name, const char* version) : pkg(MakePackage(name, version)) {
    rec.package = &pkg;
    rec.distribution = &dist;
  }
  static Package MakePackage(const char* name, const char* version) {
    Package p;
    p.name = name;
    p.version = version;
    return p;
  }
};

Vulnerability Vuln(std::string fixed) {
  Vulnerability v;
  v.name = "CVE-X";
  v.fixed_in_version = std::move(fixed);
  return v;
}

TEST(AlpineMatcher, Interface) {
  auto m = NewMatcher();
  EXPECT_EQ(m->name(), "alpine-matcher");
  EXPECT_EQ(m->Query(), (std::vector<matcher::Constraint>{matcher::Constraint::kDistributionDid,
                                                          matcher::Constraint::kDistributionName,
                                                          matcher::Constraint::kDistributionPrettyName}));
  Fixture f("libcrypto1.1", "1.1.1k-r0");
  EXPECT_TRUE(m->Filter(f.rec));
  f.dist.did = "";
  EXPECT_TRUE(m->Filter(f.rec));  // by name
  f.dist.name = "Debian GNU/Linux";
  f.dist.did = "debian";
  EXPECT_FALSE(m->Filter(f.rec));
  f.rec.distribution = nullptr;
  EXPECT_FALSE(m->Filter(f.rec));
}

TEST(AlpineMatcher, Vulnerable) {
  auto m = NewMatcher();
  Fixture ssl("libcrypto1.1", "1.1.1k-r0");
  // shared/data/alpine-rootfs/README.md facts.
  EXPECT_TRUE(*m->Vulnerable(ssl.rec, Vuln("1.1.1l-r0")));   // CVE-2021-3711
  EXPECT_FALSE(*m->Vulnerable(ssl.rec, Vuln("1.1.1k-r0")));  // CVE-2021-3449
  Fixture musl("musl", "1.2.2-r3");
  EXPECT_FALSE(*m->Vulnerable(musl.rec, Vuln("1.2.2_pre2-r0")));  // CVE-2020-28928
  EXPECT_TRUE(*m->Vulnerable(musl.rec, Vuln("")));                // no fix yet
  EXPECT_FALSE(*m->Vulnerable(musl.rec, Vuln("0")));              // never affected
  // Unparsable versions are no match and no error.
  auto r = m->Vulnerable(musl.rec, Vuln("not a version"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  Fixture odd("x", "garbage");
  r = m->Vulnerable(odd.rec, Vuln("1.0-r0"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

}  // namespace
}  // namespace lucid::alpine
