// Outbound HTTP over libcurl: registry blobs, layer URIs, feeds, webhooks.
// Honours HTTP(S)_PROXY/NO_PROXY and SSL_CERT_FILE/SSL_CERT_DIR (curl does
// this from the environment), follows redirects, and streams bodies to a
// callback or a spool file so memory never grows with the body size.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::net {

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::seconds timeout{300};  // whole transfer
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds stall_timeout{60};  // abort when < 1 byte/s for this long
  uint64_t max_body_bytes = 0;             // 0 = unlimited
  bool follow_redirects = true;
  bool allow_plain_http = true;
  // PEM CA bundle to verify https servers against instead of SSL_CERT_FILE
  // (or curl's default bundle); "" = those. Clair's deprecated tls.root_ca.
  std::string ca_file;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names, last value wins
  std::string body;                            // only for Fetch(), not FetchTo*()
  std::string effective_url;
  std::string proxy;  // proxy used, "" if direct
  uint64_t bytes = 0;
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  // Body into memory (capped by max_body_bytes; default cap 64 MiB here).
  Result<Response> Fetch(const Request& req);
  // Body streamed to `sink`; returning false from sink aborts with Cancelled.
  Result<Response> FetchTo(const Request& req, const std::function<bool(const char*, size_t)>& sink);
  // Body streamed to a file at `path` (created/truncated).
  Result<Response> FetchToFile(const Request& req, const std::string& path);

  std::string user_agent = "lucid";

  // Caps applied to every request of this client on top of the request's own
  // values (0 = no cap), so a framework (the update manager) can bound the
  // transfers of plug-ins that build their own requests.
  struct Limits {
    uint64_t max_body_bytes = 0;
    std::chrono::seconds timeout{0};
    std::chrono::seconds stall_timeout{0};
  };
  Limits limits;

 private:
  struct Impl;
  Impl* impl_;
};

// A Status for a non-2xx response, naming the URL, the proxy and the HTTP
// status: 404 -> NotFound, 401/403 -> PermissionDenied, 408/429/5xx ->
// Unavailable, anything else -> InvalidArgument. Fetch*() return non-2xx
// responses as values (callers need the headers, e.g. WWW-Authenticate).
Status HttpError(const Request& req, const Response& resp);

// Which proxy curl will use for `url` given the environment ("" = direct).
std::string ProxyFor(std::string_view url);

}  // namespace lucid::net
