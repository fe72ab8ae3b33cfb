// The update framework against a real SQLite store and, for network faults,
// the loopback test server: fingerprints, failures that keep the previous
// data, retries, time and size limits, metrics, diffs,
// streaming JSON/decompression and the airgap bundle round trip.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "net/http_client.h"
#include "store/store_factory.h"
#include "testing/process.h"
#include "updater/bundle.h"
#include "updater/decompress.h"
#include "updater/json_stream.h"
#include "updater/update_manager.h"
#include "updater/updater_metrics.h"

namespace lucid::updater {
namespace {

Vulnerability V(const std::string& name, const std::string& pkg) {
  Vulnerability v;
  v.name = name;
  v.description = "d";
  v.package = Package{};
  v.package->name = pkg;
  v.repository = Repository{"npm", "", "https://www.npmjs.com/", ""};
  v.fixed_in_version = "1.0.0";
  v.normalized_severity = Severity::kHigh;
  return v;
}

// A scriptable updater: fingerprint and records come from the test.
struct Script {
  std::string fingerprint = "fp1";
  std::vector<std::string> names = {"A", "B"};
  int fail_fetches = 0;  // first N fetches fail with Unavailable
  bool corrupt_after_one = false;
  std::string fetch_url;  // when set, Fetch() really downloads it
  std::atomic<int> fetches{0}, parses{0};
};

class FakeUpdater final : public Updater {
 public:
  FakeUpdater(std::string name, Script* s) : name_(std::move(name)), s_(s) {}
  std::string_view name() const override { return name_; }
  std::vector<std::string> Urls() const override {
    return {s_->fetch_url.empty() ? "http://fake/" + name_ : s_->fetch_url};
  }
  Result<FetchResult> Fetch(net::HttpClient& http, const std::string& prev) override {
    ++s_->fetches;
    FetchResult r;
    if (!s_->fetch_url.empty()) {
      LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("fake-"));
      net::Request req;
      req.url = s_->fetch_url;
      LUCID_ASSIGN_OR_RETURN(auto resp, http.FetchToFile(req, tmp.path()));
      if (resp.status != 200) return net::HttpError(req, resp);
      r.body = std::make_unique<TempFile>(std::move(tmp));
    }
    if (s_->fail_fetches > 0) {
      --s_->fail_fetches;
      return Unavailable("GET " + Urls()[0] + ": connection refused");
    }
    r.url = Urls()[0];
    r.fingerprint = s_->fingerprint;
    r.unchanged = !prev.empty() && prev == s_->fingerprint;
    return r;
  }
  Status Parse(FetchResult&, VulnerabilitySink* sink, EnrichmentSink*) override {
    ++s_->parses;
    int i = 0;
    for (const auto& n : s_->names) {
      if (s_->corrupt_after_one && i++ == 1) return Corrupt("feed: unexpected end of data");
      LUCID_RETURN_IF_ERROR(sink->Add(V(n, "pkg-" + n)));
    }
    return Status::Ok();
  }

 private:
  std::string name_;
  Script* s_;
};

class FakeSet final : public UpdaterSetFactory {
 public:
  FakeSet(std::string name, std::vector<std::pair<std::string, Script*>> ups)
      : name_(std::move(name)), ups_(std::move(ups)) {}
  std::string_view name() const override { return name_; }
  Result<std::vector<std::unique_ptr<Updater>>> Create(const std::string&, net::HttpClient&) const override {
    std::vector<std::unique_ptr<Updater>> out;
    for (const auto& [n, s] : ups_) out.push_back(std::make_unique<FakeUpdater>(n, s));
    return out;
  }
  std::vector<std::string> Urls(const std::string&) const override { return {"http://fake/" + name_}; }

