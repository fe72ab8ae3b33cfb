// Defaults, validation and lints per mode (contract §4.3), and the
// effective-configuration output.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <filesystem>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "config/config.h"
#include "config/config_internal.h"
#include "core/clair_json.h"

namespace lucid::config {

Result<Mode> ParseMode(std::string_view text) {
  std::string t = ToLower(text);
  if (t == "combo") return Mode::kCombo;
  if (t == "indexer") return Mode::kIndexer;
  if (t == "matcher") return Mode::kMatcher;
  if (t == "notifier") return Mode::kNotifier;
  return InvalidArgument("unknown mode \"" + std::string(text) + "\" (want combo, indexer, matcher or notifier)");
}

std::string_view ModeName(Mode m) {
  switch (m) {
    case Mode::kCombo:
      return "combo";
    case Mode::kIndexer:
      return "indexer";
    case Mode::kMatcher:
      return "matcher";
    case Mode::kNotifier:
      return "notifier";
  }
  return "";
}

std::string Problem::ToString() const { return message + " (at " + path + ")"; }

bool HasErrors(const std::vector<Problem>& problems) {
  for (const auto& p : problems)
    if (p.severity == Severity::kError) return true;
  return false;
}

Status ErrorsToStatus(const std::vector<Problem>& problems) {
  std::string msg;
  for (const auto& p : problems) {
    if (p.severity != Severity::kError) continue;
    if (!msg.empty()) msg.push_back('\n');
    msg.append(p.ToString());
  }
  return msg.empty() ? Status::Ok() : InvalidArgument(msg);
}

Result<std::string> DecodePskKey(std::string_view b64) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string clean;
  for (char c : b64) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return InvalidArgument("PSK key is not padded standard base64 (length)");
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    char c = clean[i];
    if (c == '=') {
      // Padding only in the last two positions of the last quantum.
      if (i + 2 < clean.size()) return InvalidArgument("PSK key has misplaced '=' padding");
      ++pad;
      continue;
    }
    if (pad) return InvalidArgument("PSK key has data after '=' padding");
    size_t pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) {
      return InvalidArgument(std::string("PSK key is not standard base64 (bad character '") + c + "')");
    }
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

namespace {

class Checker {
 public:
  explicit Checker(std::vector<Problem>* out) : out_(out) {}
  void Error(std::string path, std::string msg) {
    out_->push_back({Severity::kError, std::move(path), std::move(msg)});
  }
  void Lint(std::string path, std::string msg) {
    out_->push_back({Severity::kWarning, std::move(path), std::move(msg)});
  }

