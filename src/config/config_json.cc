// Strict typed decoding of the merged configuration document and the
// effective-configuration encoder. Keys match like Go's encoding/json: exact
// first, then case-insensitively; unknown keys are errors (contract §4.2).
#include <boost/json.hpp>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/strings.h"
#include "config/config_internal.h"

namespace lucid::config::internal {
namespace bj = boost::json;

size_t EditDistance(std::string_view a, std::string_view b) {
  std::string x = ToLower(a), y = ToLower(b);
  std::vector<size_t> prev(y.size() + 1), cur(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      size_t sub = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[y.size()];
}

namespace {

class Decoder {
 public:
  explicit Decoder(std::string origin) : origin_(std::move(origin)) {}
  void Fail(const std::string& path, const std::string& msg) {
    errors_.push_back("error decoding config \"" + origin_ + "\": " + msg + " (at " + path + ")");
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string origin_;
  std::vector<std::string> errors_;
};

using FieldFn = std::function<void(Decoder&, const bj::value&, const std::string&)>;
struct FieldSpec {
  std::string_view name;
  FieldFn fn;
};
using Fields = std::vector<FieldSpec>;

std::string KindOf(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return "boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_:
      return "number";
    case bj::kind::string:
      return "string";
    case bj::kind::array:
      return "array";
    case bj::kind::object:
      return "object";
  }
  return "value";
}

std::string Hint(std::string_view key, const Fields& fields) {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  for (const auto& f : fields) {
    size_t d = EditDistance(key, f.name);
    if (d < best_d) {
      best_d = d;
      best = std::string(f.name);
    }
  }
  if (!best.empty() && best_d <= std::max<size_t>(2, key.size() / 3)) return "; did you mean \"" + best + "\"?";
  std::string all;
  for (const auto& f : fields) all += (all.empty() ? "" : ", ") + std::string(f.name);
  return "; known keys: " + all;
}

void DecodeObject(Decoder& d, const bj::value& v, const std::string& path, const Fields& fields) {
  if (v.is_null()) return;
  if (!v.is_object()) {
    d.Fail(path, "expected an object, got " + KindOf(v));
    return;
  }
  for (const auto& kv : v.get_object()) {
    const FieldSpec* match = nullptr;
    for (const auto& f : fields)
      if (f.name == kv.key()) match = &f;
    if (!match) {
      for (const auto& f : fields)
        if (EqualsIgnoreCase(f.name, kv.key())) match = &f;
    }
    if (!match) {
      d.Fail(path + "." + std::string(kv.key()),
             "unknown field \"" + std::string(kv.key()) + "\"" + Hint(kv.key(), fields));
      continue;
    }
    match->fn(d, kv.value(), path + "." + std::string(match->name));
  }
}

FieldFn Str(std::string& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return;
    if (!v.is_string()) return d.Fail(p, "expected a string, got " + KindOf(v));
    out = std::string(v.get_string());
  };
}

FieldFn Bool(bool& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return;
    if (!v.is_bool()) return d.Fail(p, "expected a boolean (true/false), got " + KindOf(v));
    out = v.get_bool();
  };
}

bool ToInt(const bj::value& v, int64_t* out) {
  if (v.is_int64()) {
    *out = v.get_int64();
    return true;
  }
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v.get_uint64());
    return true;
  }
  return false;
}

FieldFn Int(int64_t& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return;
    if (!ToInt(v, &out)) d.Fail(p, "expected an integer, got " + (v.is_double() ? "a fractional number" : KindOf(v)));
  };
}

FieldFn OptInt(std::optional<int64_t>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.reset();
    int64_t i;
    if (!ToInt(v, &i)) return d.Fail(p, "expected an integer, got " + KindOf(v));
    out = i;
  };
}

FieldFn OptFloat(std::optional<double>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.reset();
    if (v.is_double())
      out = v.get_double();
    else if (v.is_int64())
      out = static_cast<double>(v.get_int64());
    else if (v.is_uint64())
      out = static_cast<double>(v.get_uint64());
    else
      d.Fail(p, "expected a number, got " + KindOf(v));
  };
}

