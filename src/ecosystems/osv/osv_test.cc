// OSV: CVSS scores, record conversion (hand-written records for each rule and
// the real exports in shared/data/feeds/osv), and the updater set against
// serve-feeds.py on 127.0.0.1 (discovery, ETag fingerprints, 304).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "core/semver.h"
#include "ecosystems/osv/cvss.h"
#include "ecosystems/osv/osv.h"
#include "ecosystems/osv/record.h"
#include "net/http_client.h"
#include "testing/process.h"

namespace lucid::osv {
namespace {

const std::string kFeeds = std::string(LUCID_SHARED_DIR) + "/data/feeds/osv";

class Collect : public updater::VulnerabilitySink {
 public:
  Status Add(Vulnerability v) override {
    vulns.push_back(std::move(v));
    return Status::Ok();
  }
  std::vector<Vulnerability> vulns;
};

std::vector<Vulnerability> Convert(const std::string& json, const std::string& eco) {
  std::vector<Vulnerability> out;
  Status s = ConvertRecord(boost::json::parse(json), eco, "2025-06-01T00:00:00Z", [&](Vulnerability v) {
    out.push_back(std::move(v));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string Nv(const char* v) { return SemverVector(*Semver::Parse(v)).str(); }

TEST(Cvss, KnownScores) {
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"), 7.5);
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8);
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  EXPECT_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_EQ(*CvssV2BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 7.5);
  EXPECT_EQ(*CvssV2BaseScore("AV:N/AC:M/Au:N/C:N/I:P/A:N"), 4.3);
  EXPECT_FALSE(CvssV3BaseScore("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  EXPECT_FALSE(CvssV3BaseScore("garbage"));
  EXPECT_FALSE(CvssV2BaseScore("AV:N/AC:L"));
  EXPECT_EQ(SeverityForScore(0), Severity::kNegligible);
  EXPECT_EQ(SeverityForScore(3.9), Severity::kLow);
  EXPECT_EQ(SeverityForScore(4.0), Severity::kMedium);
  EXPECT_EQ(SeverityForScore(7.0), Severity::kHigh);
  EXPECT_EQ(SeverityForScore(9.0), Severity::kCritical);
}

TEST(Ecosystems, DiscoveryIgnoresAndDeduplicates) {
  UpdaterConfig cfg;
  std::string txt = "npm\nDebian:12\nDebian:11\nPyPI\nAlpine:v3.20\nUbuntu:Pro:18.04:LTS\nGo\ncrates.io\nnpm\n\n";
  EXPECT_EQ(SelectEcosystems(txt, cfg), (std::vector<std::string>{"npm", "PyPI", "Go", "crates.io"}));
  cfg.allowlist = {"pypi", "go"};
  EXPECT_EQ(SelectEcosystems(txt, cfg), (std::vector<std::string>{"PyPI", "Go"}));
  auto parsed = ParseUpdaterConfig(R"({"url":"http://h/x","allowlist":["PyPI","Maven"]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->url, "http://h/x/");
  EXPECT_EQ(parsed->allowlist, (std::vector<std::string>{"pypi", "maven"}));
  EXPECT_FALSE(ParseUpdaterConfig(R"({"allowlist":"npm"})").ok());
  EXPECT_FALSE(ParseUpdaterConfig(R"({"url":"ftp://x"})").ok());
}

TEST(Record, SemverRanges) {
  auto v = Convert(R"({"id":"GHSA-aaaa-bbbb-cccc","summary":"s","published":"2024-01-02T03:04:05Z",
    "aliases":["CVE-2024-0001"],
    "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "references":[{"type":"WEB","url":"https://example.com/a"}],
    "affected":[
      {"package":{"ecosystem":"npm","name":"left-pad"},
       "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"},{"introduced":"2.0.0"},{"last_affected":"2.1.4"},{"introduced":"3.0.0"}]}]},
      {"package":{"ecosystem":"PyPI","name":"other"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]},
      {"package":{"ecosystem":"npm","name":"inverted"},
       "ranges":[{"type":"SEMVER","events":[{"introduced":"5.0.0"},{"fixed":"4.0.0"}]}, {"type":"GIT","events":[{"introduced":"abc"}]}]}
    ]})",
                   "npm");
  ASSERT_EQ(v.size(), 3u);
  for (const auto& x : v) {
    EXPECT_EQ(x.updater, "osv/npm");
    EXPECT_EQ(x.name, "GHSA-aaaa-bbbb-cccc");
    EXPECT_EQ(x.description, "s");
    EXPECT_EQ(x.issued, "2024-01-02T03:04:05Z");
    EXPECT_EQ(x.links, "https://example.com/a https://osv.dev/vulnerability/CVE-2024-0001");
    EXPECT_EQ(x.severity, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    EXPECT_EQ(x.normalized_severity, Severity::kCritical);
    ASSERT_TRUE(x.package && x.repository && x.range);
    EXPECT_EQ(x.package->name, "left-pad");
    EXPECT_EQ(x.package->kind, PackageKind::kBinary);
    EXPECT_EQ(x.repository->name, "npm");
    EXPECT_EQ(x.repository->uri, "https://www.npmjs.com/");
    EXPECT_FALSE(x.distribution);
  }
  EXPECT_EQ(v[0].range->lower, "semver:0.0.0.0.0.0.0.0.0.0");
  EXPECT_EQ(v[0].range->upper, Nv("1.2.3"));
  EXPECT_EQ(v[0].fixed_in_version, "1.2.3");
  EXPECT_EQ(v[1].range->lower, Nv("2.0.0"));
  EXPECT_EQ(v[1].range->upper, Nv("2.1.5"));  // last_affected + 1 patch
  EXPECT_EQ(v[1].fixed_in_version, "");
  EXPECT_EQ(v[2].range->lower, Nv("3.0.0"));
  EXPECT_EQ(v[2].range->upper, SemverInfinity().str());
  EXPECT_EQ(v[2].fixed_in_version, "");
}

TEST(Record, LastAffectedIgnoredWithVersionsList) {
  auto v = Convert(R"({"id":"GO-2024-0001","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
    "versions":["1.0.0"],"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"last_affected":"1.0.0"}]}]}],
    "database_specific":{"severity":"MODERATE"}})",
                   "go");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].range->upper, SemverInfinity().str());
  EXPECT_EQ(v[0].severity, "MODERATE");
  EXPECT_EQ(v[0].normalized_severity, Severity::kMedium);
  EXPECT_EQ(v[0].repository->name, "go");
  EXPECT_EQ(v[0].repository->uri, "https://pkg.go.dev/");
  EXPECT_EQ(v[0].links, "");
}

