#include "http/server.h"

namespace lucid::http {

Result<ServerOptions> OptionsFromConfig(const config::Config& cfg, config::Mode mode) {
  ServerOptions o;
  o.listen_addr = cfg.http_listen_addr.empty() ? ":6060" : cfg.http_listen_addr;
  o.introspection_addr = cfg.introspection_addr.empty() ? ":8089" : cfg.introspection_addr;
  o.serve_indexer = mode == config::Mode::kCombo || mode == config::Mode::kIndexer;
  o.serve_matcher = mode == config::Mode::kCombo || mode == config::Mode::kMatcher;
  o.index_concurrency = cfg.indexer.index_report_request_concurrency;
  auto age = std::chrono::duration_cast<std::chrono::seconds>(cfg.matcher.cache_age);
  if (age.count() <= 0) age = std::chrono::duration_cast<std::chrono::seconds>(config::kDefaultMatcherPeriod);
  o.cache_age = age;
  o.metrics_enabled = cfg.metrics.name.empty() || cfg.metrics.name == "prometheus";
  o.metrics_path = cfg.metrics.prometheus_endpoint.empty() ? "/metrics" : cfg.metrics.prometheus_endpoint;
  if (cfg.auth.keyserver) return InvalidArgument("quay keyserver support has been removed");
  if (cfg.auth.psk) {
    auto v = auth::PskVerifier::FromConfig(*cfg.auth.psk);
    if (!v.ok()) return v.status();
    o.psk = std::move(*v);
  }
  // tls.root_ca only concerns outbound clients (cmd_serve passes it on).
  if (cfg.tls && (!cfg.tls->cert.empty() || !cfg.tls->key.empty())) {
    if (cfg.tls->cert.empty() || cfg.tls->key.empty()) {
      return InvalidArgument("tls: both \"cert\" and \"key\" must be provided, or neither");
    }
    o.tls_cert_file = cfg.tls->cert;
    o.tls_key_file = cfg.tls->key;
  }
  return o;
}

}  // namespace lucid::http