 private:
  std::string name_;
  std::vector<std::pair<std::string, Script*>> ups_;
};

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lucid-updater-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = Open("m.db");
    UpdaterMetrics::Global().Reset();
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::shared_ptr<store::MatcherStore> Open(const std::string& name) {
    auto s = store::OpenMatcherStore("sqlite:" + dir_ + "/" + name, true);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return *s;
  }
  UpdateManager Manager(std::vector<std::pair<std::string, Script*>> ups, UpdaterConfig cfg = {}) {
    cfg.retry_backoff = std::chrono::seconds(0);
    return UpdateManager({std::make_shared<FakeSet>("fake", std::move(ups))}, cfg);
  }
  std::vector<std::string> LatestNames(const std::string& updater) {
    auto ops = store_->GetUpdateOperations("vulnerability");
    EXPECT_TRUE(ops.ok());
    auto it = ops->find(updater);
    if (it == ops->end()) return {};
    auto d = store_->GetUpdateDiff("", it->second.front().ref);
    EXPECT_TRUE(d.ok());
    std::vector<std::string> out;
    for (const auto& v : d->added) out.push_back(v.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string dir_;
  std::shared_ptr<store::MatcherStore> store_;
};

TEST_F(ManagerTest, FingerprintSkipsUnchangedAndDiffsShowChanges) {
  Script s;
  auto m = Manager({{"fake/one", &s}});
  StoreDestination dest(store_);
  auto r1 = m.RunOnce(dest);
  ASSERT_EQ(r1.outcomes.size(), 1u);
  EXPECT_EQ(r1.outcomes[0].status, "updated");
  EXPECT_EQ(r1.outcomes[0].records, 2);
  auto r2 = m.RunOnce(dest);
  EXPECT_EQ(r2.outcomes[0].status, "unchanged");
  EXPECT_EQ(s.parses, 1);  // not parsed again
  s.fingerprint = "fp2";
  s.names = {"B", "C"};
  auto r3 = m.RunOnce(dest);
  EXPECT_EQ(r3.outcomes[0].status, "updated");
  auto diff = store_->GetUpdateDiff(r1.outcomes[0].ref, r3.outcomes[0].ref);
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  ASSERT_EQ(diff->added.size(), 1u);
  EXPECT_EQ(diff->added[0].name, "C");
  ASSERT_EQ(diff->removed.size(), 1u);
  EXPECT_EQ(diff->removed[0].name, "A");
  auto ops = store_->GetUpdateOperations("vulnerability");
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ((*ops)["fake/one"].size(), 2u);
  EXPECT_EQ((*ops)["fake/one"][0].fingerprint, "fp2");
  auto c = UpdaterMetrics::Global().Snapshot()["fake/one"];
  EXPECT_EQ(c.runs["updated"], 2);
  EXPECT_EQ(c.runs["unchanged"], 1);
}

TEST_F(ManagerTest, FailureKeepsPreviousDataAndDoesNotBlockOthers) {
  Script bad, good;
  auto m = Manager({{"fake/bad", &bad}, {"fake/good", &good}});
  StoreDestination dest(store_);
  ASSERT_TRUE(m.RunOnce(dest).all_ok());
  bad.fingerprint = "fp-broken";
  bad.names = {"X", "Y", "Z"};
  bad.corrupt_after_one = true;
  good.fingerprint = "fp2";
  good.names = {"G"};
  auto r = m.RunOnce(dest);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0].status, "failed");
  EXPECT_NE(r.outcomes[0].error.find("unexpected end"), std::string::npos);
  EXPECT_EQ(r.outcomes[0].attempts, 1);  // corrupt data is not retried
  EXPECT_EQ(r.outcomes[1].status, "updated");
  EXPECT_EQ(LatestNames("fake/bad"), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(LatestNames("fake/good"), (std::vector<std::string>{"G"}));
  auto fp = StoreDestination(store_).PreviousFingerprint("fake/bad");
  EXPECT_EQ(*fp, "fp1");
  EXPECT_EQ(UpdaterMetrics::Global().Snapshot()["fake/bad"].runs["failed"], 1);
  EXPECT_EQ(UpdaterMetrics::Global().Total("failed"), 1);
  // The next period tries again and succeeds once the source is fixed.
  bad.corrupt_after_one = false;
  EXPECT_EQ(m.RunOnce(dest).outcomes[0].status, "updated");
  EXPECT_EQ(LatestNames("fake/bad"), (std::vector<std::string>{"X", "Y", "Z"}));
}

TEST_F(ManagerTest, RetriesTransientErrors) {
  Script s;
  s.fail_fetches = 2;
  auto m = Manager({{"fake/flaky", &s}});
  StoreDestination dest(store_);
  auto r = m.RunOnce(dest);
  EXPECT_EQ(r.outcomes[0].status, "updated");
  EXPECT_EQ(r.outcomes[0].attempts, 3);
  s.fail_fetches = 5;
  s.fingerprint = "fp2";
  r = m.RunOnce(dest);
  EXPECT_EQ(r.outcomes[0].status, "failed");
  EXPECT_EQ(r.outcomes[0].attempts, 3);
  EXPECT_NE(r.outcomes[0].error.find("connection refused"), std::string::npos);
}

class NetFaults : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    auto srv = lucid::testing::StartTestHttpServer();
    ASSERT_TRUE(srv.ok()) << srv.status().ToString();
    srv_ = std::move(*srv);
  }
  std::unique_ptr<lucid::testing::ChildServer> srv_;
};

