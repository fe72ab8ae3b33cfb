// The notifier's store (on SQLite and, with $LUCID_TEST_PG_DSN, on the real
// PostgreSQL server CI starts), notification building and the poll/deliver
// state machine. The HTTP webhook and the split-process flow are exercised
// end to end in tests/integration/test_notifier.py.
#include "notifier/notifier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include "core/clair_json.h"
#include "notifier/notification.h"
#include "store/postgres/pg_conn.h"
#include "store/store_util.h"

namespace lucid::notifier {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

// A new database file per call, in a directory of this process's own (a
// directory named after the pid could hold files of an earlier process that
// had the same pid), removed at exit.
std::string TempDb() {
  static int n = 0;
  static const fs::path* dir = [] {  // never destroyed: the atexit hook uses it
    std::string tmpl = (fs::temp_directory_path() / "lucid-notifier-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(*dir, ec);
    });
    return new fs::path(tmpl);
  }();
  return "sqlite:" + (*dir / ("n" + std::to_string(++n) + ".db")).string();
}

// A fresh database per test on the shared server.
std::string FreshPgDsn(const std::string& base) {
  static int n = 0;
  std::string name = "lucid_notifier_" + std::to_string(getpid()) + "_" + std::to_string(++n);
  auto cfg = store::ParsePgConnString(base);
  if (!cfg.ok()) return "";
  auto c = store::PgConn::Connect(*cfg);
  // A process with the same pid may have left one behind on a long-lived server.
  if (!c.ok() || !(*c)->Exec("DROP DATABASE IF EXISTS " + name).ok() || !(*c)->Exec("CREATE DATABASE " + name).ok())
    return "";
  if (base.find("://") != std::string::npos) {
    // postgres://user@host:port/db?opts -> replace the path
    auto scheme = base.find("://");
    auto slash = base.find('/', scheme + 3);
    auto q = base.find('?', scheme + 3);
    std::string head = base.substr(0, slash == std::string::npos ? q : slash);
    return head + "/" + name + (q == std::string::npos ? "" : base.substr(q));
  }
  return base + " dbname=" + name;
}

// $LUCID_TEST_PG_DSN (CI starts one server for every suite) or else a
// private server from tools/start-postgres.sh, stopped after the run.
class PgEnvironment : public ::testing::Environment {
 public:
  static std::string& Dsn() {
    static std::string dsn;
    return dsn;
  }
  void SetUp() override {
    const char* env = std::getenv("LUCID_TEST_PG_DSN");
    if (env != nullptr && *env != '\0') {
      Dsn() = env;
      return;
    }
    dir_ = fs::temp_directory_path() / ("lucid-notifier-pg-" + std::to_string(getpid()));
    std::string cmd =
        std::string(LUCID_SOURCE_DIR) + "/tools/start-postgres.sh --dir " + dir_.string() + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, p) != nullptr) out = buf;  // the DSN is the last line
    ASSERT_EQ(pclose(p), 0) << "tools/start-postgres.sh failed";
    while (!out.empty() && out.back() == '\n') out.pop_back();
    Dsn() = out;
  }
  void TearDown() override {
    if (!dir_.empty())
      std::system(
          (std::string(LUCID_SOURCE_DIR) + "/tools/start-postgres.sh stop " + dir_.string() + " >/dev/null 2>&1")
              .c_str());
  }

 private:
  fs::path dir_;
};
[[maybe_unused]] ::testing::Environment* const g_pg = ::testing::AddGlobalTestEnvironment(new PgEnvironment);

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string conn;
    if (GetParam() == "sqlite") {
      conn = TempDb();
    } else {
      const std::string& dsn = PgEnvironment::Dsn();
      ASSERT_FALSE(dsn.empty()) << "no PostgreSQL server";
      conn = FreshPgDsn(dsn);
      ASSERT_FALSE(conn.empty()) << "could not create a test database on " << dsn;
    }
    auto s = store::OpenNotifierStore(conn, true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = *s;
  }
  std::shared_ptr<store::NotifierStore> store_;
};

store::NotificationSet Set(const std::string& uo, const std::string& updater = "debian") {
  store::NotificationSet s;
  s.id = store::internal::NewUuidV4();
  s.uo_ref = uo;
  s.updater = updater;
  return s;
}

