#include "config/config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "base/io.h"

namespace lucid::config {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(TempDirectory()) / ("lucid-config-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

constexpr const char* kGoodYaml = R"(
http_listen_addr: 127.0.0.1:6060
introspection_addr: 127.0.0.1:8089
log_level: debug
indexer:
  connstring: host=localhost dbname=clair
  scanlock_retry: 10
  layer_scan_concurrency: 5
  migrations: true
  index_report_request_concurrency: 2
  scanner:
    package:
      java:
        api: https://search.maven.org/solrsearch/select
        disable_api: true
    repo:
      rhel-repository-scanner:
        repo2cpe_mapping_file: /data/repo.json
matcher:
  connstring: host=localhost dbname=clair
  indexer_addr: http://clair-indexer:6060/
  migrations: true
  period: 6h
  update_retention: 2
  disable_updaters: false
matchers:
  names: [debian-matcher, python]
  config:
    rhel:
      ignore_unpatched: true
updaters:
  sets: [debian, osv]
  config:
    debian:
      mirror_url: http://deb.example/
    osv:
      allowlist: [pypi, npm]
notifier:
  connstring: host=localhost dbname=clair
  migrations: true
  indexer_addr: http://clair-indexer:6060/
  matcher_addr: http://clair-matcher:6060/
  poll_interval: 5m
  delivery_interval: 1m
  webhook:
    target: http://webhook/
    callback: http://clair-notifier/notifier/api/v1/notifications
    headers:
      X-Thing: [a, b]
auth:
  psk:
    key: c2VjcmV0LWtleS0xMjM0NTY=
    iss: [quay, clairctl]
trace:
  name: otlp
  probability: 0.5
  otlp:
    http:
      endpoint: localhost:4318
      timeout: 10s
metrics:
  name: prometheus
  prometheus:
    endpoint: /metrics
)";

TEST_F(ConfigFiles, LoadsFullYaml) {
  auto c = Load(Write("config.yaml", kGoodYaml));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http_listen_addr, "127.0.0.1:6060");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->indexer.scanlock_retry, 10);
  EXPECT_TRUE(c->indexer.migrations);
  ASSERT_EQ(c->indexer.scanner_package.count("java"), 1u);
  auto java = boost::json::parse(c->indexer.scanner_package.at("java"));
  EXPECT_EQ(java.at("disable_api"), true);
  EXPECT_EQ(c->matcher.period, 6h);
  ASSERT_TRUE(c->matchers.names.has_value());
  EXPECT_EQ(c->matchers.names->size(), 2u);
  ASSERT_TRUE(c->updaters.sets.has_value());
  EXPECT_EQ(boost::json::parse(c->updaters.config.at("osv")).at("allowlist").as_array().size(), 2u);
  ASSERT_TRUE(c->notifier.webhook.has_value());
  EXPECT_EQ(c->notifier.webhook->headers.at("X-Thing").size(), 2u);
  ASSERT_TRUE(c->auth.psk.has_value());
  EXPECT_EQ(c->auth.psk->iss.size(), 2u);
  EXPECT_EQ(*c->trace.probability, 0.5);
  EXPECT_EQ(*c->trace.otlp->http->timeout, 10s);

  auto problems = c->ValidateForMode(Mode::kCombo);
  EXPECT_FALSE(HasErrors(problems)) << ErrorsToStatus(problems).ToString();
  EXPECT_EQ(c->matcher.cache_age, 6h);        // defaults to period
  EXPECT_EQ(c->matcher.update_retention, 2);  // only 0 and 1 become 10
  EXPECT_EQ(c->notifier.poll_interval, 5min);
  EXPECT_EQ(c->notifier.webhook->callback.back(), '/');  // appended
  bool lint_callback = false;
  for (const auto& p : problems)
    if (p.path == "$.notifier.webhook.callback" && p.severity == Severity::kWarning) lint_callback = true;
  EXPECT_TRUE(lint_callback);
}

