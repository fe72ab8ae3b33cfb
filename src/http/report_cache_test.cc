#include "http/report_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace lucid::http {
namespace {

using namespace std::chrono_literals;

ReportCache::Body B(std::string s) { return std::make_shared<const CachedBody>(std::move(s)); }

TEST(ReportCache, HitUntilTtlThenRecompute) {
  ReportCache c({50ms, 1000ms, 1 << 20});
  auto t = c.Begin("a");
  ASSERT_FALSE(t.body);
  ASSERT_NE(t.token, 0u);
  c.Finish("a", t.token, B("one"));
  auto hit = c.Begin("a");
  ASSERT_TRUE(hit.body);
  EXPECT_EQ(hit.body->identity(), "one");
  EXPECT_EQ(c.Peek("a")->identity(), "one");
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(c.Peek("a"));
  auto again = c.Begin("a");  // expired: this caller recomputes...
  ASSERT_FALSE(again.body);
  auto other = c.Begin("a");  // ...while others get the stale body
  ASSERT_TRUE(other.body);
  EXPECT_EQ(c.Peek("a")->identity(), "one");
  c.Finish("a", again.token, B("two"));
  EXPECT_EQ(c.Begin("a").body->identity(), "two");
}

TEST(ReportCache, ErrorsAreNotCachedAndEraseWins) {
  ReportCache c({10s, 10s, 1 << 20});
  auto t = c.Begin("a");
  c.Finish("a", t.token, nullptr);  // e.g. a 404
  EXPECT_FALSE(c.Begin("a").body);
  auto t2 = c.Begin("b");
  c.Erase("b");  // deleted while computing: the result must not be stored
  c.Finish("b", t2.token, B("old"));
  EXPECT_FALSE(c.Peek("b"));
  auto t3 = c.Begin("c");
  c.Finish("c", t3.token, B("x"));
  c.Clear();
  EXPECT_FALSE(c.Peek("c"));
}

TEST(ReportCache, OneComputationForConcurrentMisses) {
  ReportCache c({10s, 10s, 1 << 20});
  std::atomic<int> computed{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      auto t = c.Begin("k");
      ReportCache::Filler f(c, "k", t.token);
      if (!t.body) {
        computed++;
        std::this_thread::sleep_for(50ms);
        f.Fill(B("v"));
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(computed.load(), 1);
}

TEST(ReportCache, BoundedBytesAndDisabled) {
  ReportCache c({10s, 10s, 10});
  auto t = c.Begin("a");
  c.Finish("a", t.token, B("123456"));
  auto u = c.Begin("b");
  c.Finish("b", u.token, B("123456"));  // over 10 bytes: the oldest goes
  EXPECT_FALSE(c.Peek("a"));
  EXPECT_TRUE(c.Peek("b"));
  ReportCache off({0ms, 0ms, 1 << 20});
  auto o = off.Begin("a");
  EXPECT_FALSE(o.body);
  EXPECT_EQ(o.token, 0u);
  EXPECT_FALSE(off.Peek("a"));
}

TEST(CachedBody, EncodesOnceOnDemand) {
  CachedBody b(std::string(5000, 'a'));
  EXPECT_FALSE(b.PeekEncoded("gzip"));
  auto gz = b.Encoded("gzip");
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(b.PeekEncoded("gzip"), *gz);
  EXPECT_LT((*gz)->size(), 200u);
}

}  // namespace
}  // namespace lucid::http