 private:
  std::vector<Problem>* out_;
};

bool ValidPort(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  for (char c : p)
    if (c < '0' || c > '9') return false;
  return std::stoi(std::string(p)) <= 65535;
}

// Go net.SplitHostPort semantics: "host:port", "[v6]:port", ":port".
bool ValidHostPort(std::string_view s) {
  if (s.empty()) return false;
  if (s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    return ValidPort(s.substr(close + 2));
  }
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  if (s.substr(0, colon).find(':') != std::string_view::npos) return false;  // bare IPv6 needs brackets
  return ValidPort(s.substr(colon + 1));
}

bool ValidUrl(std::string_view s) {
  auto r = boost::urls::parse_absolute_uri(s);
  return r.has_value() && !r->scheme().empty();
}

// An http(s) URL with a host: "clair-indexer:6060" parses as scheme
// "clair-indexer" and would send unsigned requests nowhere, so refuse it.
bool ValidHttpUrl(std::string_view s) {
  auto r = boost::urls::parse_absolute_uri(s);
  if (!r.has_value()) return false;
  std::string scheme = ToLower(r->scheme());
  return (scheme == "http" || scheme == "https") && r->has_authority() && !r->host().empty();
}

void CheckTls(Checker& c, const std::optional<Tls>& tls, const std::string& path) {
  if (!tls) return;
  if (tls->cert.empty() != tls->key.empty()) c.Error(path, "both \"cert\" and \"key\" must be provided, or neither");
  std::error_code ec;
  for (const auto& [name, file] :
       {std::pair<std::string, std::string>{"root_ca", tls->root_ca}, {"cert", tls->cert}, {"key", tls->key}}) {
    if (!file.empty() && !std::filesystem::exists(file, ec)) {
      c.Error(path + "." + name, "file \"" + file + "\" does not exist");
    }
  }
  if (!tls->root_ca.empty()) c.Lint(path + ".root_ca", "root_ca is deprecated; use SSL_CERT_FILE/SSL_CERT_DIR");
}

void CheckConnString(Checker& c, const std::string& conn, const std::string& path) {
  if (conn.empty()) return;
  bool url = StartsWith(conn, "postgres://") || StartsWith(conn, "postgresql://") || StartsWith(conn, "sqlite:") ||
             StartsWith(conn, "file:");
  bool kv = conn.find('=') != std::string::npos;
  if (!url && !kv && conn.find('/') == std::string::npos) {
    c.Lint(path, "connection string is neither a URL nor key=value pairs");
  }
}

void CheckOtlpClient(Checker& c, const std::optional<OtlpClient>& cl, const std::string& path, bool http) {
  if (!cl) return;
  if (cl->timeout && cl->timeout->count() == 0) c.Lint(path + ".timeout", "timeout of 0 disables the deadline");
  if (cl->compression < 0 || cl->compression > 2) c.Error(path + ".compression", "compression must be 0, 1 or 2");
  if (http && !cl->url_path.empty()) {
    if (cl->url_path[0] != '/') c.Error(path + ".url_path", "url_path must be an absolute path");
    if (cl->url_path.size() > 1 && cl->url_path.back() == '/')
      c.Lint(path + ".url_path", "url_path has a trailing slash");
  }
  CheckTls(c, cl->client_tls, path + ".client_tls");
}

void CheckOtlp(Checker& c, const std::optional<OtlpConfig>& o, const std::string& path) {
  if (!o) return;
  CheckOtlpClient(c, o->http, path + ".http", true);
  CheckOtlpClient(c, o->grpc, path + ".grpc", false);
}

void FixCallback(Checker& c, std::string& cb, const std::string& path) {
  if (cb.empty()) return;
  if (cb.back() != '/') {
    cb.push_back('/');
    c.Lint(path, "callback does not end with '/'; one was appended");
  }
  if (!ValidHttpUrl(cb)) c.Error(path, "callback \"" + cb + "\" is not a valid URL");
}

}  // namespace