bool ToDuration(Decoder& d, const bj::value& v, const std::string& p, Duration* out) {
  if (!v.is_string()) {
    d.Fail(p, "expected a duration string such as \"30m\" or \"1h30m\", got " + KindOf(v));
    return false;
  }
  auto r = ParseDuration(v.get_string());
  if (!r.ok()) {
    d.Fail(p, r.status().message());
    return false;
  }
  *out = *r;
  return true;
}

FieldFn Dur(Duration& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return;
    ToDuration(d, v, p, &out);
  };
}

FieldFn OptDur(std::optional<Duration>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.reset();
    Duration x{0};
    if (ToDuration(d, v, p, &x)) out = x;
  };
}

bool ToStrList(Decoder& d, const bj::value& v, const std::string& p, std::vector<std::string>* out) {
  if (!v.is_array()) {
    d.Fail(p, "expected a list of strings, got " + KindOf(v));
    return false;
  }
  out->clear();
  size_t i = 0;
  bool ok = true;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) {
      d.Fail(p + "[" + std::to_string(i) + "]", "expected a string, got " + KindOf(e));
      ok = false;
    } else {
      out->emplace_back(e.get_string());
    }
    ++i;
  }
  return ok;
}

FieldFn StrList(std::vector<std::string>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.clear();
    ToStrList(d, v, p, &out);
  };
}

FieldFn OptStrList(std::optional<std::vector<std::string>>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.reset();
    std::vector<std::string> l;
    if (ToStrList(d, v, p, &l)) out = std::move(l);
  };
}

// Free-form map: name -> anything, kept as JSON text.
FieldFn FreeMap(std::map<std::string, std::string>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.clear();
    if (!v.is_object()) return d.Fail(p, "expected an object, got " + KindOf(v));
    for (const auto& kv : v.get_object()) out[std::string(kv.key())] = bj::serialize(kv.value());
  };
}

