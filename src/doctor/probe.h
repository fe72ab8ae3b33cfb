// Network probes with hard deadlines, for doctor: name resolution (getaddrinfo
// on a helper thread the caller stops waiting for) and one HTTP(S) GET through
// libcurl (proxies and CA trust from the environment, like net::HttpClient)
// that stops after the response headers and says which phase failed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace lucid::doctor {

struct DnsResult {
  bool ok = false;
  bool timed_out = false;
  std::vector<std::string> addresses;
  std::string error;
};
DnsResult Resolve(const std::string& host, std::chrono::milliseconds deadline);

struct ProbeResult {
  // "ok" (a response arrived, any status), or the phase that failed:
  // "proxy", "dns", "tcp", "tls", "http", "timeout".
  std::string phase;
  long status = 0;          // final HTTP status
  long proxy_status = 0;    // the proxy's answer to CONNECT (0 if none)
  std::string proxy;        // proxy used ("" = direct)
  std::string error;        // curl's message
  std::string date;         // the Date response header, if any
  long long date_unix = 0;  // parsed Date (0 if absent/unparsable)
  double connect_seconds = 0, tls_seconds = 0, total_seconds = 0;
  std::string primary_ip;
};

struct ProbeOptions {
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds total_timeout{10};
  std::vector<std::string> headers;  // "Name: value"
};
ProbeResult Probe(const std::string& url, const ProbeOptions& opts);

// "https://host:port" -> host (brackets of IPv6 literals removed), "" if none.
std::string UrlHost(const std::string& url);

}  // namespace lucid::doctor
