// Match() against a real SQLite store: which candidates end up in the report,
// that each matched advisory is copied in once under one id, that the
// queries of matchers with different constraint lists are answered together,
// and that a report always reflects the newest operation, also one committed
// through another store (as by another process).
#include "matcher/match_engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>

#include "ecosystems/debian/matcher.h"
#include "store/store_factory.h"

namespace lucid::matcher {
namespace {

// A matcher with another constraint list (none) than the Debian one, keeping
// candidates whose name starts with "Z-".
class PrefixMatcher final : public Matcher {
 public:
  std::string_view name() const override { return "prefix-matcher"; }
  bool Filter(const IndexRecord& r) const override { return r.package && r.package->name == "zlib1g"; }
  std::vector<Constraint> Query() const override { return {}; }
  Result<bool> Vulnerable(const IndexRecord&, const Vulnerability& v) const override {
    return v.name.rfind("Z-", 0) == 0;
  }
};

Vulnerability V(const std::string& name, const std::string& pkg, PackageKind kind, const std::string& fixed,
                const std::string& version_id = "12") {
  Vulnerability v;
  v.name = name;
  v.description = "about " + name;
  v.severity = "High";
  v.normalized_severity = Severity::kHigh;
  v.package = Package{};
  v.package->name = pkg;
  v.package->kind = kind;
  if (!version_id.empty()) {  // "": a record of no distribution
    v.distribution = Distribution{};
    v.distribution->did = "debian";
    v.distribution->name = "Debian GNU/Linux";
    v.distribution->version_id = version_id;
  }
  v.fixed_in_version = fixed;
  return v;
}

IndexReport DebianReport() {
  IndexReport r;
  r.manifest_hash = Digest::Sha256FromHex(std::string(64, 'a'));
  r.state = IndexState::kIndexFinished;
  r.success = true;
  auto add = [&](const std::string& id, const std::string& name, const std::string& version,
                 const std::string& source) {
    Package p;
    p.name = name;
    p.version = version;
    p.source.name = source;
    p.source.version = version;
    r.packages[id] = p;
    r.environments[id] = {Environment{"var/lib/dpkg/status", {}, "d1", std::nullopt}};
  };
  add("1", "libc6", "2.36-9", "glibc");
  add("2", "libc-bin", "2.36-9", "glibc");
  add("3", "zlib1g", "1:1.2.13.dfsg-1", "zlib");
  Distribution d;
  d.did = "debian";
  d.name = "Debian GNU/Linux";
  d.version_id = "12";
  d.version = "12 (bookworm)";
  r.distributions["d1"] = d;
  return r;
}

class MatchEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lucid-match-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::OpenMatcherStore(Connstring(), true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = *s;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Connstring() const { return "sqlite:" + dir_ + "/m.db"; }

  static void Update(store::MatcherStore& s, const std::string& updater, const std::vector<Vulnerability>& vs) {
    auto w = s.BeginUpdate(updater, "fp", "vulnerability");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const auto& v : vs) ASSERT_TRUE((*w)->Add(v).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }

  // Names of the report's vulnerabilities for one package.
  static std::set<std::string> NamesOf(const VulnerabilityReport& r, const std::string& pkg) {
    std::set<std::string> out;
    auto it = r.package_vulnerabilities.find(pkg);
    if (it == r.package_vulnerabilities.end()) return out;
    for (const auto& id : it->second) out.insert(r.vulnerabilities.at(id).name);
    return out;
  }

  std::string dir_;
  std::shared_ptr<store::MatcherStore> store_;
};

TEST_F(MatchEngineTest, ReportHoldsEachMatchingVulnerabilityOnce) {
  Update(*store_, "debian",
         {V("CVE-1", "glibc", PackageKind::kSource, "2.36-10"),        // fixed later: both binaries
          V("CVE-2", "glibc", PackageKind::kSource, "2.36-1"),         // fixed before: neither
          V("CVE-3", "libc6", PackageKind::kBinary, ""),               // open: libc6 only
          V("CVE-4", "zlib", PackageKind::kSource, "0"),               // not affected
          V("CVE-5", "glibc", PackageKind::kSource, "2.36-10", "11"),  // another release
          V("Z-2", "zlib", PackageKind::kSource, "")});                // for both matchers' queries
  // No distribution: outside the Debian matcher's constraints, but a
  // candidate of the prefix matcher, which has none.
  Update(*store_, "other",
         {V("Z-1", "zlib1g", PackageKind::kBinary, "", ""), V("X-1", "zlib1g", PackageKind::kBinary, "", "")});
  const std::vector<std::shared_ptr<const Matcher>> matchers{debian::NewMatcher(), std::make_shared<PrefixMatcher>()};
  const IndexReport report = DebianReport();
  for (int round = 0; round < 2; ++round) {  // the second one is served from the store's memo
    auto r = Match(report, *store_, matchers);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(NamesOf(*r, "1"), (std::set<std::string>{"CVE-1", "CVE-3"}));
    EXPECT_EQ(NamesOf(*r, "2"), (std::set<std::string>{"CVE-1"}));
    // Debian matches Z-2 (open, "zlib" source); the prefix matcher matches Z-1
    // and Z-2 again: Z-2 is one vulnerability, not two.
    EXPECT_EQ(NamesOf(*r, "3"), (std::set<std::string>{"Z-1", "Z-2"}));
    ASSERT_EQ(r->vulnerabilities.size(), 4u);
    std::set<std::string> names;
    for (const auto& [id, v] : r->vulnerabilities) {
      EXPECT_EQ(v.id, id);
      EXPECT_EQ(v.description, "about " + v.name);
      EXPECT_EQ(v.updater, v.name[0] == 'Z' && v.name != "Z-2" ? "other" : "debian");
      names.insert(v.name);
    }
    EXPECT_EQ(names, (std::set<std::string>{"CVE-1", "CVE-3", "Z-1", "Z-2"}));
    EXPECT_EQ(r->packages.size(), 3u);
  }
}

TEST_F(MatchEngineTest, ReportFollowsOperationsCommittedElsewhere) {
  Update(*store_, "debian", {V("CVE-1", "glibc", PackageKind::kSource, "2.36-10")});
  const std::vector<std::shared_ptr<const Matcher>> matchers{debian::NewMatcher()};
  const IndexReport report = DebianReport();
  auto r = Match(report, *store_, matchers);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(NamesOf(*r, "1"), (std::set<std::string>{"CVE-1"}));
  // Another store on the same database (as another process would) commits a
  // new operation: CVE-1 is now fixed before 2.36-9, CVE-6 is new.
  auto other = store::OpenMatcherStore(Connstring(), false);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Update(**other, "debian",
         {V("CVE-1", "glibc", PackageKind::kSource, "2.36-1"), V("CVE-6", "libc-bin", PackageKind::kBinary, "")});
  r = Match(report, *store_, matchers);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(NamesOf(*r, "1").empty());
  EXPECT_EQ(NamesOf(*r, "2"), (std::set<std::string>{"CVE-6"}));
  ASSERT_EQ(r->vulnerabilities.size(), 1u);
  EXPECT_EQ(r->vulnerabilities.begin()->first, "1");
}

}  // namespace
}  // namespace lucid::matcher