FieldFn StrMap(std::map<std::string, std::string>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.clear();
    if (!v.is_object()) return d.Fail(p, "expected an object, got " + KindOf(v));
    for (const auto& kv : v.get_object()) {
      if (!kv.value().is_string()) {
        d.Fail(p + "." + std::string(kv.key()), "expected a string, got " + KindOf(kv.value()));
        continue;
      }
      out[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  };
}

FieldFn ListMap(std::map<std::string, std::vector<std::string>>& out) {
  return [&out](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.clear();
    if (!v.is_object()) return d.Fail(p, "expected an object, got " + KindOf(v));
    for (const auto& kv : v.get_object()) {
      std::vector<std::string> l;
      if (ToStrList(d, kv.value(), p + "." + std::string(kv.key()), &l)) out[std::string(kv.key())] = std::move(l);
    }
  };
}

template <typename T>
FieldFn Obj(T& out, Fields (*fields)(T&)) {
  return [&out, fields](Decoder& d, const bj::value& v, const std::string& p) { DecodeObject(d, v, p, fields(out)); };
}

template <typename T>
FieldFn OptObj(std::optional<T>& out, Fields (*fields)(T&)) {
  return [&out, fields](Decoder& d, const bj::value& v, const std::string& p) {
    if (v.is_null()) return out.reset();
    if (!out) out.emplace();
    DecodeObject(d, v, p, fields(*out));
  };
}

// --- schema ---------------------------------------------------------------

Fields TlsFields(Tls& t) { return {{"root_ca", Str(t.root_ca)}, {"cert", Str(t.cert)}, {"key", Str(t.key)}}; }

Fields ScannerFields(IndexerConfig& c) {
  return {
      {"package", FreeMap(c.scanner_package)}, {"dist", FreeMap(c.scanner_dist)}, {"repo", FreeMap(c.scanner_repo)}};
}

Fields IndexerFields(IndexerConfig& c) {
  return {{"connstring", Str(c.connstring)},
          {"migrations", Bool(c.migrations)},
          {"scanlock_retry", Int(c.scanlock_retry)},
          {"layer_scan_concurrency", Int(c.layer_scan_concurrency)},
          {"index_report_request_concurrency", Int(c.index_report_request_concurrency)},
          {"airgap", Bool(c.airgap)},
          {"scanner", Obj(c, &ScannerFields)}};
}

Fields MatcherFields(MatcherConfig& c) {
  return {{"connstring", Str(c.connstring)},
          {"indexer_addr", Str(c.indexer_addr)},
          {"migrations", Bool(c.migrations)},
          {"period", Dur(c.period)},
          {"update_retention", Int(c.update_retention)},
          {"disable_updaters", Bool(c.disable_updaters)},
          {"disable_enrichment", Bool(c.disable_enrichment)},
          {"cache_age", Dur(c.cache_age)},
          {"max_conn_pool", OptInt(c.max_conn_pool)}};
}

Fields MatchersFields(MatchersConfig& c) { return {{"names", OptStrList(c.names)}, {"config", FreeMap(c.config)}}; }

Fields UpdatersFields(UpdatersConfig& c) {
  return {{"sets", OptStrList(c.sets)}, {"config", FreeMap(c.config)}, {"filter", Str(c.filter)}};
}

Fields WebhookFields(WebhookConfig& c) {
  return {{"target", Str(c.target)},
          {"callback", Str(c.callback)},
          {"headers", ListMap(c.headers)},
          {"signed", Bool(c.signed_)}};
}

Fields ExchangeFields(AmqpExchange& c) {
  return {{"name", Str(c.name)},
          {"type", Str(c.type)},
          {"durability", Bool(c.durability)},
          {"auto_delete", Bool(c.auto_delete)}};
}

Fields AmqpFields(AmqpConfig& c) {
  return {{"uris", StrList(c.uris)},           {"exchange", Obj(c.exchange, &ExchangeFields)},
          {"routing_key", Str(c.routing_key)}, {"direct", Bool(c.direct)},
          {"rollup", Int(c.rollup)},           {"callback", Str(c.callback)},
          {"tls", OptObj(c.tls, &TlsFields)}};
}

Fields StompUserFields(StompUser& u) { return {{"login", Str(u.login)}, {"passcode", Str(u.passcode)}}; }

Fields StompFields(StompConfig& c) {
  return {{"uris", StrList(c.uris)},
          {"destination", Str(c.destination)},
          {"direct", Bool(c.direct)},
          {"rollup", Int(c.rollup)},
          {"callback", Str(c.callback)},
          {"tls", OptObj(c.tls, &TlsFields)},
          {"user", OptObj(c.user, &StompUserFields)}};
}

Fields NotifierFields(NotifierConfig& c) {
  return {{"connstring", Str(c.connstring)},
          {"migrations", Bool(c.migrations)},
          {"indexer_addr", Str(c.indexer_addr)},
          {"matcher_addr", Str(c.matcher_addr)},
          {"poll_interval", Dur(c.poll_interval)},
          {"delivery_interval", Dur(c.delivery_interval)},
          {"disable_summary", Bool(c.disable_summary)},
          {"webhook", OptObj(c.webhook, &WebhookFields)},
          {"amqp", OptObj(c.amqp, &AmqpFields)},
          {"stomp", OptObj(c.stomp, &StompFields)}};
}

Fields PskFields(PskConfig& c) { return {{"key", Str(c.key)}, {"iss", StrList(c.iss)}}; }
Fields KeyserverFields(KeyserverConfig& c) { return {{"api", Str(c.api)}, {"intraservice", Str(c.intraservice)}}; }
Fields AuthFields(AuthConfig& c) {
  return {{"psk", OptObj(c.psk, &PskFields)}, {"keyserver", OptObj(c.keyserver, &KeyserverFields)}};
}

Fields OtlpHttpFields(OtlpClient& c) {
  return {{"endpoint", Str(c.endpoint)},       {"insecure", Bool(c.insecure)},
          {"headers", StrMap(c.headers)},      {"timeout", OptDur(c.timeout)},
          {"compression", Int(c.compression)}, {"client_tls", OptObj(c.client_tls, &TlsFields)},
          {"url_path", Str(c.url_path)}};
}
Fields OtlpGrpcFields(OtlpClient& c) {
  return {{"endpoint", Str(c.endpoint)},       {"insecure", Bool(c.insecure)},
          {"headers", StrMap(c.headers)},      {"timeout", OptDur(c.timeout)},
          {"compression", Int(c.compression)}, {"client_tls", OptObj(c.client_tls, &TlsFields)},
          {"reconnect", OptDur(c.reconnect)},  {"service_config", Str(c.service_config)}};
}
Fields OtlpFields(OtlpConfig& c) {
  return {{"http", OptObj(c.http, &OtlpHttpFields)}, {"grpc", OptObj(c.grpc, &OtlpGrpcFields)}};
}

Fields JaegerAgentFields(JaegerConfig& c) { return {{"endpoint", Str(c.agent_endpoint)}}; }
Fields JaegerCollectorFields(JaegerConfig& c) {
  return {{"endpoint", Str(c.collector_endpoint)},
          {"username", Str(c.collector_username)},
          {"password", Str(c.collector_password)}};
}
Fields JaegerFields(JaegerConfig& c) {
  return {{"agent", Obj(c, &JaegerAgentFields)},
          {"collector", Obj(c, &JaegerCollectorFields)},
          {"service_name", Str(c.service_name)},
          {"tags", StrMap(c.tags)},
          {"buffer_max", OptInt(c.buffer_max)}};
}
Fields SentryFields(SentryConfig& c) { return {{"dsn", Str(c.dsn)}, {"environment", Str(c.environment)}}; }

Fields TraceFields(TraceConfig& c) {
  return {{"name", Str(c.name)},
          {"probability", OptFloat(c.probability)},
          {"jaeger", OptObj(c.jaeger, &JaegerFields)},
          {"otlp", OptObj(c.otlp, &OtlpFields)},
          {"sentry", OptObj(c.sentry, &SentryFields)}};
}

Fields PrometheusFields(MetricsConfig& c) { return {{"endpoint", Str(c.prometheus_endpoint)}}; }
Fields MetricsFields(MetricsConfig& c) {
  return {{"name", Str(c.name)}, {"prometheus", Obj(c, &PrometheusFields)}, {"otlp", OptObj(c.otlp, &OtlpFields)}};
}

Fields TopFields(Config& c) {
  return {{"http_listen_addr", Str(c.http_listen_addr)},
          {"introspection_addr", Str(c.introspection_addr)},
          {"log_level",
           [&c](Decoder& d, const bj::value& v, const std::string& p) {
             if (v.is_null()) return;
             if (!v.is_string()) return d.Fail(p, "expected a string, got " + KindOf(v));
             c.log_level = std::string(v.get_string());
             if (c.log_level.empty()) d.Fail(p, "log_level must not be empty");
           }},
          {"tls", OptObj(c.tls, &TlsFields)},
          {"indexer", Obj(c.indexer, &IndexerFields)},
          {"matcher", Obj(c.matcher, &MatcherFields)},
          {"matchers", Obj(c.matchers, &MatchersFields)},
          {"updaters", Obj(c.updaters, &UpdatersFields)},
          {"notifier", Obj(c.notifier, &NotifierFields)},
          {"auth", Obj(c.auth, &AuthFields)},
          {"trace", Obj(c.trace, &TraceFields)},
          {"metrics", Obj(c.metrics, &MetricsFields)}};
}

// --- encoding -------------------------------------------------------------

bj::value Free(const std::map<std::string, std::string>& m) {
  bj::object o;
  for (const auto& [k, text] : m) {
    boost::system::error_code ec;
    auto v = bj::parse(text, ec);
    o[k] = ec ? bj::value(bj::string(text)) : v;
  }
  return o;
}

bj::value Strs(const std::vector<std::string>& l) {
  bj::array a;
  for (const auto& s : l) a.emplace_back(bj::string(s));
  return a;
}

bj::value OptStrs(const std::optional<std::vector<std::string>>& l) { return l ? Strs(*l) : bj::value(nullptr); }

bj::value EncTls(const std::optional<Tls>& t) {
  if (!t) return nullptr;
  return bj::object{{"root_ca", t->root_ca}, {"cert", t->cert}, {"key", t->key}};
}

bj::value EncOtlpClient(const std::optional<OtlpClient>& c, bool grpc) {
  if (!c) return nullptr;
  bj::object o{{"endpoint", c->endpoint}, {"insecure", c->insecure}, {"compression", c->compression}};
  bj::object h;
  for (const auto& [k, v] : c->headers) h[k] = v;
  o["headers"] = std::move(h);
  o["timeout"] = c->timeout ? bj::value(FormatDuration(*c->timeout)) : bj::value(nullptr);
  o["client_tls"] = EncTls(c->client_tls);
  if (grpc) {
    o["reconnect"] = c->reconnect ? bj::value(FormatDuration(*c->reconnect)) : bj::value(nullptr);
    o["service_config"] = c->service_config;
  } else {
    o["url_path"] = c->url_path;
  }
  return o;
}

bj::value EncOtlp(const std::optional<OtlpConfig>& c) {
  if (!c) return nullptr;
  return bj::object{{"http", EncOtlpClient(c->http, false)}, {"grpc", EncOtlpClient(c->grpc, true)}};
}

}  // namespace

