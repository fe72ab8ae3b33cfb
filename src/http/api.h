// The Clair v1 HTTP API without the transport: Go-ServeMux-style routing,
// content negotiation, the error object and every indexer/matcher handler
// (contract §1). The server (server.h) reads requests, authenticates, asks
// Route() where a request goes, applies the concurrency gate and runs
// Handle() on a worker thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/report_cache.h"
#include "services/indexer_service.h"
#include "services/matcher_service.h"
#include "services/notifier_service.h"

namespace lucid::http {

struct ApiOptions {
  bool indexer = false;  // mount /indexer/api/v1/
  bool matcher = false;  // mount /matcher/api/v1/
  // JSON OpenAPI document served at /openapi/v1; "" -> 404. A sibling file
  // with the .yaml extension, if present, serves the YAML media types.
  std::string openapi_path;
  std::chrono::seconds cache_age{1800};  // M1 Cache-Control max-age
  std::string last_modified;             // robots.txt Last-Modified (HTTP date)
  // M1 bodies are reused this long (report_cache.h); 0 = recompute every time.
  std::chrono::milliseconds report_cache_ttl{2000};
};

// Where a request goes, decided on the io thread before any work.
struct Route {
  enum class Kind { kNotFound, kRedirect, kMethodNotAllowed, kHandler };
  Kind kind = Kind::kNotFound;
  std::string location;       // kRedirect
  std::string allowed;        // kMethodNotAllowed: "GET" / "POST or DELETE"
  std::string group;          // metrics <h>: indexerv1, matcherv1, discovery, "" (robots)
  std::string handler_label;  // metrics handler label, e.g. "/indexer/api/v1/index_report/:digest"
  bool gated = false;         // subject to the index_report concurrency gate
  int endpoint = 0;           // internal handler id
};

class Api {
 public:
  Api(ApiOptions options, services::IndexerService* indexer, services::MatcherService* matcher);

  Route Resolve(const std::string& method, const std::string& path, const std::string& query) const;
  // Runs the handler for `route` (kind kHandler) or renders the mux answer
  // for the other kinds. Blocking; call from a worker thread.
  Response Handle(const Route& route, const Request& req, const services::CancelFlag& cancel);

  // The answer when it is ready without blocking (an M1 report in the cache,
  // already in the negotiated coding); nullopt = run Handle() on a worker.
  std::optional<Response> TryCached(const Route& route, const Request& req);
  // Mounts /notifier/api/v1/ (notifier and combo modes); call before serving.
  void SetNotifier(services::NotifierService* notifier) { notifier_ = notifier; }

  // Drops every cached M1 body (vulnerability data changed).
  void InvalidateReports() { reports_->Clear(); }

  static Response Error(int status, std::string message);
  static Response NotFoundText();  // Go mux 404: text/plain "404 page not found"

 private:
  Response IndexReport(const Request& req, const services::CancelFlag& cancel);  // I1
  Response BulkDelete(const Request& req);                                       // I2
  Response GetIndexReport(const Request& req);                                   // I3
  Response DeleteIndexReport(const Request& req);                                // I4
  Response IndexState(const Request& req);                                       // I5
  Response AffectedManifests(const Request& req);                                // I6
  Response VulnerabilityReport(const Request& req);                              // M1
  Response UpdateOperations(const Request& req);                                 // M2
  Response DeleteUpdateOperation(const Request& req);                            // M3
  Response UpdateDiff(const Request& req);                                       // M4
  Response GetNotifications(const Request& req);                                 // N1
  Response DeleteNotifications(const Request& req);                              // N2
  Response OpenApi(const Request& req);                                          // D1
  Response Robots(const Request& req);

  Response VulnerabilityReportUncached(const Digest& digest);
  Response ReportResponse(std::shared_ptr<const std::string> body, const std::string& coding) const;

  ApiOptions options_;
  services::IndexerService* indexer_;
  services::MatcherService* matcher_;
  services::NotifierService* notifier_ = nullptr;
  std::unique_ptr<ReportCache> reports_;
};

// Go path.Clean plus ServeMux's trailing-slash rule.
std::string CleanPath(std::string_view p);
// §1.3 negotiation. Returns the chosen type, or "" with *status set (400 bad
// Accept, 415 no match).
std::string Negotiate(const std::vector<std::string_view>& accept, const std::vector<std::string>& allow, int* status);
// Go strconv.ParseBool truthiness ("1", "t", "T", "TRUE", "true", "True").
bool GoParseBoolTrue(std::string_view s);
bool IsUuid(std::string_view s);

}  // namespace lucid::http
