#include "ecosystems/alpine/updater.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "ecosystems/alpine/secdb_parser.h"
#include "testing/process.h"

namespace lucid::alpine {
namespace {

class CountSink : public updater::VulnerabilitySink {
 public:
  Status Add(Vulnerability v) override {
    ++n;
    names.insert(v.updater);
    return Status::Ok();
  }
  size_t n = 0;
  std::set<std::string> names;
};

class AlpineUpdaterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = testing::ChildServer::Start({"python3", LUCID_SHARED_DIR "/tools/serve-feeds.py", "--port", "0"}, 60);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s).release();
    base_ = server_->address();
    if (!base_.empty() && base_.back() != '/') base_ += '/';
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static testing::ChildServer* server_;
  static std::string base_;
};
testing::ChildServer* AlpineUpdaterTest::server_ = nullptr;
std::string AlpineUpdaterTest::base_;

// What the feed directory holds: alpine-<repo>-<release>-updater per file.
std::set<std::string> ExpectedNames() {
  std::set<std::string> out;
  namespace fs = std::filesystem;
  for (const auto& dir : fs::directory_iterator(LUCID_SHARED_DIR "/data/feeds/alpine/secdb")) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      out.insert(UpdaterName(f.path().stem().string(), dir.path().filename().string()));
    }
  }
  return out;
}

TEST_F(AlpineUpdaterTest, DiscoversEveryReleaseAndRepo) {
  net::HttpClient http;
  auto releases = DiscoverReleases(http, base_ + "alpine/");
  ASSERT_TRUE(releases.ok()) << releases.status().ToString();
  std::vector<std::string> want;
  for (int minor = 2; minor <= 20; ++minor) want.push_back("v3." + std::to_string(minor));
  want.push_back("edge");
  EXPECT_EQ(*releases, want);

  auto factory = NewUpdaterSetFactory();
  EXPECT_EQ(factory->name(), "alpine");
  auto ups = factory->Create(R"({"url":")" + base_ + "alpine\"}", http);
  ASSERT_TRUE(ups.ok()) << ups.status().ToString();
  std::set<std::string> names;
  for (const auto& u : *ups) names.insert(std::string(u->name()));
  EXPECT_EQ(names.size(), ups->size());
  EXPECT_EQ(names, ExpectedNames());
  EXPECT_EQ(names.size(), 39u);
  EXPECT_TRUE(names.count("alpine-main-v3.14-updater"));
  EXPECT_TRUE(names.count("alpine-community-edge-updater"));
  EXPECT_FALSE(names.count("alpine-community-v3.2-updater"));
}

TEST_F(AlpineUpdaterTest, FetchParseAndETag) {
  net::HttpClient http;
  auto u = NewSecdbUpdater(base_ + "alpine/", "v3.14", "main");
  EXPECT_EQ(u->name(), "alpine-main-v3.14-updater");
  ASSERT_EQ(u->Urls().size(), 1u);
  EXPECT_EQ(u->Urls()[0], base_ + "alpine/v3.14/main.json");
  auto first = u->Fetch(http, "");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->unchanged);
  ASSERT_FALSE(first->fingerprint.empty());
  ASSERT_NE(first->body, nullptr);
  CountSink sink;
  ASSERT_TRUE(u->Parse(*first, &sink, nullptr).ok());
  EXPECT_GT(sink.n, 2000u);
  EXPECT_EQ(sink.names, std::set<std::string>{"alpine-main-v3.14-updater"});

  auto second = u->Fetch(http, first->fingerprint);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->unchanged);
  EXPECT_EQ(second->fingerprint, first->fingerprint);
  EXPECT_EQ(second->body, nullptr);

  auto stale = u->Fetch(http, "\"some-old-etag\"");
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->unchanged);
  EXPECT_EQ(stale->fingerprint, first->fingerprint);
}

TEST_F(AlpineUpdaterTest, MissingFileAndDeadServer) {
  net::HttpClient http;
  auto u = NewSecdbUpdater(base_ + "alpine/", "v3.2", "community");
  auto r = u->Fetch(http, "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  // Nothing listens on port 9 of the loopback: a clear error, no updaters.
  auto ups = NewUpdaterSetFactory()->Create(R"({"url":"http://127.0.0.1:9/"})", http);
  EXPECT_FALSE(ups.ok());
}

TEST(AlpineUpdaterConfig, Parse) {
  auto c = ParseUpdaterConfig("{}");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "https://secdb.alpinelinux.org/");
  c = ParseUpdaterConfig("");
  ASSERT_TRUE(c.ok());
  c = ParseUpdaterConfig(R"({"url":"http://mirror/secdb","other":1})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://mirror/secdb/");
  EXPECT_FALSE(ParseUpdaterConfig(R"({"url":5})").ok());
  EXPECT_FALSE(ParseUpdaterConfig(R"({"url":"ftp://x/"})").ok());
  EXPECT_FALSE(ParseUpdaterConfig("[").ok());
  EXPECT_FALSE(ParseUpdaterConfig("[]").ok());
  auto f = NewUpdaterSetFactory();
  EXPECT_EQ(f->Urls("{}"), std::vector<std::string>{"https://secdb.alpinelinux.org/"});
  EXPECT_EQ(f->Urls(R"({"url":"http://m/x"})"), std::vector<std::string>{"http://m/x/"});
}

}  // namespace
}  // namespace lucid::alpine
