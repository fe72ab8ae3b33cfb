// clair.cvss: the feed parser on real NVD data (JSON 1.1 yearly feed, API 2.0
// page), bad input, the updater against serve-feeds.py (.meta fingerprints,
// unchanged second run) and the enricher over a real SQLite store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "core/clair_json.h"
#include "ecosystems/nvd/nvd.h"
#include "net/http_client.h"
#include "store/store_factory.h"
#include "testing/process.h"
#include "updater/decompress.h"

namespace lucid::nvd {
namespace {

const std::string kNvd = std::string(LUCID_SHARED_DIR) + "/data/feeds/nvd";

class Collect : public updater::EnrichmentSink {
 public:
  Status Add(updater::EnrichmentRecord e) override {
    recs.push_back(std::move(e));
    return Status::Ok();
  }
  std::vector<updater::EnrichmentRecord> recs;
};

TEST(Feed, Json11YearlyFeed) {
  auto r = updater::OpenDecompressed(kNvd + "/feeds/json/cve/1.1/nvdcve-1.1-2017.json.gz");
  ASSERT_TRUE(r.ok());
  Collect sink;
  int64_t n = 0;
  Status s = ParseFeed(**r, &sink, &n);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(n, 14666);  // items with CVSS v3 (computed independently with Python)
  ASSERT_EQ(sink.recs[0].tags, std::vector<std::string>{"CVE-2017-0001"});
  auto v = boost::json::parse(sink.recs[0].json);
  EXPECT_EQ(v.at("vectorString").as_string(), "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_EQ(v.at("baseScore").as_double(), 7.8);
}

TEST(Feed, Api20Page) {
  auto r = FileReader::Open(kNvd + "/api-2.0-samples/cves-api-2.0-page.json");
  ASSERT_TRUE(r.ok());
  Collect sink;
  int64_t n = 0;
  ASSERT_TRUE(ParseFeed(**r, &sink, &n).ok());
  EXPECT_EQ(n, 25);  // primary v3.1/v3.0 metrics (computed independently)
  ASSERT_FALSE(sink.recs.empty());
  EXPECT_EQ(sink.recs[0].tags[0], "CVE-2023-27314");
  auto v = boost::json::parse(sink.recs[0].json);
  EXPECT_EQ(v.at("baseSeverity").as_string(), "HIGH");  // the Primary entry, not the Secondary
}

TEST(Feed, BadInputIsCorrupt) {
  for (std::string bad :
       {std::string("{\"CVE_Items\": [{\"cve\": {}"), std::string("not json at all"), std::string("[1,2,3]"),
        std::string("{\"other\": []}"), std::string("{\"CVE_Items\": []} x")}) {
    StringReader in(bad);
    Collect sink;
    EXPECT_EQ(ParseFeed(in, &sink).code(), StatusCode::kCorrupt) << bad;
  }
}

TEST(Feed, CveIds) {
  EXPECT_EQ(FindCveIds("cve-2021-44228 and CVE_2022_0001x, CVE-2021-44228, CVE-21-1, cve-2020-123"),
            (std::vector<std::string>{"CVE-2021-44228", "CVE-2022-0001"}));
  EXPECT_TRUE(FindCveIds("GHSA-xxxx").empty());
}

TEST(UpdaterSet, MetaFingerprintAndUnchanged) {
  auto srv = lucid::testing::ChildServer::Start(
      {"python3", std::string(LUCID_SHARED_DIR) + "/tools/serve-feeds.py", "--port", "0"}, 30);
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();
  std::string base = (*srv)->address();
  auto f = NewUpdaterSetFactory();
  net::HttpClient http;
  auto ups = f->Create(R"({"feed_root":")" + base + R"(nvd/","first_year":2014,"last_year":2016})", http);
  ASSERT_TRUE(ups.ok()) << ups.status().ToString();
  ASSERT_EQ(ups->size(), 1u);
  auto& u = (*ups)[0];
  EXPECT_EQ(u->name(), "clair.cvss");
  EXPECT_EQ(u->kind(), "enrichment");
  EXPECT_EQ(u->Urls().front(), base + "nvd/nvdcve-2.0-2014.meta");
  auto first = u->Fetch(http, "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // No 2.0 feed on this mirror: the updater fell back to the 1.1 names.
  EXPECT_EQ(u->Urls().front(), base + "nvd/nvdcve-1.1-2014.meta");
  auto fp = boost::json::parse(first->fingerprint).as_object();
  EXPECT_EQ(fp.size(), 2u);  // 2015 is missing from the mirror
  EXPECT_EQ(fp.at("2014").as_string().size(), 64u);
  Collect sink;
  ASSERT_TRUE(u->Parse(*first, nullptr, &sink).ok());
  EXPECT_GT(sink.recs.size(), 9000u);
  auto second = u->Fetch(http, first->fingerprint);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->unchanged);
}

TEST(Enricher, AddsClairCvssMap) {
  char dir[] = "/tmp/lucid-nvd-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  auto store = store::OpenMatcherStore(std::string("sqlite:") + dir + "/m.db", true);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto w = (*store)->BeginUpdate("clair.cvss", "fp", "enrichment");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddEnrichment({"CVE-2017-0001"}, R"({"baseScore":7.8})").ok());
  ASSERT_TRUE((*w)->AddEnrichment({"CVE-2017-0002"}, R"({"baseScore":5.0})").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  VulnerabilityReport rep;
  rep.vulnerabilities["1"].name = "CVE-2017-0001";
  rep.vulnerabilities["2"].name = "DSA-1";
  rep.vulnerabilities["2"].links = "https://x/cve-2017-0002 https://y/CVE-2017-0001";
  rep.vulnerabilities["3"].name = "GHSA-none";
  auto e = NewCvssEnricher();
  ASSERT_TRUE(e->Enrich(**store, rep).ok());
  ASSERT_EQ(rep.enrichments.count(std::string(kEnrichmentType)), 1u);
  auto& list = rep.enrichments[std::string(kEnrichmentType)];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(boost::json::parse(list[0]),
            boost::json::parse(R"({"1":[{"baseScore":7.8}],"2":[{"baseScore":5.0},{"baseScore":7.8}]})"));
  VulnerabilityReport none;
  none.vulnerabilities["1"].name = "GHSA-x";
  ASSERT_TRUE(e->Enrich(**store, none).ok());
  EXPECT_TRUE(none.enrichments.empty());
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace lucid::nvd