TEST_P(StoreTest, PagesInUuidOrderWithNextOnlyWhenMoreFollow) {
  std::vector<store::StoredNotification> rows;
  for (int i = 0; i < 1201; ++i) rows.push_back({store::internal::NewUuidV4(), "{\"n\":" + std::to_string(i) + "}"});
  auto set = Set(store::internal::NewUuidV4());
  ASSERT_TRUE(store_->PutNotificationSet(set, rows).ok());

  std::vector<std::string> want;
  for (const auto& r : rows) want.push_back(r.id);
  std::sort(want.begin(), want.end());
  std::vector<std::string> got;
  std::string next;
  int pages = 0;
  do {
    auto page = store_->GetNotifications(set.id, 500, next);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const auto& it : page->items) got.push_back(it.id);
    if (!page->next.empty()) {
      EXPECT_EQ(page->items.size(), 500u);
      EXPECT_EQ(page->next, page->items.back().id);
    }
    next = page->next;
  } while (!next.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(got, want);

  auto unknown = store_->GetNotifications(store::internal::NewUuidV4(), 500, "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->items.empty());
  EXPECT_TRUE(unknown->next.empty());
  EXPECT_FALSE(store_->GetNotifications(set.id, 0, "").ok());
}

TEST_P(StoreTest, ReceiptsMakeEachOperationProduceOneSet) {
  auto uo = store::internal::NewUuidV4();
  EXPECT_FALSE(*store_->HasReceipt(uo));
  ASSERT_TRUE(store_->PutNotificationSet(Set(uo), {{store::internal::NewUuidV4(), "{}"}}).ok());
  EXPECT_TRUE(*store_->HasReceipt(uo));
  Status again = store_->PutNotificationSet(Set(uo), {{store::internal::NewUuidV4(), "{}"}});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  auto pending = store_->SetsToDeliver();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 1u);

  // An operation that affects nothing is recorded as delivered at once.
  auto quiet = Set(store::internal::NewUuidV4());
  ASSERT_TRUE(store_->PutNotificationSet(quiet, {}).ok());
  EXPECT_EQ(store_->SetsToDeliver()->size(), 1u);
  EXPECT_EQ((*store_->GetSet(quiet.id))->status, store::ReceiptStatus::kDelivered);
}

