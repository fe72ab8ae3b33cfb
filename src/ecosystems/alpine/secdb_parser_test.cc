#include "ecosystems/alpine/secdb_parser.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <tuple>

#include "base/io.h"

namespace lucid::alpine {
namespace {

const std::string kSecdb = LUCID_SHARED_DIR "/data/feeds/alpine/secdb/";

class VecSink : public updater::VulnerabilitySink {
 public:
  Status Add(Vulnerability v) override {
    out.push_back(std::move(v));
    return Status::Ok();
  }
  std::vector<Vulnerability> out;
};

Status ParseText(const std::string& text, VecSink* sink, SecdbStats* stats = nullptr,
                 const SecdbSource& src = {"v3.14", "main", "alpine-main-v3.14-updater"}) {
  StringReader r(text);
  return ParseSecdb(r, src, sink, stats);
}

// The feeds README table: file -> (packages, fixed versions, entries).
std::map<std::string, std::tuple<size_t, size_t, size_t>> ReadmeTable() {
  std::map<std::string, std::tuple<size_t, size_t, size_t>> out;
  std::ifstream in(LUCID_SHARED_DIR "/data/feeds/README.md");
  std::regex row(R"(^\| `alpine/secdb/([^`]+)` \| (\d+) \| (\d+) \| (\d+) \|)");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, row)) {
      out[m[1]] = {std::stoul(m[2]), std::stoul(m[3]), std::stoul(m[4])};
    }
  }
  return out;
}

TEST(Secdb, EveryFeedFileMatchesTheReadme) {
  auto table = ReadmeTable();
  ASSERT_EQ(table.size(), 39u);
  size_t files = 0;
  std::regex id_shape(R"(^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$)");
  for (const auto& [rel, counts] : table) {
    std::string path = kSecdb + rel;
    std::string release = rel.substr(0, rel.find('/'));
    std::string repo = rel.substr(rel.find('/') + 1);
    repo = repo.substr(0, repo.find('.'));
    SecdbSource src{release, repo, UpdaterName(repo, release)};
    auto reader = FileReader::Open(path);
    ASSERT_TRUE(reader.ok()) << path;
    VecSink sink;
    SecdbStats stats;
    Status s = ParseSecdb(**reader, src, &sink, &stats);
    ASSERT_TRUE(s.ok()) << rel << ": " << s.ToString();
    EXPECT_EQ(stats.packages, std::get<0>(counts)) << rel;
    EXPECT_EQ(stats.fixed_versions, std::get<1>(counts)) << rel;
    EXPECT_EQ(stats.entries, std::get<2>(counts)) << rel;
    EXPECT_EQ(stats.emitted, sink.out.size());

    // Independent expectation from a DOM walk: one record per distinct
    // (package, fixed version, id-shaped token).
    auto text = ReadFile(path, 64 << 20);
    ASSERT_TRUE(text.ok());
    auto doc = boost::json::parse(*text).as_object();
    std::set<std::tuple<std::string, std::string, std::string>> want;
    for (const auto& p : doc.at("packages").as_array()) {
      const auto& pkg = p.at("pkg").as_object();
      std::string name(pkg.at("name").as_string());
      const auto* sf = pkg.if_contains("secfixes");
      if (sf == nullptr || !sf->is_object()) continue;
      for (const auto& kv : sf->as_object()) {
        if (!kv.value().is_array()) continue;
        for (const auto& e : kv.value().as_array()) {
          std::istringstream words(std::string(e.as_string()));
          std::string w;
          while (words >> w) {
            if (std::regex_match(w, id_shape) && w.find_first_of("0123456789") != std::string::npos) {
              want.insert({name, std::string(kv.key()), w});
            }
          }
        }
      }
    }
    std::set<std::tuple<std::string, std::string, std::string>> got;
    std::string pretty = release == "edge" ? "Alpine Linux edge" : "Alpine Linux v" + release.substr(1);
    for (const auto& v : sink.out) {
      got.insert({v.package->name, v.fixed_in_version, v.name});
      ASSERT_EQ(v.updater, src.updater);
      ASSERT_EQ(v.package->kind, PackageKind::kSource);
      ASSERT_EQ(v.distribution->pretty_name, pretty);
      ASSERT_EQ(v.normalized_severity, Severity::kUnknown);
      ASSERT_EQ(v.links, "https://security.alpinelinux.org/vuln/" + v.name);
    }
    EXPECT_EQ(got.size(), sink.out.size()) << rel << ": duplicates emitted";
    EXPECT_EQ(got, want) << rel;
    ++files;
  }
  EXPECT_EQ(files, 39u);
}