TEST_F(ConfigFiles, EffectiveJsonRoundTrips) {
  auto c = Load(Write("config.yaml", kGoodYaml));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  (void)c->ValidateForMode(Mode::kCombo);
  std::string eff = c->EffectiveJson();
  auto v = boost::json::parse(eff);
  EXPECT_EQ(v.at("matcher").at("period"), "6h0m0s");
  EXPECT_EQ(v.at("indexer").at("scanner").at("package").at("java").at("disable_api"), true);
  // The effective JSON is itself a loadable configuration.
  auto again = Load(Write("effective.json", eff));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->matcher.cache_age, 6h);
  EXPECT_EQ(again->EffectiveJson(), eff);
}

TEST_F(ConfigFiles, DefaultsForMatcherPeriodAreLucids) {
  auto c = Load(Write("config.json", R"({"matcher":{"connstring":"x=y"}})"));
  ASSERT_TRUE(c.ok());
  auto problems = c->ValidateForMode(Mode::kCombo);
  EXPECT_FALSE(HasErrors(problems));
  EXPECT_EQ(c->matcher.period, 30min);
  EXPECT_EQ(c->matcher.cache_age, 30min);
  EXPECT_EQ(c->matcher.update_retention, 10);
  EXPECT_EQ(c->http_listen_addr, ":6060");
  EXPECT_EQ(c->introspection_addr, ":8089");
  EXPECT_EQ(c->indexer.scanlock_retry, 1);
  EXPECT_EQ(c->indexer.layer_scan_concurrency, 10);
  EXPECT_GT(c->indexer.index_report_request_concurrency, 0);
  EXPECT_EQ(c->notifier.poll_interval, 6h);
  EXPECT_EQ(c->notifier.delivery_interval, 1h);
  EXPECT_EQ(c->metrics.prometheus_endpoint, "/metrics");
}

TEST_F(ConfigFiles, UnknownKeyDeepInsideNamesPathAndHint) {
  auto c =
      Load(Write("config.yaml",
                 "indexer:\n  scanner:\n    package: {}\n  scanlok_retry: 3\nnotifier:\n  webhook:\n    targte: x\n"));
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("config.yaml"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown field \"scanlok_retry\""), std::string::npos) << m;
  EXPECT_NE(m.find("$.indexer.scanlok_retry"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean \"scanlock_retry\""), std::string::npos) << m;
  // All errors are reported, not just the first.
  EXPECT_NE(m.find("$.notifier.webhook.targte"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean \"target\""), std::string::npos) << m;
}