TEST_F(NetFaults, StallBodyCapAndHttpErrorsFailCleanly) {
  Script stall, big, e500, e404, ok;
  stall.fetch_url = "http://" + srv_->address() + "/stall";
  big.fetch_url = "http://" + srv_->address() + "/big/5000000";
  e500.fetch_url = "http://" + srv_->address() + "/status/500";
  e404.fetch_url = "http://" + srv_->address() + "/status/404";
  ok.fetch_url = "http://" + srv_->address() + "/hello";
  UpdaterConfig cfg;
  cfg.stall_timeout = std::chrono::seconds(1);
  cfg.max_body_bytes = 1 << 20;
  cfg.retries = 1;
  auto m = Manager({{"f/stall", &stall}, {"f/big", &big}, {"f/500", &e500}, {"f/404", &e404}, {"f/ok", &ok}}, cfg);
  StoreDestination dest(store_);
  auto t0 = std::chrono::steady_clock::now();
  auto r = m.RunOnce(dest);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  ASSERT_EQ(r.outcomes.size(), 5u);
  std::map<std::string, UpdaterOutcome> by;
  for (auto& o : r.outcomes) by[o.updater] = o;
  EXPECT_EQ(by["f/stall"].status, "failed");
  EXPECT_NE(by["f/stall"].error.find("/stall"), std::string::npos) << by["f/stall"].error;
  EXPECT_EQ(by["f/big"].status, "failed");
  EXPECT_NE(by["f/big"].error.find("too large"), std::string::npos) << by["f/big"].error;
  EXPECT_EQ(by["f/big"].attempts, 1);
  EXPECT_EQ(by["f/500"].status, "failed");
  EXPECT_NE(by["f/500"].error.find("HTTP status 500"), std::string::npos) << by["f/500"].error;
  EXPECT_EQ(by["f/500"].attempts, 2);  // 5xx is retried
  EXPECT_EQ(by["f/404"].attempts, 1);  // 404 is not
  EXPECT_EQ(by["f/ok"].status, "updated");
  EXPECT_EQ(UpdaterMetrics::Global().Total("failed"), 4);
}

TEST_F(ManagerTest, TimeoutStopsRetries) {
  Script s;
  s.fail_fetches = 100;
  UpdaterConfig cfg;
  cfg.retries = 100;
  cfg.timeout = std::chrono::seconds(1);
  UpdateManager m({std::make_shared<FakeSet>("fake", std::vector<std::pair<std::string, Script*>>{{"fake/slow", &s}})},
                  [&] {
                    auto c = cfg;
                    c.retry_backoff = std::chrono::seconds(1);
                    return c;
                  }());
  StoreDestination dest(store_);
  auto t0 = std::chrono::steady_clock::now();
  auto r = m.RunOnce(dest);
  EXPECT_EQ(r.outcomes[0].status, "failed");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(ManagerTest, BundleRoundTripAllCompressions) {
  Script s;
  s.names = {"A", "B", "C"};
  auto m = Manager({{"fake/one", &s}});
  for (const char* suffix : {".json", ".json.gz", ".json.zst"}) {
    std::string path = dir_ + "/bundle" + suffix;
    auto w = BundleWriter::Open(path, CompressionFor(path, false, false));
    ASSERT_TRUE(w.ok());
    auto r = m.RunOnce(**w);
    ASSERT_TRUE(r.all_ok());
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*w)->records(), 3);
    // The lines have Clair's keys in Clair's order.
    auto rd = OpenDecompressed(path);
    ASSERT_TRUE(rd.ok());
    auto text = ReadAll(**rd, 1 << 20);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->rfind("{\"Updater\":\"fake/one\",\"Fingerprint\":\"fp1\",\"Date\":\"", 0), 0u) << *text;
    EXPECT_NE(text->find(",\"Kind\":\"vulnerability\"}\n"), std::string::npos);
    auto dst = Open(std::string("import") + suffix + ".db");
    net::HttpClient http;
    auto st = ImportBundle(path, *dst, http);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    EXPECT_EQ(st->operations, 1);
    EXPECT_EQ(st->records, 3);
    auto again = ImportBundle(path, *dst, http);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->skipped, 1);
    EXPECT_EQ(again->operations, 0);
    auto ops = dst->GetUpdateOperations("vulnerability");
    ASSERT_EQ((*ops)["fake/one"].size(), 1u);
    auto d = dst->GetUpdateDiff("", (*ops)["fake/one"][0].ref);
    ASSERT_EQ(d->added.size(), 3u);
    EXPECT_EQ(d->added[0].repository->name, "npm");
    EXPECT_EQ(d->added[0].fixed_in_version, "1.0.0");
    EXPECT_EQ(d->added[0].updater, "fake/one");
  }
}