TEST(Secdb, UpstreamFixture) {
  auto reader =
      FileReader::Open(LUCID_SHARED_DIR "/data/upstream-fixtures/alpine/alpine/testdata/fetch/v3.10/community.json");
  ASSERT_TRUE(reader.ok());
  VecSink sink;
  ASSERT_TRUE(ParseSecdb(**reader, {"v3.10", "community", "alpine-community-v3.10-updater"}, &sink).ok());
  std::set<std::tuple<std::string, std::string, std::string>> got;
  for (const auto& v : sink.out) {
    got.insert({v.package->name, v.fixed_in_version, v.name});
    EXPECT_EQ(v.updater, "alpine-community-v3.10-updater");
    EXPECT_EQ(v.package->kind, PackageKind::kSource);
    EXPECT_EQ(v.links, "https://security.alpinelinux.org/vuln/" + v.name);
    EXPECT_EQ(v.normalized_severity, Severity::kUnknown);
    EXPECT_TRUE(v.severity.empty());
    ASSERT_TRUE(v.distribution.has_value());
    EXPECT_EQ(v.distribution->name, "Alpine Linux");
    EXPECT_EQ(v.distribution->did, "alpine");
    EXPECT_EQ(v.distribution->version_id, "3.10");
    EXPECT_EQ(v.distribution->version, "3.10");
    EXPECT_EQ(v.distribution->pretty_name, "Alpine Linux v3.10");
  }
  std::set<std::tuple<std::string, std::string, std::string>> want = {
      {"botan", "2.9.0-r0", "CVE-2018-20187"},    {"botan", "2.7.0-r0", "CVE-2018-12435"},
      {"botan", "2.6.0-r0", "CVE-2018-9860"},     {"botan", "2.5.0-r0", "CVE-2018-9127"},
      {"cfengine", "3.12.2-r0", "CVE-2019-9929"}, {"chicken", "4.12.0-r3", "CVE-2017-6949"},
      {"chicken", "4.12.0-r2", "CVE-2017-9334"},  {"chicken", "4.11.1-r0", "CVE-2016-6830"},
      {"chicken", "4.11.1-r0", "CVE-2016-6831"},
  };
  EXPECT_EQ(sink.out.size(), 9u);
  EXPECT_EQ(got, want);
}

TEST(Secdb, SplitsEntriesAndKeepsZero) {
  VecSink sink;
  SecdbStats stats;
  // "CVE-????-?????" as found in real files (spelt without trigraphs).
  const std::string doc = std::string(R"j({"packages":[{"pkg":{
      "secfixes":{"0":["CVE-2020-0001"],
                  "1.2-r0":["CVE-2019-1234 CVE-2019-5678", "XSA-200 (not actually applicable)", "CVE-2019-1234",
                            "N/A", 17, null, "CVE-)j") +
                          "?\?\?\?-?\?\?\?\?" + R"j("]},
      "name":"xen"}}, {"pkg":{"name":"empty"}}, {"pkg":{"name":"nulls","secfixes":null}}]})j";
  Status st = ParseText(doc, &sink, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(sink.out.size(), 4u);
  EXPECT_EQ(sink.out[0].fixed_in_version, "0");
  EXPECT_EQ(sink.out[0].name, "CVE-2020-0001");
  EXPECT_EQ(sink.out[0].package->name, "xen");  // secfixes came before the name
  EXPECT_EQ(sink.out[1].name, "CVE-2019-1234");
  EXPECT_EQ(sink.out[2].name, "CVE-2019-5678");
  EXPECT_EQ(sink.out[3].name, "XSA-200");
  EXPECT_EQ(sink.out[3].fixed_in_version, "1.2-r0");
  EXPECT_EQ(stats.packages, 3u);
  EXPECT_EQ(stats.fixed_versions, 2u);
  EXPECT_EQ(stats.entries, 6u);  // strings only
  EXPECT_EQ(sink.out[0].distribution->version_id, "3.14");
  EXPECT_EQ(sink.out[0].updater, "alpine-main-v3.14-updater");
}