TEST_F(ConfigFiles, FreeFormMapsAcceptAnything) {
  auto c = Load(Write("config.yaml",
                      "indexer:\n  scanner:\n    dist:\n      whatever: {any: [1, {x: y}], thing: null}\n"
                      "updaters:\n  config:\n    ubuntu: {url: 'http://x', weird_key: 3}\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->updaters.config.at("ubuntu"), R"({"url":"http://x","weird_key":3})");
}

TEST_F(ConfigFiles, YmlRefused) {
  auto c = Load(Write("config.yml", "log_level: info\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown config kind \".yml\""), std::string::npos);
  EXPECT_FALSE(Load(Write("config.toml", "")).ok());
}

TEST_F(ConfigFiles, JsonMustStartWithBrace) {
  EXPECT_FALSE(Load(Write("a.json", " {}")).ok());
  EXPECT_FALSE(Load(Write("b.json", "[]")).ok());
  EXPECT_FALSE(Load(Write("c.json", "{")).ok());
  EXPECT_TRUE(Load(Write("d.json", "{}")).ok());
  EXPECT_TRUE(Load(Write("e.yaml", "")).ok());  // empty YAML is {}
  EXPECT_FALSE(Load(Write("f.yaml", "- a\n- b\n")).ok());
  EXPECT_FALSE(Load(Write("g.yaml", "a: [\n")).ok());
  EXPECT_FALSE(Load((dir_ / "missing.yaml").string()).ok());
}

TEST_F(ConfigFiles, CaseInsensitiveKeysLaterDuplicateWins) {
  auto c = Load(Write("config.json", R"({"Log_Level":"warn","INDEXER":{"ConnString":"a=b"},"log_level":"error"})"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_level, "error");
  EXPECT_EQ(c->indexer.connstring, "a=b");
}

TEST_F(ConfigFiles, DropInsMergeAndPatch) {
  std::string root = Write(
      "config.yaml", "log_level: info\nmatcher:\n  period: 1h\n  connstring: a=b\nmatchers:\n  names: [a, b, c]\n");
  Write("config.yaml.d/10-level.yaml", "log_level: warn\nmatchers:\n  names: [x]\n");
  Write("config.yaml.d/20-del.yaml", "matcher:\n  connstring: null\n");
  Write("config.yaml.d/30-patch.yaml-patch",
        "- op: replace\n  path: /matcher/period\n  value: 2h\n- op: add\n  path: /matchers/names/-\n  value: y\n");
  Write("config.yaml.d/40-ignored.json", "{\"log_level\": \"error\"}");
  Write("config.yaml.d/50-ignored.json-patch", "[{\"op\":\"test\",\"path\":\"/x\",\"value\":1}]");
  Write("config.yaml.d/sub/60.yaml", "log_level: error\n");
  Write("config.yaml.d/99-guard.yaml-patch", "- op: test\n  path: /log_level\n  value: warn\n");
  auto c = Load(root);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->matcher.period, 2h);
  EXPECT_EQ(c->matcher.connstring, "");
  ASSERT_TRUE(c->matchers.names.has_value());
  EXPECT_EQ(*c->matchers.names, (std::vector<std::string>{"x", "y"}));
  auto merged = LoadMergedJson(root);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(boost::json::parse(*merged).at("matcher").at("period"), "2h");
}

TEST_F(ConfigFiles, DropInFailingTestAborts) {
  std::string root = Write("config.json", R"({"log_level":"info"})");
  Write("config.json.d/zz-guard.json-patch", R"([{"op":"test","path":"/log_level","value":"debug"}])");
  auto c = Load(root);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("zz-guard.json-patch"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("test failed"), std::string::npos) << c.status().message();
}

TEST_F(ConfigFiles, DropInUnknownKeyIsRejected) {
  std::string root = Write("config.json", R"({})");
  Write("config.json.d/01.json", R"({"matcher":{"perod":"1h"}})");
  auto c = Load(root);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("$.matcher.perod"), std::string::npos);
}

TEST(ConfigDecode, TypeErrors) {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"matcher":{"period":"6 hours"}})", "$.matcher.period"},
      {R"({"matcher":{"period":60}})", "duration string"},
      {R"({"notifier":{"poll_interval":"90"}})", "missing unit"},
      {R"({"matcher":{"migrations":"yes"}})", "boolean"},
      {R"({"indexer":{"airgap":1}})", "boolean"},
      {R"({"auth":{"psk":{"key":"a2V5","iss":"quay"}}})", "$.auth.psk.iss"},
      {R"({"indexer":{"layer_scan_concurrency":1.5}})", "integer"},
      {R"({"indexer":{"layer_scan_concurrency":"4"}})", "integer"},
      {R"({"matchers":{"names":"python"}})", "list of strings"},
      {R"({"matchers":{"names":["python", 3]}})", "$.matchers.names[1]"},
      {R"({"notifier":{"webhook":{"headers":{"A":"b"}}}})", "$.notifier.webhook.headers.A"},
      {R"({"indexer":[]})", "expected an object"},
      {R"({"log_level":""})", "must not be empty"},
      {R"({"trace":{"otlp":{"http":{"compression":"gzip"}}}})", "integer"},
  };
  for (const auto& tc : cases) {
    auto c = Decode(tc.json, "inline.json");
    ASSERT_FALSE(c.ok()) << tc.json;
    EXPECT_NE(c.status().message().find(tc.expect), std::string::npos) << tc.json << " -> " << c.status().message();
  }
}

