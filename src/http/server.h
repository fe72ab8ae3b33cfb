// Lucid's HTTP server: the Clair v1 API listener and the introspection
// listener (/healthz, /readyz, /metrics), on Boost.Beast with C++20
// coroutines. Beast stays inside server.cc.
//
//   http::ServerOptions opts = http::OptionsFromConfig(cfg, config::Mode::kCombo);
//   http::Server server(opts, &indexer, &matcher, &metrics::Registry::Default());
//   if (Status s = server.Start(); !s.ok()) ...   // binds, starts io threads
//   server.SetReady(true);                        // /readyz -> 200
//   ... wait for SIGTERM ...
//   server.Stop();                                // graceful, <= 10 s
//
// Requests are read on io threads; every API handler runs on a worker pool,
// so slow index requests and database calls never block other connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "http/auth/psk.h"
#include "http/metrics.h"
#include "services/indexer_service.h"
#include "services/matcher_service.h"
#include "services/notifier_service.h"

namespace lucid::http {

struct ServerOptions {
  std::string listen_addr = ":6060";  // host:port; port 0 = pick a free one
  // TLS on the API listener (contract §4.4): a PEM certificate chain (leaf
  // first) and an unencrypted PEM private key. Both empty = plain HTTP. The
  // introspection listener is always plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string introspection_addr = ":8089";  // "" = no introspection listener
  bool serve_indexer = true;                 // mount /indexer/api/v1/
  bool serve_matcher = true;                 // mount /matcher/api/v1/
  std::optional<auth::PskVerifier> psk;      // set = every API request needs a JWT
  // POST index_report gate (and the rest of upstream's predicate):
  // 0 -> 4 x CPUs, < 0 -> unlimited.
  int64_t index_concurrency = 0;
  std::chrono::seconds cache_age{1800};  // M1 Cache-Control: max-age
  // M1 bodies are reused this long (report_cache.h); 0 = recompute every request.
  std::chrono::milliseconds report_cache_ttl{2000};
  std::string openapi_path;     // JSON OpenAPI document for /openapi/v1 ("" -> 404)
  bool metrics_enabled = true;  // serve metrics on introspection
  std::string metrics_path = "/metrics";

  size_t max_body_bytes = 64u << 20;  // larger request bodies get 413
  size_t max_header_bytes = 64u << 10;
  size_t max_connections = 10000;  // per listener; extra connections are closed at once
  // Slow-client protection. None of these applies while a handler runs.
  std::chrono::milliseconds handshake_timeout{10000};  // TLS: from accept to a finished handshake
  std::chrono::milliseconds header_timeout{30000};     // request line + headers
  std::chrono::milliseconds body_timeout{300000};      // request body
  std::chrono::milliseconds idle_timeout{120000};      // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{300000};     // writing a response
  std::chrono::milliseconds shutdown_grace{10000};     // Stop() waits this long for in-flight requests
  int io_threads = 2;
  int worker_threads = 0;  // 0 -> max(8, gate size + 4), capped at 64

  // Build info for clair_cmd_version_info.
  std::string version = "lucid";
  std::string revision;
};

// Listener addresses, gate size, auth, cache age and metrics settings from a
// validated configuration (call Config::ValidateForMode first).
Result<ServerOptions> OptionsFromConfig(const config::Config& cfg, config::Mode mode);

class Server {
 public:
  // `indexer` serves /indexer routes and M1's report lookup (in matcher mode
  // pass the remote client); `matcher` may be null in indexer mode.
  // `metrics` null -> metrics::Registry::Default().
  Server(ServerOptions options, services::IndexerService* indexer, services::MatcherService* matcher,
         metrics::Registry* metrics);
  ~Server();  // Stop()s if needed
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS certificate and key (if configured), binds the listeners and
  // starts serving; returns once bound. A bad certificate or key is an error
  // naming the file. A failure to bind the introspection listener is logged
  // and tolerated (as upstream).
  Status Start();
  // Blocks until Stop() has completed (from another thread or a signal handler thread).
  void Wait();
  // Start() then Wait().
  Status Run();
  // Stops accepting, lets in-flight requests finish for up to shutdown_grace,
  // then cancels the remaining ones and returns. Idempotent, thread-safe.
  void Stop();
  // Mounts the notification API (notifier and combo modes); call before Start().
  void SetNotifier(services::NotifierService* notifier);
  // /readyz answers 200 once true.
  void SetReady(bool ready);
  // Vulnerability data changed (an update run finished): cached M1 bodies go.
  void InvalidateReports();

  uint16_t api_port() const;            // bound port (after Start)
  uint16_t introspection_port() const;  // 0 if not listening

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lucid::http