Result<Config> DecodeValue(const bj::value& doc, const std::string& origin) {
  Config c;
  c.source = origin;
  Decoder d(origin);
  if (!doc.is_object()) {
    return InvalidArgument("error decoding config \"" + origin + "\": top level must be an object");
  }
  DecodeObject(d, doc, "$", TopFields(c));
  if (!d.errors().empty()) {
    std::string msg;
    for (const auto& e : d.errors()) msg += (msg.empty() ? "" : "\n") + e;
    return InvalidArgument(msg);
  }
  return c;
}

bj::value EncodeConfig(const Config& c) {
  bj::object top;
  top["http_listen_addr"] = c.http_listen_addr;
  top["introspection_addr"] = c.introspection_addr;
  top["log_level"] = c.log_level;
  top["tls"] = EncTls(c.tls);
  const auto& ix = c.indexer;
  top["indexer"] = bj::object{{"connstring", ix.connstring},
                              {"migrations", ix.migrations},
                              {"scanlock_retry", ix.scanlock_retry},
                              {"layer_scan_concurrency", ix.layer_scan_concurrency},
                              {"index_report_request_concurrency", ix.index_report_request_concurrency},
                              {"airgap", ix.airgap},
                              {"scanner", bj::object{{"package", Free(ix.scanner_package)},
                                                     {"dist", Free(ix.scanner_dist)},
                                                     {"repo", Free(ix.scanner_repo)}}}};
  const auto& m = c.matcher;
  top["matcher"] = bj::object{{"connstring", m.connstring},
                              {"indexer_addr", m.indexer_addr},
                              {"migrations", m.migrations},
                              {"period", FormatDuration(m.period)},
                              {"update_retention", m.update_retention},
                              {"disable_updaters", m.disable_updaters},
                              {"disable_enrichment", m.disable_enrichment},
                              {"cache_age", FormatDuration(m.cache_age)},
                              {"max_conn_pool", m.max_conn_pool ? bj::value(*m.max_conn_pool) : bj::value(nullptr)}};
  top["matchers"] = bj::object{{"names", OptStrs(c.matchers.names)}, {"config", Free(c.matchers.config)}};
  top["updaters"] = bj::object{
      {"sets", OptStrs(c.updaters.sets)}, {"config", Free(c.updaters.config)}, {"filter", c.updaters.filter}};
  const auto& n = c.notifier;
  bj::object no{{"connstring", n.connstring},
                {"migrations", n.migrations},
                {"indexer_addr", n.indexer_addr},
                {"matcher_addr", n.matcher_addr},
                {"poll_interval", FormatDuration(n.poll_interval)},
                {"delivery_interval", FormatDuration(n.delivery_interval)},
                {"disable_summary", n.disable_summary}};
  if (n.webhook) {
    bj::object h;
    for (const auto& [k, v] : n.webhook->headers) h[k] = Strs(v);
    no["webhook"] = bj::object{{"target", n.webhook->target},
                               {"callback", n.webhook->callback},
                               {"headers", std::move(h)},
                               {"signed", n.webhook->signed_}};
  } else {
    no["webhook"] = nullptr;
  }
  if (n.amqp) {
    const auto& a = *n.amqp;
    no["amqp"] = bj::object{{"uris", Strs(a.uris)},
                            {"exchange", bj::object{{"name", a.exchange.name},
                                                    {"type", a.exchange.type},
                                                    {"durability", a.exchange.durability},
                                                    {"auto_delete", a.exchange.auto_delete}}},
                            {"routing_key", a.routing_key},
                            {"direct", a.direct},
                            {"rollup", a.rollup},
                            {"callback", a.callback},
                            {"tls", EncTls(a.tls)}};
  } else {
    no["amqp"] = nullptr;
  }
  if (n.stomp) {
    const auto& s = *n.stomp;
    no["stomp"] =
        bj::object{{"uris", Strs(s.uris)},
                   {"destination", s.destination},
                   {"direct", s.direct},
                   {"rollup", s.rollup},
                   {"callback", s.callback},
                   {"tls", EncTls(s.tls)},
                   {"user", s.user ? bj::value(bj::object{{"login", s.user->login}, {"passcode", s.user->passcode}})
                                   : bj::value(nullptr)}};
  } else {
    no["stomp"] = nullptr;
  }
  top["notifier"] = std::move(no);
  bj::object auth;
  auth["psk"] =
      c.auth.psk ? bj::value(bj::object{{"key", c.auth.psk->key}, {"iss", Strs(c.auth.psk->iss)}}) : bj::value(nullptr);
  auth["keyserver"] =
      c.auth.keyserver
          ? bj::value(bj::object{{"api", c.auth.keyserver->api}, {"intraservice", c.auth.keyserver->intraservice}})
          : bj::value(nullptr);
  top["auth"] = std::move(auth);
  const auto& t = c.trace;
  bj::object tr{{"name", t.name},
                {"probability", t.probability ? bj::value(*t.probability) : bj::value(nullptr)},
                {"otlp", EncOtlp(t.otlp)}};
  if (t.jaeger) {
    bj::object tags;
    for (const auto& [k, v] : t.jaeger->tags) tags[k] = v;
    tr["jaeger"] =
        bj::object{{"agent", bj::object{{"endpoint", t.jaeger->agent_endpoint}}},
                   {"collector", bj::object{{"endpoint", t.jaeger->collector_endpoint},
                                            {"username", t.jaeger->collector_username},
                                            {"password", t.jaeger->collector_password}}},
                   {"service_name", t.jaeger->service_name},
                   {"tags", std::move(tags)},
                   {"buffer_max", t.jaeger->buffer_max ? bj::value(*t.jaeger->buffer_max) : bj::value(nullptr)}};
  } else {
    tr["jaeger"] = nullptr;
  }
  tr["sentry"] = t.sentry ? bj::value(bj::object{{"dsn", t.sentry->dsn}, {"environment", t.sentry->environment}})
                          : bj::value(nullptr);
  top["trace"] = std::move(tr);
  top["metrics"] = bj::object{{"name", c.metrics.name},
                              {"prometheus", bj::object{{"endpoint", c.metrics.prometheus_endpoint}}},
                              {"otlp", EncOtlp(c.metrics.otlp)}};
  return top;
}

}  // namespace lucid::config::internal
