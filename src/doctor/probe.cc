#include "doctor/probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

#include "net/http_client.h"

namespace lucid::doctor {

DnsResult Resolve(const std::string& host, std::chrono::milliseconds deadline) {
  // getaddrinfo cannot be cancelled; the worker owns its state and outlives
  // the wait if it must (it ends when the resolver gives up).
  auto promise = std::make_shared<std::promise<DnsResult>>();
  auto future = promise->get_future();
  std::thread([promise, host] {
    DnsResult r;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      r.error = gai_strerror(rc);
    } else {
      r.ok = true;
      for (addrinfo* a = res; a != nullptr && r.addresses.size() < 4; a = a->ai_next) {
        char buf[INET6_ADDRSTRLEN] = {0};
        const void* src = a->ai_family == AF_INET
                              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
        if (inet_ntop(a->ai_family, src, buf, sizeof buf) != nullptr) r.addresses.push_back(buf);
      }
      freeaddrinfo(res);
    }
    promise->set_value(std::move(r));
  }).detach();
  if (future.wait_for(deadline) != std::future_status::ready) {
    DnsResult r;
    r.timed_out = true;
    r.error = "no answer within " + std::to_string(deadline.count()) + " ms";
    return r;
  }
  return future.get();
}

std::string UrlHost(const std::string& url) {
  auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

namespace {

struct Capture {
  ProbeResult* r;
  bool got_body = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* cap = static_cast<Capture*>(user);
  std::string line(data, size * n);
  if (line.size() > 5 && (line[0] == 'D' || line[0] == 'd') && line.compare(1, 4, "ate:") == 0) {
    std::string v = line.substr(5);
    while (!v.empty() && (v.front() == ' ')) v.erase(v.begin());
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    cap->r->date = v;
    time_t t = curl_getdate(v.c_str(), nullptr);
    cap->r->date_unix = t > 0 ? static_cast<long long>(t) : 0;
  }
  return size * n;
}

// The headers are all a probe needs: abort at the first body byte.
size_t OnBody(char*, size_t, size_t, void* user) {
  static_cast<Capture*>(user)->got_body = true;
  return 0;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

ProbeResult Probe(const std::string& url, const ProbeOptions& opts) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  ProbeResult r;
  r.proxy = net::ProxyFor(url);
  CURL* c = curl_easy_init();
  if (c == nullptr) {
    r.phase = "http";
    r.error = "curl_easy_init failed";
    return r;
  }
  Capture cap{&r};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* hdrs = nullptr;
  for (const auto& h : opts.headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opts.connect_timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(opts.total_timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "lucid-doctor");
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &cap);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &cap);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (hdrs != nullptr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  std::string ca_file = Env("SSL_CERT_FILE"), ca_dir = Env("SSL_CERT_DIR");
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  if (!ca_dir.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, ca_dir.c_str());

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &r.proxy_status);
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &r.connect_seconds);
  curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME, &r.tls_seconds);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.total_seconds);
  char* ip = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) r.primary_ip = ip;
  r.error = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && cap.got_body)) {
    r.phase = "ok";
    r.error.clear();
  } else {
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_PROXY:
        r.phase = "proxy";
        break;
      case CURLE_COULDNT_RESOLVE_HOST:
        r.phase = "dns";
        break;
      case CURLE_COULDNT_CONNECT:
        r.phase = r.proxy.empty() ? "tcp" : "proxy";
        break;
      case CURLE_OPERATION_TIMEDOUT:
        r.phase = "timeout";
        break;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_SSL_CRL_BADFILE:
        r.phase = "tls";
        break;
      default:
        r.phase = "http";
        break;
    }
    // A proxy that answered CONNECT with an error, or dropped the tunnel.
    if (!r.proxy.empty() && (r.proxy_status >= 300 || rc == CURLE_PROXY || rc == CURLE_RECV_ERROR)) r.phase = "proxy";
    if (rc == CURLE_OPERATION_TIMEDOUT && r.connect_seconds == 0) r.phase = r.proxy.empty() ? "tcp" : "proxy";
  }
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace lucid::doctor