std::vector<Problem> Config::ValidateForMode(Mode mode) {
  std::vector<Problem> out;
  Checker c(&out);
  const bool combo = mode == Mode::kCombo;
  const bool want_indexer = combo || mode == Mode::kIndexer;
  const bool want_matcher = combo || mode == Mode::kMatcher;
  const bool want_notifier = combo || mode == Mode::kNotifier;

  // Top level.
  if (http_listen_addr.empty()) {
    http_listen_addr = ":6060";
    c.Lint("$.http_listen_addr", "http listen address not provided, default will be used (\":6060\")");
  }
  if (!ValidHostPort(http_listen_addr)) {
    c.Error("$.http_listen_addr", "\"" + http_listen_addr + "\" is not a host:port address");
  }
  if (introspection_addr.empty()) {
    introspection_addr = ":8089";
    c.Lint("$.introspection_addr", "introspection address not provided, default will be used (\":8089\")");
  }
  if (!ValidHostPort(introspection_addr)) {
    c.Error("$.introspection_addr", "\"" + introspection_addr + "\" is not a host:port address");
  }
  {
    log::Level lvl;
    bool color;
    if (!log::ParseLevel(log_level, &lvl, &color)) {
      c.Error("$.log_level",
              "unknown log level \"" + log_level + "\" (want debug-color, debug, info, warn, error, fatal, panic)");
    }
  }
  if (matcher.disable_updaters) {
    if (!updaters.configured_sets) updaters.configured_sets = updaters.sets;
    updaters.sets = std::vector<std::string>{};
  }
  CheckTls(c, tls, "$.tls");

  // Auth is checked in every mode.
  if (auth.keyserver) c.Error("$.auth.keyserver", "quay keyserver support has been removed");
  if (auth.psk) {
    auto key = DecodePskKey(auth.psk->key);
    if (!key.ok())
      c.Error("$.auth.psk.key", key.status().message());
    else if (key->empty())
      c.Error("$.auth.psk.key", "PSK key must not be empty");
    if (auth.psk->iss.empty()) c.Error("$.auth.psk.iss", "PSK issuer list must not be empty");
  }
  if (notifier.amqp && notifier.amqp->exchange.type.empty() && want_notifier) {
    c.Error("$.notifier.amqp.exchange.type", "exchange type is required (even for the default exchange)");
  }
  CheckOtlp(c, trace.otlp, "$.trace.otlp");
  CheckOtlp(c, metrics.otlp, "$.metrics.otlp");
  if (trace.probability && (*trace.probability < 0 || *trace.probability > 1)) {
    c.Error("$.trace.probability", "probability must be between 0 and 1");
  }

  if (want_indexer) {
    auto& ix = indexer;
    CheckConnString(c, ix.connstring, "$.indexer.connstring");
    if (ix.scanlock_retry <= 0) ix.scanlock_retry = 1;
    if (ix.scanlock_retry > 10) c.Lint("$.indexer.scanlock_retry", "scanlock_retry is unusually high (> 10)");
    if (ix.layer_scan_concurrency <= 0) ix.layer_scan_concurrency = 10;
    if (ix.layer_scan_concurrency < 4 || ix.layer_scan_concurrency > 32) {
      c.Lint("$.indexer.layer_scan_concurrency", "layer_scan_concurrency outside the sensible range 4..32");
    }
    if (ix.index_report_request_concurrency == 0) {
      unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
      ix.index_report_request_concurrency = 4 * static_cast<int64_t>(cpus);
      c.Lint("$.indexer.index_report_request_concurrency", "automatically sizing number of concurrent requests (" +
                                                               std::to_string(ix.index_report_request_concurrency) +
                                                               ")");
    }
  }

  if (want_matcher) {
    auto& m = matcher;
    CheckConnString(c, m.connstring, "$.matcher.connstring");
    if (mode == Mode::kMatcher) {
      if (m.indexer_addr.empty())
        c.Error("$.matcher.indexer_addr", "indexer_addr is required in matcher mode");
      else if (!ValidHttpUrl(m.indexer_addr)) {
        c.Error("$.matcher.indexer_addr",
                "\"" + m.indexer_addr + "\" is not a URL with a scheme (e.g. http://indexer:6060/)");
      }
    }
    if (m.period.count() <= 0) m.period = kDefaultMatcherPeriod;
    if (m.period < std::chrono::minutes(1))
      c.Lint("$.matcher.period", "period below 1m is treated as the default by updaters");
    if (m.update_retention < 0) {
      m.update_retention = 0;
      c.Lint("$.matcher.update_retention", "update_retention < 0: garbage collection of update operations is disabled");
    } else if (m.update_retention <= 1) {
      m.update_retention = 10;
    }
    if (m.cache_age.count() <= 0) m.cache_age = m.period;
    if (m.cache_age < m.period / 2) c.Lint("$.matcher.cache_age", "cache_age is less than half of period");
    if (m.max_conn_pool)
      c.Lint("$.matcher.max_conn_pool", "max_conn_pool is deprecated and ignored; use pool_max_conns in connstring");
  }

  if (want_notifier) {
    auto& n = notifier;
    CheckConnString(c, n.connstring, "$.notifier.connstring");
    if (mode == Mode::kNotifier) {
      for (auto [name, addr] :
           {std::pair<const char*, std::string*>{"indexer_addr", &n.indexer_addr}, {"matcher_addr", &n.matcher_addr}}) {
        std::string p = std::string("$.notifier.") + name;
        if (addr->empty())
          c.Error(p, std::string(name) + " is required in notifier mode");
        else if (!ValidHttpUrl(*addr))
          c.Error(p, "\"" + *addr + "\" is not a URL with a scheme");
      }
    }
    if (n.poll_interval < std::chrono::minutes(1)) {
      if (n.poll_interval.count() != 0) c.Lint("$.notifier.poll_interval", "poll_interval below 1m; using 6h");
      n.poll_interval = std::chrono::hours(6);
    }
    if (n.delivery_interval < std::chrono::minutes(1)) {
      if (n.delivery_interval.count() != 0)
        c.Lint("$.notifier.delivery_interval", "delivery_interval below 1m; using 1h");
      n.delivery_interval = std::chrono::hours(1);
    }
    if (n.disable_summary)
      c.Lint("$.notifier.disable_summary", "disable_summary produces one notification per vulnerability");
    int mechanisms = (n.webhook ? 1 : 0) + (n.amqp ? 1 : 0) + (n.stomp ? 1 : 0);
    if (mechanisms == 0) {
      if (mode == Mode::kNotifier)
        c.Error("$.notifier", "no delivery mechanism configured (webhook, amqp or stomp)");
      else
        c.Lint("$.notifier", "no delivery mechanism configured; the notifier will not run");
    } else if (mechanisms > 1) {
      c.Lint("$.notifier", "several delivery mechanisms configured; only one is used (webhook > amqp > stomp)");
    }
    if (n.webhook) {
      auto& w = *n.webhook;
      if (!ValidHttpUrl(w.target))
        c.Error("$.notifier.webhook.target", "target \"" + w.target + "\" is not a valid URL");
      if (w.callback.empty()) c.Error("$.notifier.webhook.callback", "callback is required");
      FixCallback(c, w.callback, "$.notifier.webhook.callback");
      if (w.signed_) c.Lint("$.notifier.webhook.signed", "signed is deprecated and has no effect");
    }
    if (n.amqp) {
      auto& a = *n.amqp;
      if (a.routing_key.empty()) c.Error("$.notifier.amqp.routing_key", "routing_key is required");
      if (a.uris.empty()) c.Error("$.notifier.amqp.uris", "at least one URI is required");
      for (size_t i = 0; i < a.uris.size(); ++i) {
        if (!ValidUrl(a.uris[i])) {
          c.Error("$.notifier.amqp.uris[" + std::to_string(i) + "]", "\"" + a.uris[i] + "\" is not a URL");
        } else if (std::string scheme = ToLower(a.uris[i].substr(0, a.uris[i].find(':')));
                   scheme != "amqp" && scheme != "amqps") {
          // Clair's client fails on such a URI at every delivery; say so now.
          c.Error("$.notifier.amqp.uris[" + std::to_string(i) + "]",
                  "\"" + a.uris[i] + "\" is not an amqp:// or amqps:// URL");
        }
      }
      if (!a.direct)
        FixCallback(c, a.callback, "$.notifier.amqp.callback");
      else if (!a.callback.empty())
        c.Lint("$.notifier.amqp.callback", "callback is ignored with direct delivery");
      if (a.rollup == 1) c.Lint("$.notifier.amqp.rollup", "rollup of 1 has no effect");
      CheckTls(c, a.tls, "$.notifier.amqp.tls");
    }
    if (n.stomp) {
      auto& s = *n.stomp;
      if (s.uris.empty()) c.Error("$.notifier.stomp.uris", "at least one host:port is required");
      if (s.destination.empty())
        c.Lint("$.notifier.stomp.destination", "destination is empty; brokers refuse SEND without one");
      for (size_t i = 0; i < s.uris.size(); ++i) {
        if (!ValidHostPort(s.uris[i]))
          c.Error("$.notifier.stomp.uris[" + std::to_string(i) + "]", "\"" + s.uris[i] + "\" is not host:port");
      }
      if (!s.direct)
        FixCallback(c, s.callback, "$.notifier.stomp.callback");
      else if (!s.callback.empty())
        c.Lint("$.notifier.stomp.callback", "callback is ignored with direct delivery");
      if (s.rollup == 1) c.Lint("$.notifier.stomp.rollup", "rollup of 1 has no effect");
      CheckTls(c, s.tls, "$.notifier.stomp.tls");
    }
  }
  if (metrics.prometheus_endpoint.empty())
    metrics.prometheus_endpoint = "/metrics";
  else if (metrics.prometheus_endpoint[0] != '/')
    c.Error("$.metrics.prometheus.endpoint", "endpoint must be an absolute path");
  return out;
}

std::string Config::EffectiveJson(bool pretty) const {
  auto v = internal::EncodeConfig(*this);
  return pretty ? json::Pretty(v) : json::Serialize(v);
}

}  // namespace lucid::config
