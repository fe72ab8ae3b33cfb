// Lucid's configuration: the same keys, file formats and drop-in rules as
// Clair v4 (contract §4). Load() reads and strictly decodes a file;
// Config::ValidateForMode() applies the per-mode defaults and reports every
// problem (errors and lints) at once.
//
//   auto cfg = config::Load("/etc/clair/config.yaml");
//   if (!cfg.ok()) return Fail(cfg.status());
//   auto problems = cfg->ValidateForMode(config::Mode::kCombo);
//   if (config::HasErrors(problems)) ...
//
// Boost.JSON stays out of this header: free-form blocks (scanner, matcher and
// updater configs) are kept as serialised JSON text.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::config {

// Go's time.Duration: nanoseconds.
using Duration = std::chrono::nanoseconds;

enum class Mode { kCombo, kIndexer, kMatcher, kNotifier };
// Case-insensitive "combo" | "indexer" | "matcher" | "notifier".
Result<Mode> ParseMode(std::string_view text);
std::string_view ModeName(Mode m);

struct Tls {
  std::string root_ca;
  std::string cert;
  std::string key;
};

struct IndexerConfig {
  std::string connstring;
  bool migrations = false;
  int64_t scanlock_retry = 0;
  int64_t layer_scan_concurrency = 0;
  int64_t index_report_request_concurrency = 0;
  bool airgap = false;
  // scanner name -> JSON object text.
  std::map<std::string, std::string> scanner_package;
  std::map<std::string, std::string> scanner_dist;
  std::map<std::string, std::string> scanner_repo;
};

struct MatcherConfig {
  std::string connstring;
  std::string indexer_addr;
  bool migrations = false;
  Duration period{0};
  int64_t update_retention = 0;
  bool disable_updaters = false;
  bool disable_enrichment = false;
  Duration cache_age{0};
  std::optional<int64_t> max_conn_pool;  // deprecated, ignored
};

struct MatchersConfig {
  std::optional<std::vector<std::string>> names;  // nullopt = defaults, [] = none
  std::map<std::string, std::string> config;      // matcher name -> JSON object text
};

struct UpdatersConfig {
  std::optional<std::vector<std::string>> sets;  // nullopt = all, [] = none
  std::map<std::string, std::string> config;     // set/updater name -> JSON object text
  std::string filter;
  // `sets` as written, before matcher.disable_updaters forced it to []:
  // what `lucid update` and `export-updaters` run (not part of the file).
  std::optional<std::vector<std::string>> configured_sets;
};

struct WebhookConfig {
  std::string target;
  std::string callback;
  std::map<std::string, std::vector<std::string>> headers;
  bool signed_ = false;  // "signed": deprecated, no effect
};

struct AmqpExchange {
  std::string name;
  std::string type;
  bool durability = false;
  bool auto_delete = false;
};

struct AmqpConfig {
  std::vector<std::string> uris;
  AmqpExchange exchange;
  std::string routing_key;
  bool direct = false;
  int64_t rollup = 0;
  std::string callback;
  std::optional<Tls> tls;
};

struct StompUser {
  std::string login;
  std::string passcode;
};

struct StompConfig {
  std::vector<std::string> uris;
  std::string destination;
  bool direct = false;
  int64_t rollup = 0;
  std::string callback;
  std::optional<Tls> tls;
  std::optional<StompUser> user;
};

struct NotifierConfig {
  std::string connstring;
  bool migrations = false;
  std::string indexer_addr;
  std::string matcher_addr;
  Duration poll_interval{0};
  Duration delivery_interval{0};
  bool disable_summary = false;
  std::optional<WebhookConfig> webhook;
  std::optional<AmqpConfig> amqp;
  std::optional<StompConfig> stomp;
};

struct PskConfig {
  std::string key;               // base64 as written in the file
  std::vector<std::string> iss;  // accepted issuers (plus "clair-intraservice")
};

struct KeyserverConfig {
  std::string api;
  std::string intraservice;
};

