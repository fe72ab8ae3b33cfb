#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace lucid::metrics {
namespace {

TEST(Metrics, RendersTextFormat) {
  Registry r;
  auto& c = r.AddCounter("lucid_test_total", "Things counted.", {"kind"});
  c.With({"a"}).Inc();
  c.With({"a"}).Inc(2);
  c.With({"b\"q\\\n"}).Inc();
  r.AddGauge("lucid_test_gauge", "A gauge.\nsecond line").With({}).Set(1.5);
  auto& h = r.AddHistogram("lucid_test_seconds", "Durations.", {"op"}, {0.1, 1});
  h.With({"x"}).Observe(0.05);
  h.With({"x"}).Observe(0.5);
  h.With({"x"}).Observe(5);
  std::string out = r.Render();
  EXPECT_NE(out.find("# HELP lucid_test_total Things counted.\n# TYPE lucid_test_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("lucid_test_total{kind=\"a\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_total{kind=\"b\\\"q\\\\\\n\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("# HELP lucid_test_gauge A gauge.\\nsecond line\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_gauge 1.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_seconds_bucket{op=\"x\",le=\"1\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_seconds_sum{op=\"x\"} 5.55\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lucid_test_seconds_count{op=\"x\"} 3\n"), std::string::npos) << out;
  // Families are sorted by name.
  EXPECT_LT(out.find("lucid_test_gauge"), out.find("lucid_test_seconds"));
}

TEST(Metrics, ReRegistrationReturnsSameFamily) {
  Registry r;
  auto& a = r.AddCounter("lucid_x_total", "x", {"l"});
  auto& b = r.AddCounter("lucid_x_total", "x", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&Registry::Default(), &Registry::Default());
}

TEST(Metrics, ConcurrentIncrements) {
  Registry r;
  auto& c = r.AddCounter("lucid_c_total", "c", {"t"});
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      for (int j = 0; j < 10000; ++j) c.With({"same"}).Inc();
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.With({"same"}).Value(), 40000);
}

}  // namespace
}  // namespace lucid::metrics