TEST(Secdb, Edge) {
  VecSink sink;
  ASSERT_TRUE(ParseText(R"({"packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["CVE-2021-1"]}}}]})", &sink, nullptr,
                        {"edge", "community", "alpine-community-edge-updater"})
                  .ok());
  ASSERT_EQ(sink.out.size(), 1u);
  EXPECT_EQ(sink.out[0].distribution->version, "edge");
  EXPECT_EQ(sink.out[0].distribution->version_id, "edge");
  EXPECT_EQ(sink.out[0].distribution->pretty_name, "Alpine Linux edge");
  EXPECT_EQ(sink.out[0].updater, "alpine-community-edge-updater");
}

TEST(Secdb, MalformedIsCorrupt) {
  auto text = ReadFile(kSecdb + "v3.14/main.json", 64 << 20);
  ASSERT_TRUE(text.ok());
  for (size_t cut : {size_t{1}, size_t{100}, text->size() / 2, text->size() - 3}) {
    VecSink sink;
    Status s = ParseText(text->substr(0, cut), &sink);
    EXPECT_EQ(s.code(), StatusCode::kCorrupt) << cut << ": " << s.ToString();
  }
  for (const char* bad :
       {"", "   ", "[]", "42", "\"x\"", "{}", "{\"packages\":{}}", "{\"packages\":\"x\"}", "{\"packages\":[1]}",
        "{\"packages\":[[]]}", "{\"packages\":[]} trailing", "{\"packages\":[]}{}",
        "{\"packages\":[{\"pkg\":{\"name\":\"a\",}}]}", "{'packages':[]}", "\xef\xbb\xbf{\"packages\":[]}"}) {
    VecSink sink;
    Status s = ParseText(bad, &sink);
    EXPECT_EQ(s.code(), StatusCode::kCorrupt) << bad << ": " << s.ToString();
  }
  VecSink sink;
  EXPECT_TRUE(ParseText("{\"packages\":[]}\n", &sink).ok());
  // Very deep nesting is refused, not a stack overflow.
  std::string deep = "{\"packages\":[{\"pkg\":{\"x\":" + std::string(100000, '[') + "}}]}";
  EXPECT_EQ(ParseText(deep, &sink).code(), StatusCode::kCorrupt);
}

TEST(Secdb, MutatedInputNeverCrashes) {
  // Random byte flips and cuts of a real file: every outcome is OK or Corrupt.
  auto text =
      ReadFile(LUCID_SHARED_DIR "/data/upstream-fixtures/alpine/alpine/testdata/fetch/v3.10/community.json", 1 << 20);
  ASSERT_TRUE(text.ok());
  std::mt19937 rng(3);
  size_t corrupt = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string t = *text;
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) t[rng() % t.size()] = static_cast<char>(rng() % 256);
    if (rng() % 3 == 0) t.resize(rng() % t.size());
    VecSink sink;
    Status s = ParseText(t, &sink);
    ASSERT_TRUE(s.ok() || s.code() == StatusCode::kCorrupt) << s.ToString();
    if (!s.ok()) ++corrupt;
  }
  EXPECT_GT(corrupt, 500u);
}

TEST(Secdb, SinkErrorsStopTheParse) {
  class FailSink : public updater::VulnerabilitySink {
   public:
    Status Add(Vulnerability) override { return Unavailable("store down"); }
  } sink;
  StringReader r(R"({"packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["CVE-2021-1"]}}}]})");
  Status s = ParseSecdb(r, {"v3.14", "main", "x"}, &sink);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(Secdb, LooksLikeId) {
  for (const char* ok : {"CVE-2021-3711", "XSA-200", "GHSA-fhpf-pp8p-4qc", "TALOS-2017-0488", "GNUTLS-SA-2020-03-31",
                         "ZDI-CAN-1234", "wnpa-sec-2021-1", "ALPINE-13661", "RUSTSEC-2021-0001"}) {
    EXPECT_TRUE(LooksLikeId(ok)) << ok;
  }
  for (const char* bad : {"", "CVE", "N/A", "-", "(BGP)", "CVE-?\?\?\?-?\?\?\?\?", "CVE_2019-1", "CVE-2019-1.patch",
                          "CVE--1", "CVE-1-", "1CVE-1", "fixed,"}) {
    EXPECT_FALSE(LooksLikeId(bad)) << bad;
  }
}

}  // namespace
}  // namespace lucid::alpine