struct AuthConfig {
  std::optional<PskConfig> psk;
  std::optional<KeyserverConfig> keyserver;  // decodable but fatal
};

struct OtlpClient {
  std::string endpoint;
  bool insecure = false;
  std::map<std::string, std::string> headers;
  std::optional<Duration> timeout;
  int64_t compression = 0;  // 0 unset, 1 none, 2 gzip (integers only, as upstream)
  std::optional<Tls> client_tls;
  std::string url_path;               // HTTP only
  std::optional<Duration> reconnect;  // gRPC only
  std::string service_config;         // gRPC only
};

struct OtlpConfig {
  std::optional<OtlpClient> http;
  std::optional<OtlpClient> grpc;
};

struct JaegerConfig {
  std::string agent_endpoint;
  std::string collector_endpoint;
  std::string collector_username;
  std::string collector_password;
  std::string service_name;
  std::map<std::string, std::string> tags;
  std::optional<int64_t> buffer_max;
};

struct SentryConfig {
  std::string dsn;
  std::string environment;
};

struct TraceConfig {
  std::string name;
  std::optional<double> probability;
  std::optional<JaegerConfig> jaeger;
  std::optional<OtlpConfig> otlp;
  std::optional<SentryConfig> sentry;
};

struct MetricsConfig {
  std::string name;
  std::string prometheus_endpoint;  // "" -> "/metrics"
  std::optional<OtlpConfig> otlp;
};

enum class Severity { kError, kWarning };

// One finding of ValidateForMode. `path` is a JSON path such as "$.matcher.period".
struct Problem {
  Severity severity = Severity::kError;
  std::string path;
  std::string message;
  std::string ToString() const;  // "<message> (at <path>)"
};
bool HasErrors(const std::vector<Problem>& problems);
// Every error of `problems` as one InvalidArgument status (OK when none).
Status ErrorsToStatus(const std::vector<Problem>& problems);

struct Config {
  std::string source;  // file it was loaded from (for messages)

  std::string http_listen_addr;
  std::string introspection_addr;
  std::string log_level = "info";
  std::optional<Tls> tls;
  IndexerConfig indexer;
  MatcherConfig matcher;
  MatchersConfig matchers;
  UpdatersConfig updaters;
  NotifierConfig notifier;
  AuthConfig auth;
  TraceConfig trace;
  MetricsConfig metrics;

  // Applies the defaults of §4.3 (with Lucid's matcher.period default of
  // 30m) for `mode` and returns every error and lint found. Idempotent.
  std::vector<Problem> ValidateForMode(Mode mode);

  // The configuration as JSON (every key, durations as Go strings, free-form
  // blocks as objects); pretty-printed when `pretty`.
  std::string EffectiveJson(bool pretty = true) const;
};

// Lucid's default for matcher.period (Clair: 6h).
inline constexpr Duration kDefaultMatcherPeriod = std::chrono::minutes(30);

// Reads `path` (+ drop-ins), and decodes strictly. Errors name the file, the
// JSON path of the offending key and, for unknown keys, the closest known key.
Result<Config> Load(const std::string& path);
// Decodes an in-memory document (JSON text); `origin` names it in errors.
Result<Config> Decode(std::string_view json_text, const std::string& origin);
// The merged document (file + drop-ins) as compact JSON, before typed decoding.
Result<std::string> LoadMergedJson(const std::string& path);

// Decodes auth.psk.key: standard base64 (RFC 4648 §4, padded); whitespace
// and embedded newlines are skipped. Errors on bad characters or padding.
Result<std::string> DecodePskKey(std::string_view b64);

// Go duration strings: "90s", "1h30m", "1.5h", "-2m", "0". Bare numbers other
// than "0" are invalid, as are empty strings and unknown units.
Result<Duration> ParseDuration(std::string_view text);
// Go's time.Duration.String(): "6h0m0s", "1m30s", "1.5s", "0s".
std::string FormatDuration(Duration d);

}  // namespace lucid::config