TEST(Record, EcosystemRangesAreQueryEncoded) {
  auto v = Convert(R"({"id":"PYSEC-2024-1","affected":[{"package":{"ecosystem":"PyPI","name":"Django"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.2.1"},{"introduced":"4.0a1"},{"fixed":"4.0 rc2"},
      {"introduced":"5.0"},{"last_affected":"5.0.3"},{"introduced":"6.0"}]}]}]})",
                   "pypi");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].fixed_in_version, "fixed=3.2.1");
  EXPECT_EQ(v[1].fixed_in_version, "fixed=4.0+rc2&introduced=4.0a1");
  EXPECT_EQ(v[2].fixed_in_version, "introduced=5.0&lastAffected=5.0.3");
  EXPECT_EQ(v[3].fixed_in_version, "introduced=6.0");
  for (const auto& x : v) {
    EXPECT_FALSE(x.range);
    EXPECT_EQ(x.package->name, "Django");
    EXPECT_EQ(x.repository->name, "pypi");
    EXPECT_EQ(x.repository->uri, "https://pypi.org/simple");
  }
  // ECOSYSTEM ranges of npm and Go are not used.
  EXPECT_TRUE(Convert(R"({"id":"GHSA-x-y","affected":[{"package":{"ecosystem":"npm","name":"a"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1"}]}]}]})",
                      "npm")
                  .empty());
}

TEST(Record, SkippedRecords) {
  // Withdrawn in the past, no affected, an alias without a prefix.
  EXPECT_TRUE(
      Convert(
          R"({"id":"GHSA-1-2","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})",
          "npm")
          .empty());
  EXPECT_EQ(
      Convert(
          R"({"id":"GHSA-1-2","withdrawn":"2099-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})",
          "npm")
          .size(),
      1u);
  EXPECT_TRUE(Convert(R"({"id":"GHSA-1-2"})", "npm").empty());
  EXPECT_TRUE(Convert(R"({"id":"GHSA-1-2","aliases":["BADALIAS"],"affected":[{"package":{"ecosystem":"npm","name":"a"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})",
                      "npm")
                  .empty());
  std::vector<Vulnerability> none;
  EXPECT_EQ(ConvertRecord(boost::json::parse("[1]"), "npm", "2025", [](Vulnerability) { return Status::Ok(); }).code(),
            StatusCode::kCorrupt);
}