TEST_F(ManagerTest, FailedUpdaterLeavesNothingInBundle) {
  Script s;
  s.corrupt_after_one = true;
  auto m = Manager({{"fake/bad", &s}});
  std::string path = dir_ + "/b.json";
  auto w = BundleWriter::Open(path, Compression::kNone);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(m.RunOnce(**w).all_ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto text = ReadFile(path, 1 << 20);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

// Writing a bundle to a special file (a FIFO here; /dev/null in the field)
// must write in place: renaming a temp file over it would replace it.
TEST(BundleWriterTest, WritesSpecialFilesInPlace) {
  char dir[] = "/tmp/lucid-bundle-fifo-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string fifo = std::string(dir) + "/out";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<size_t> drained{0};
  std::thread reader([&] {
    int fd = ::open(fifo.c_str(), O_RDONLY);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) drained += static_cast<size_t>(n);
    ::close(fd);
  });
  {
    auto w = BundleWriter::Open(fifo, Compression::kGzip);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Close().ok());
  }
  reader.join();
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_GT(drained.load(), 0u);  // the gzip trailer of an empty bundle
  EXPECT_NE(::access((fifo + ".partial").c_str(), F_OK), 0);
  ::unlink(fifo.c_str());
  ::rmdir(dir);
}

TEST(BundleImport, BadBundlesAreRejected) {
  char tmpl[] = "/tmp/lucid-bundle-bad-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  auto store = store::OpenMatcherStore("sqlite:" + dir + "/m.db", true);
  ASSERT_TRUE(store.ok());
  for (std::string bad : {std::string("not json\n"), std::string("{\"Ref\":\"r\"}\n"),
                          std::string("{\"Updater\":\"u\",\"Ref\":\"r\",\"Fingerprint\":\"f\"}\n")}) {
    StringReader in(bad);
    EXPECT_EQ(ImportBundleFrom(in, **store).status().code(), StatusCode::kCorrupt) << bad;
  }
  EXPECT_FALSE((*store)->HasVulnerabilities().value());
  std::system(("rm -rf " + dir).c_str());
}

TEST(JsonStream, ElementsTruncationAndLimits) {
  JsonArrayStreamOptions o;
  o.array_keys = {"items"};
  std::vector<std::string> got;
  auto cb = [&](std::string_view, boost::json::value& v) {
    got.push_back(boost::json::serialize(v));
    return Status::Ok();
  };
  StringReader ok(R"({"meta":{"items":[9]},"items":[{"a":[1,{"b":null}],"s":"x\u00e9"},2,"three"],"z":1})");
  ASSERT_TRUE(StreamJsonArray(ok, o, cb).ok());
  EXPECT_EQ(got, (std::vector<std::string>{R"({"a":[1,{"b":null}],"s":"xé"})", "2", R"("three")"}));
  for (std::string bad : {std::string(R"({"items":[{"a":1},)"), std::string(R"({"items":[1]} {})"),
                          std::string("\x1f\x8b garbage"), std::string(R"({"nothing":[]})"), std::string("[]")}) {
    StringReader in(bad);
    EXPECT_EQ(StreamJsonArray(in, o, cb).code(), StatusCode::kCorrupt) << bad;
  }
  o.max_element_bytes = 100;
  StringReader huge(R"({"items":[")" + std::string(1000, 'x') + R"("]})");
  EXPECT_EQ(StreamJsonArray(huge, o, cb).code(), StatusCode::kTooLarge);
}

TEST(Decompress, GzipAndCorruption) {
  auto tmp = TempFile::Create("dec-");
  ASSERT_TRUE(tmp.ok());
  std::string plain(300000, 'a');
  gzFile g = gzopen(tmp->path().c_str(), "wb");
  gzwrite(g, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(g);
  auto r = OpenDecompressed(tmp->path());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*ReadAll(**r, 1 << 20), plain);
  auto capped = OpenDecompressed(tmp->path(), 1000);
  EXPECT_EQ(ReadAll(**capped, 1 << 20).status().code(), StatusCode::kTooLarge);
  auto whole = ReadFile(tmp->path(), 1 << 20);
  std::string broken = *whole;
  broken.resize(broken.size() / 2);
  for (size_t i = 20; i < broken.size(); i += 7) broken[i] = static_cast<char>(broken[i] ^ 0x5a);
  ASSERT_TRUE(WriteFileAtomic(tmp->path(), broken).ok());
  auto b = OpenDecompressed(tmp->path());
  if (b.ok()) {
    EXPECT_EQ(ReadAll(**b, 1 << 20).status().code(), StatusCode::kCorrupt);
  }
}

}  // namespace
}  // namespace lucid::updater