TEST_P(StoreTest, DeliveryStatesAndDeletion) {
  auto set = Set(store::internal::NewUuidV4());
  ASSERT_TRUE(store_->PutNotificationSet(set, {{store::internal::NewUuidV4(), "{}"}}).ok());
  ASSERT_TRUE(store_->MarkDeliveryFailed(set.id, "HTTP 500").ok());
  ASSERT_TRUE(store_->MarkDeliveryFailed(set.id, "connection refused").ok());
  auto s = *store_->GetSet(set.id);
  EXPECT_EQ(s->status, store::ReceiptStatus::kDeliveryFailed);
  EXPECT_EQ(s->attempts, 2);
  EXPECT_EQ(s->last_error, "connection refused");
  EXPECT_EQ(store_->SetsToDeliver()->size(), 1u);  // failed sets are retried
  ASSERT_TRUE(store_->MarkDelivered(set.id).ok());
  EXPECT_TRUE(store_->SetsToDeliver()->empty());
  ASSERT_TRUE(store_->MarkDeleted(set.id).ok());
  // A late delivery result never resurrects a deleted set.
  ASSERT_TRUE(store_->MarkDelivered(set.id).ok());
  EXPECT_EQ((*store_->GetSet(set.id))->status, store::ReceiptStatus::kDeleted);
  EXPECT_EQ(store_->MarkDeleted(store::internal::NewUuidV4()).code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, GarbageCollectionKeepsEachUpdatersNewestReceipt) {
  auto old_set = Set(store::internal::NewUuidV4());
  ASSERT_TRUE(store_->PutNotificationSet(old_set, {{store::internal::NewUuidV4(), "{}"}}).ok());
  sleep(1);  // receipts are ordered by creation second
  auto new_set = Set(store::internal::NewUuidV4());
  ASSERT_TRUE(store_->PutNotificationSet(new_set, {{store::internal::NewUuidV4(), "{}"}}).ok());
  ASSERT_TRUE(store_->MarkDeleted(old_set.id).ok());
  ASSERT_TRUE(store_->MarkDeleted(new_set.id).ok());
  auto removed = store_->GarbageCollect(std::chrono::hours(24 * 14));
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(store_->GetSet(old_set.id)->has_value());
  // The newest receipt stays (so its operation is not notified again), its bodies go.
  EXPECT_TRUE(*store_->HasReceipt(new_set.uo_ref));
  EXPECT_TRUE(store_->GetNotifications(new_set.id, 10, "")->items.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// ---------------------------------------------------------------- processing

Vulnerability Vuln(const std::string& name, const std::string& pkg, Severity sev) {
  Vulnerability v;
  v.name = name;
  v.updater = "debian";
  v.description = "about " + name;
  v.links = "https://security-tracker.debian.org/tracker/" + name;
  v.severity = std::string(SeverityName(sev));
  v.normalized_severity = sev;
  v.fixed_in_version = "1.2-3";
  Package p;
  p.name = pkg;
  p.kind = PackageKind::kSource;
  v.package = p;
  Distribution d;
  d.did = "debian";
  d.name = "Debian GNU/Linux";
  d.version_id = "12";
  v.distribution = d;
  return v;
}

Digest D(char c) { return Digest::Sha256FromHex(std::string(64, c)); }

class FakeMatcher : public services::MatcherService {
 public:
  Result<bool> Initialized() override { return true; }
  Result<VulnerabilityReport> Scan(const IndexReport&) override { return Unsupported("no"); }
  Result<std::map<std::string, std::vector<UpdateOperation>>> UpdateOperations(const std::string&,
                                                                               bool latest) override {
    auto out = ops;
    if (latest) {
      for (auto& [k, v] : out) v.resize(std::min<size_t>(v.size(), 1));
    }
    return out;
  }
  Result<std::string> LatestUpdateRef(const std::string&) override { return std::string(); }
  Result<store::UpdateDiff> UpdateDiff(const std::string& prev, const std::string& cur) override {
    diffs_asked.push_back(prev + ">" + cur);
    return diff;
  }
  Status DeleteUpdateOperation(const std::string&) override { return Status::Ok(); }

  std::map<std::string, std::vector<UpdateOperation>> ops;
  store::UpdateDiff diff;
  std::vector<std::string> diffs_asked;
};

// Answers like the indexer: every vulnerability on package `pkg` affects the
// manifests listed for it, most severe first.
class FakeIndexer : public services::IndexerService {
 public:
  std::string State() const override { return "s"; }
  Result<IndexReport> Index(const Manifest&, services::CancelFlag) override { return Unsupported("no"); }
  Result<std::optional<IndexReport>> GetIndexReport(const Digest&) override { return std::optional<IndexReport>(); }
  Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>&) override { return std::vector<Digest>{}; }
  Result<services::AffectedManifests> GetAffectedManifests(const std::vector<Vulnerability>& vulns) override {
    ++calls;
    services::AffectedManifests out;
    std::vector<const Vulnerability*> sorted;
    for (const auto& v : vulns) sorted.push_back(&v);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto* a, auto* b) { return a->normalized_severity > b->normalized_severity; });
    for (const auto* v : sorted) {
      auto it = by_package.find(v->package->name);
      if (it == by_package.end()) continue;
      out.vulnerabilities[v->id] = *v;
      for (const auto& d : it->second) out.vulnerable_manifests[d.str()].push_back(v->id);
    }
    return out;
  }
  std::map<std::string, std::vector<Digest>> by_package;
  int calls = 0;
};

class RecordingDeliverer : public Deliverer {
 public:
  std::string name() const override { return "test"; }
  std::string target() const override { return "memory"; }
  Status Deliver(const store::NotificationSet& set) override {
    attempts.push_back(set.id);
    if (fail_next > 0) {
      --fail_next;
      return Unavailable("receiver answered HTTP 500");
    }
    return Status::Ok();
  }
  bool deletes_after_delivery() const override { return direct; }
  int fail_next = 0;
  bool direct = false;  // acts like a direct AMQP/STOMP deliverer
  std::vector<std::string> attempts;
};

struct Fixture {
  FakeMatcher matcher;
  FakeIndexer indexer;
  std::shared_ptr<store::NotifierStore> store;
  RecordingDeliverer* deliverer = nullptr;
  std::unique_ptr<Notifier> notifier;

  explicit Fixture(bool summary = true, size_t chunk = 1000) {
    store = *store::OpenNotifierStore(TempDb(), true);
    matcher.ops["debian"] = {UpdateOperation{"22222222-2222-4222-8222-222222222222", "debian", "fp2", "", ""},
                             UpdateOperation{"11111111-1111-4111-8111-111111111111", "debian", "fp1", "", ""}};
    matcher.diff.added = {Vuln("CVE-1", "openssl", Severity::kLow), Vuln("CVE-2", "openssl", Severity::kHigh),
                          Vuln("CVE-3", "zlib", Severity::kMedium)};
    matcher.diff.removed = {Vuln("CVE-4", "curl", Severity::kCritical)};
    indexer.by_package["openssl"] = {D('a'), D('b')};
    indexer.by_package["zlib"] = {D('a')};
    indexer.by_package["curl"] = {D('c')};
    auto d = std::make_unique<RecordingDeliverer>();
    deliverer = d.get();
    NotifierOptions o;
    o.summary = summary;
    o.affected_chunk = chunk;
    notifier = std::make_unique<Notifier>(store, &matcher, &indexer, std::move(d), o);
  }