TEST(ConfigDecode, YamlBooleansMustBeReal) {
  // `yes` is a string under YAML 1.2, so a boolean field rejects it.
  char tmpl[] = "/tmp/lucid-cfg-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/c.yaml";
  std::ofstream(path) << "indexer:\n  migrations: yes\n";
  auto c = Load(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("$.indexer.migrations"), std::string::npos);
  std::ofstream(path) << "indexer:\n  migrations: true\n  scanlock_retry: '3'\n";
  c = Load(path);
  ASSERT_FALSE(c.ok());  // quoted number is a string
  std::ofstream(path) << "indexer:\n  migrations: True\n  scanlock_retry: 3\n";
  c = Load(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->indexer.migrations);
  fs::remove_all(tmpl);
}

TEST(ConfigValidate, ModeRequirementsAllReported) {
  auto c = Decode(R"({"matcher":{},"notifier":{},"http_listen_addr":"nonsense","log_level":"loud"})", "x.json");
  ASSERT_TRUE(c.ok());
  Config m = *c;
  auto problems = m.ValidateForMode(Mode::kMatcher);
  std::string all = ErrorsToStatus(problems).message();
  EXPECT_NE(all.find("$.matcher.indexer_addr"), std::string::npos) << all;
  EXPECT_NE(all.find("$.http_listen_addr"), std::string::npos) << all;
  EXPECT_NE(all.find("$.log_level"), std::string::npos) << all;

  Config n = *c;
  problems = n.ValidateForMode(Mode::kNotifier);
  all = ErrorsToStatus(problems).message();
  EXPECT_NE(all.find("$.notifier.indexer_addr"), std::string::npos) << all;
  EXPECT_NE(all.find("$.notifier.matcher_addr"), std::string::npos) << all;
  EXPECT_NE(all.find("no delivery mechanism"), std::string::npos) << all;

  // Indexer mode does not validate the matcher block.
  auto ok = Decode(R"({"matcher":{}})", "x.json");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(HasErrors(ok->ValidateForMode(Mode::kIndexer)));
}

TEST(ConfigValidate, AddressesTlsAuthAmqpStomp) {
  auto c = Decode(R"({
    "http_listen_addr": "[::1]:6060",
    "matcher": {"indexer_addr": "clair-indexer:6060"},
    "tls": {"cert": "/nonexistent.pem"},
    "auth": {"psk": {"key": "", "iss": []}, "keyserver": {"api": "x"}},
    "notifier": {"indexer_addr":"http://i/","matcher_addr":"http://m/",
      "amqp": {"uris": ["not a url"], "exchange": {}, "direct": true, "callback": "http://x/"},
      "stomp": {"uris": ["http://x:1"]}}
  })",
                  "y.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Config cfg = *c;
  auto problems = cfg.ValidateForMode(Mode::kCombo);
  std::string all = ErrorsToStatus(problems).message();
  EXPECT_EQ(all.find("$.http_listen_addr"), std::string::npos) << all;
  EXPECT_NE(all.find("$.tls"), std::string::npos) << all;
  EXPECT_NE(all.find("$.auth.psk.key"), std::string::npos) << all;
  EXPECT_NE(all.find("$.auth.psk.iss"), std::string::npos) << all;
  EXPECT_NE(all.find("keyserver support has been removed"), std::string::npos) << all;
  EXPECT_NE(all.find("$.notifier.amqp.routing_key"), std::string::npos) << all;
  EXPECT_NE(all.find("$.notifier.amqp.uris[0]"), std::string::npos) << all;
  EXPECT_NE(all.find("$.notifier.amqp.exchange.type"), std::string::npos) << all;
  EXPECT_NE(all.find("$.notifier.stomp.uris[0]"), std::string::npos) << all;
  EXPECT_EQ(all.find("not implemented"), std::string::npos) << all;
  // AMQP and STOMP are implemented: an AMQP URI must be amqp:// or amqps://.
  auto amqp = Decode(R"({"notifier": {"amqp": {"uris": ["amqp://g:g@h:5672/", "http://h/"], "routing_key": "k",
      "exchange": {"type": "direct"}, "callback": "http://c/n"}}})",
                     "a.json");
  ASSERT_TRUE(amqp.ok());
  std::string amqp_errors = ErrorsToStatus(amqp->ValidateForMode(Mode::kCombo)).message();
  EXPECT_EQ(amqp_errors.find("$.notifier.amqp.uris[0]"), std::string::npos) << amqp_errors;
  EXPECT_NE(amqp_errors.find("\"http://h/\" is not an amqp:// or amqps:// URL"), std::string::npos) << amqp_errors;
  // combo mode ignores matcher.indexer_addr.
  EXPECT_EQ(all.find("$.matcher.indexer_addr"), std::string::npos) << all;
  cfg = *c;
  problems = cfg.ValidateForMode(Mode::kMatcher);
  EXPECT_NE(ErrorsToStatus(problems).message().find("$.matcher.indexer_addr"), std::string::npos);
}