// The real exports: every ecosystem parses; invariants of the encoding hold.
TEST(AllZip, RealExports) {
  struct Case {
    const char* dir;
    const char* norm;
    const char* repo;
    bool ranges;
  };
  for (const Case& c :
       {Case{"npm", "npm", "npm", true}, Case{"Go", "go", "go", true}, Case{"PyPI", "pypi", "pypi", false},
        Case{"Maven", "maven", "maven", false}, Case{"RubyGems", "rubygems", "rubygems", false}}) {
    Collect sink;
    Status s = ParseAllZip(kFeeds + "/" + c.dir + "/all.zip", c.norm, &sink);
    ASSERT_TRUE(s.ok()) << c.dir << ": " << s.ToString();
    EXPECT_GT(sink.vulns.size(), 1000u) << c.dir;
    std::set<std::string> names;
    size_t with_range = 0;
    for (const auto& v : sink.vulns) {
      names.insert(v.name);
      ASSERT_EQ(v.updater, std::string("osv/") + c.norm);
      ASSERT_TRUE(v.repository && v.package);
      ASSERT_EQ(v.repository->name, c.repo);
      ASSERT_FALSE(v.package->name.empty());
      if (v.range) {
        ++with_range;
        ASSERT_EQ(v.range->lower.rfind("semver:", 0), 0u) << v.name;
        ASSERT_LE(NormalizedVersion::Parse(v.range->lower), NormalizedVersion::Parse(v.range->upper)) << v.name;
      } else {
        ASSERT_FALSE(c.ranges) << v.name;
        ASSERT_TRUE(v.fixed_in_version.empty() || v.fixed_in_version.find('=') != std::string::npos) << v.name;
      }
    }
    if (c.ranges) {
      EXPECT_EQ(with_range, sink.vulns.size()) << c.dir;
    }
    EXPECT_GT(names.size(), 500u) << c.dir;
  }
  // One known advisory, end to end.
  Collect npm;
  ASSERT_TRUE(ParseAllZip(kFeeds + "/npm/all.zip", "npm", &npm).ok());
  auto it =
      std::find_if(npm.vulns.begin(), npm.vulns.end(), [](const auto& v) { return v.name == "GHSA-2234-fmw7-43wr"; });
  ASSERT_NE(it, npm.vulns.end());
  EXPECT_EQ(it->package->name, "hono");
  EXPECT_EQ(it->fixed_in_version, "4.6.5");
  EXPECT_EQ(it->range->upper, Nv("4.6.5"));
  EXPECT_NE(it->links.find("https://osv.dev/vulnerability/CVE-2024-48913"), std::string::npos);
  EXPECT_EQ(it->normalized_severity, Severity::kMedium);
}

TEST(AllZip, DamagedArchivesAreCorrupt) {
  auto tmp = TempFile::Create("osv-bad-");
  ASSERT_TRUE(tmp.ok());
  ASSERT_TRUE(WriteFileAtomic(tmp->path(), std::string(100000, 'x')).ok());
  Collect sink;
  EXPECT_EQ(ParseAllZip(tmp->path(), "npm", &sink).code(), StatusCode::kCorrupt);
  auto whole = ReadFile(kFeeds + "/RubyGems/all.zip", 64 << 20);
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(WriteFileAtomic(tmp->path(), whole->substr(0, whole->size() / 2)).ok());
  Status s = ParseAllZip(tmp->path(), "rubygems", &sink);
  EXPECT_FALSE(s.ok());
}

TEST(UpdaterSet, DiscoveryAndEtagAgainstFeedServer) {
  auto srv = lucid::testing::ChildServer::Start(
      {"python3", std::string(LUCID_SHARED_DIR) + "/tools/serve-feeds.py", "--port", "0"}, 30);
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();
  std::string addr = (*srv)->address();
  auto pos = addr.find("http");
  std::string base = pos == std::string::npos ? "http://" + addr : addr.substr(pos);
  while (!base.empty() && (base.back() == '/' || base.back() == '\n' || base.back() == ' ')) base.pop_back();
  auto f = NewUpdaterSetFactory();
  net::HttpClient http;
  auto ups = f->Create(R"({"url":")" + base + R"(/osv/"})", http);
  ASSERT_TRUE(ups.ok()) << ups.status().ToString();
  std::set<std::string> names;
  for (const auto& u : *ups) names.insert(std::string(u->name()));
  EXPECT_EQ(names, (std::set<std::string>{"osv/go", "osv/maven", "osv/npm", "osv/pypi", "osv/rubygems"}));
  auto allow = f->Create(R"({"url":")" + base + R"(/osv/","allowlist":["rubygems"]})", http);
  ASSERT_TRUE(allow.ok());
  ASSERT_EQ(allow->size(), 1u);
  auto& u = (*allow)[0];
  EXPECT_EQ(u->Urls(), (std::vector<std::string>{base + "/osv/RubyGems/all.zip"}));
  auto first = u->Fetch(http, "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->unchanged);
  EXPECT_FALSE(first->fingerprint.empty());
  Collect sink;
  ASSERT_TRUE(u->Parse(*first, &sink, nullptr).ok());
  EXPECT_GT(sink.vulns.size(), 100u);
  auto second = u->Fetch(http, first->fingerprint);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->unchanged);
  EXPECT_EQ(second->body, nullptr);
}

}  // namespace
}  // namespace lucid::osv