  std::vector<bj::object> Page(const std::string& set_id) {
    std::vector<bj::object> out;
    auto page = notifier->Notifications(set_id, 500, "");
    for (const auto& text : page->notifications) out.push_back(bj::parse(text).as_object());
    return out;
  }
};

std::string PendingSet(store::NotifierStore& s) {
  auto sets = s.SetsToDeliver();
  return sets.ok() && !sets->empty() ? sets->front().id : "";
}

TEST(NotifierTest, SummaryKeepsTheMostSevereVulnerabilityPerManifest) {
  Fixture f;
  auto stored = f.notifier->ProcessOnce();
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, 1);
  // Diffed against the updater's previous operation.
  ASSERT_EQ(f.matcher.diffs_asked.size(), 1u);
  EXPECT_EQ(f.matcher.diffs_asked[0], "11111111-1111-4111-8111-111111111111>22222222-2222-4222-8222-222222222222");

  std::map<std::string, std::pair<std::string, std::string>> got;  // manifest -> (reason, vuln)
  for (const auto& n : f.Page(PendingSet(*f.store))) {
    got[std::string(n.at("manifest").as_string())] = {std::string(n.at("reason").as_string()),
                                                      std::string(n.at("vulnerability").at("name").as_string())};
  }
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(got[D('a').str()], std::make_pair(std::string("added"), std::string("CVE-2")));
  EXPECT_EQ(got[D('b').str()], std::make_pair(std::string("added"), std::string("CVE-2")));
  EXPECT_EQ(got[D('c').str()], std::make_pair(std::string("removed"), std::string("CVE-4")));

  // Processed once: a second poll finds the receipt.
  EXPECT_EQ(*f.notifier->ProcessOnce(), 0);
  EXPECT_EQ(f.matcher.diffs_asked.size(), 1u);
}

TEST(NotifierTest, WithoutSummaryEveryPairIsNotifiedAcrossChunks) {
  Fixture f(/*summary=*/false, /*chunk=*/1);
  ASSERT_EQ(*f.notifier->ProcessOnce(), 1);
  EXPECT_EQ(f.indexer.calls, 4);  // one request per chunk of one vulnerability
  std::multiset<std::string> got;
  for (const auto& n : f.Page(PendingSet(*f.store))) {
    got.insert(std::string(n.at("manifest").as_string()).substr(7, 1) + ":" +
               std::string(n.at("vulnerability").at("name").as_string()) + ":" +
               std::string(n.at("reason").as_string()));
  }
  EXPECT_EQ(got, (std::multiset<std::string>{"a:CVE-1:added", "b:CVE-1:added", "a:CVE-2:added", "b:CVE-2:added",
                                             "a:CVE-3:added", "c:CVE-4:removed"}));
}

TEST(NotifierTest, OnlyTheNewestOperationIsDiffedAndTheFirstAgainstNothing) {
  Fixture f;
  f.matcher.ops["debian"].pop_back();  // the updater's first operation
  ASSERT_EQ(*f.notifier->ProcessOnce(), 1);
  ASSERT_EQ(f.matcher.diffs_asked.size(), 1u);
  EXPECT_EQ(f.matcher.diffs_asked[0], ">22222222-2222-4222-8222-222222222222");
}

TEST(NotifierTest, FailedDeliveriesAreRetriedUntilAccepted) {
  Fixture f;
  ASSERT_EQ(*f.notifier->ProcessOnce(), 1);
  std::string id = PendingSet(*f.store);
  f.deliverer->fail_next = 2;
  EXPECT_EQ(*f.notifier->DeliverOnce(), 0);
  EXPECT_EQ(*f.notifier->DeliverOnce(), 0);
  EXPECT_EQ((*f.store->GetSet(id))->attempts, 2);
  EXPECT_EQ((*f.store->GetSet(id))->status, store::ReceiptStatus::kDeliveryFailed);
  EXPECT_EQ(*f.notifier->DeliverOnce(), 1);
  EXPECT_EQ((*f.store->GetSet(id))->status, store::ReceiptStatus::kDelivered);
  EXPECT_EQ(*f.notifier->DeliverOnce(), 0);  // nothing left
  EXPECT_EQ(f.deliverer->attempts.size(), 3u);
  // The client pages, then deletes; a second delete of an unknown id fails.
  EXPECT_TRUE(f.notifier->DeleteNotifications(id).ok());
  EXPECT_EQ(f.notifier->DeleteNotifications(store::internal::NewUuidV4()).code(), StatusCode::kNotFound);
}