TEST(ConfigValidate, DisableUpdatersEmptiesSets) {
  auto c = Decode(R"({"matcher":{"disable_updaters":true},"updaters":{"sets":["debian"]}})", "z.json");
  ASSERT_TRUE(c.ok());
  (void)c->ValidateForMode(Mode::kCombo);
  ASSERT_TRUE(c->updaters.sets.has_value());
  EXPECT_TRUE(c->updaters.sets->empty());
  // `lucid update` / export-updaters still run what the file names.
  ASSERT_TRUE(c->updaters.configured_sets.has_value());
  EXPECT_EQ(*c->updaters.configured_sets, std::vector<std::string>{"debian"});
}

TEST(PskKey, Base64) {
  auto k = DecodePskKey("c2VjcmV0\nLWtleQ==");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, "secret-key");
  EXPECT_FALSE(DecodePskKey("c2VjcmV0LWtleQ").ok());  // unpadded
  EXPECT_FALSE(DecodePskKey("c2Vj-mV0").ok());        // URL alphabet
  EXPECT_FALSE(DecodePskKey("c2=jcmV0").ok());
  EXPECT_TRUE(DecodePskKey("")->empty());
}

TEST(Mode, Parse) {
  EXPECT_EQ(*ParseMode("COMBO"), Mode::kCombo);
  EXPECT_EQ(*ParseMode("Matcher"), Mode::kMatcher);
  EXPECT_FALSE(ParseMode("all").ok());
}

TEST(Duration, ParseGoForms) {
  EXPECT_EQ(*ParseDuration("90s"), 90s);
  EXPECT_EQ(*ParseDuration("1h30m"), 90min);
  EXPECT_EQ(*ParseDuration("6h"), 6h);
  EXPECT_EQ(*ParseDuration("0"), 0s);
  EXPECT_EQ(*ParseDuration("1.5h"), 90min);
  EXPECT_EQ(*ParseDuration("-2m"), -2min);
  EXPECT_EQ(*ParseDuration("300ms"), 300ms);
  EXPECT_EQ(*ParseDuration("1\xC2\xB5s"), 1us);
  EXPECT_EQ(*ParseDuration("2h45m30.5s"), 2h + 45min + 30500ms);
  EXPECT_EQ(*ParseDuration(".5s"), 500ms);
  for (const char* bad : {"", "90", "1x", "h", "1.h5", "-", "1h 30m", "99999999999999999999h", "3000000h"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(Duration, FormatGoForms) {
  EXPECT_EQ(FormatDuration(0s), "0s");
  EXPECT_EQ(FormatDuration(6h), "6h0m0s");
  EXPECT_EQ(FormatDuration(90s), "1m30s");
  EXPECT_EQ(FormatDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatDuration(30min), "30m0s");
  EXPECT_EQ(FormatDuration(1500us), "1.5ms");
  EXPECT_EQ(FormatDuration(-90s), "-1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::nanoseconds(7)), "7ns");
}

}  // namespace
}  // namespace lucid::config