TEST(NotifierTest, DirectDeliverersLeaveTheSetDeleted) {
  Fixture f;
  f.deliverer->direct = true;
  ASSERT_EQ(*f.notifier->ProcessOnce(), 1);
  std::string id = PendingSet(*f.store);
  f.deliverer->fail_next = 1;
  EXPECT_EQ(*f.notifier->DeliverOnce(), 0);
  EXPECT_EQ((*f.store->GetSet(id))->status, store::ReceiptStatus::kDeliveryFailed);  // not deleted on failure
  EXPECT_EQ(*f.notifier->DeliverOnce(), 1);
  EXPECT_EQ((*f.store->GetSet(id))->status, store::ReceiptStatus::kDeleted);
  EXPECT_EQ(*f.notifier->DeliverOnce(), 0);  // never delivered twice
  EXPECT_EQ(f.deliverer->attempts.size(), 2u);
  // The GC purges its bodies like those of a set its client deleted (the
  // receipt stays while it is its updater's newest).
  EXPECT_FALSE(f.Page(id).empty());
  ASSERT_TRUE(f.notifier->CollectGarbage().ok());
  EXPECT_TRUE(f.Page(id).empty());
}

TEST(NotifierTest, DirectBatchesAreJsonArraysOfAtMostRollup) {
  auto store = *store::OpenNotifierStore(TempDb(), true);
  store::NotificationSet set = Set(store::internal::NewUuidV4());
  std::vector<store::StoredNotification> rows;
  for (int i = 0; i < 2005; ++i) rows.push_back({store::internal::NewUuidV4(), "{\"n\":" + std::to_string(i) + "}"});
  ASSERT_TRUE(store->PutNotificationSet(set, rows).ok());
  for (auto [rollup, messages, last] :
       {std::tuple<int64_t, size_t, size_t>{0, 2005, 1}, {1, 2005, 1}, {2, 1003, 1}, {1000, 3, 5}, {5000, 1, 2005}}) {
    auto batches = DirectBatches(*store, set.id, rollup);
    ASSERT_TRUE(batches.ok()) << batches.status().ToString();
    ASSERT_EQ(batches->size(), messages) << rollup;
    std::set<int64_t> seen;
    for (const auto& b : *batches) {
      auto arr = bj::parse(b).as_array();  // valid JSON, always an array
      EXPECT_LE(arr.size(), static_cast<size_t>(std::max<int64_t>(rollup, 1)));
      for (const auto& n : arr) seen.insert(n.as_object().at("n").as_int64());
    }
    EXPECT_EQ(bj::parse(batches->back()).as_array().size(), last) << rollup;
    EXPECT_EQ(seen.size(), 2005u) << rollup;  // every notification exactly once
  }
  EXPECT_TRUE(DirectBatches(*store, store::internal::NewUuidV4(), 2)->empty());
}

TEST(NotifierTest, BackgroundLoopPollsAndDeliversWhenPoked) {
  Fixture f;
  f.notifier->Start();
  f.notifier->Poke();
  for (int i = 0; i < 100 && f.deliverer->attempts.empty(); ++i) usleep(50 * 1000);
  f.notifier->Stop();
  EXPECT_EQ(f.deliverer->attempts.size(), 1u);
}

TEST(NotificationJson, CarriesClairsSummaryKeys) {
  Notification n{store::internal::NewUuidV4(), D('a'), "added", Vuln("CVE-9", "openssl", Severity::kMedium)};
  Repository r;
  r.name = "bookworm-security";
  n.vulnerability.repository = r;
  auto v = bj::parse(EncodeNotification(n)).as_object();
  EXPECT_EQ(v.at("reason").as_string(), "added");
  const auto& s = v.at("vulnerability").as_object();
  EXPECT_EQ(s.at("severity").as_string(), "Medium");  // the normalized word
  EXPECT_TRUE(s.contains("repo"));                    // not "repository"
  EXPECT_FALSE(s.contains("repository"));
  EXPECT_FALSE(s.contains("normalized_severity"));
  EXPECT_EQ(s.at("package").at("name").as_string(), "openssl");
  EXPECT_EQ(s.at("fixed_in_version").as_string(), "1.2-3");
  auto cb = bj::parse(EncodeCallback("http://lucid/notifier/api/v1/notification/", "abc")).as_object();
  EXPECT_EQ(cb.at("callback").as_string(), "http://lucid/notifier/api/v1/notification/abc");
  EXPECT_EQ(cb.at("notification_id").as_string(), "abc");
}

}  // namespace
}  // namespace lucid::notifier
