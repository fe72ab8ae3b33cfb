#include "net/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/strings.h"

namespace lucid::net {

namespace {

constexpr uint64_t kDefaultFetchCap = 64ull << 20;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Splits "scheme://host[:port]/..." into lower-cased scheme and host.
void SplitUrl(std::string_view url, std::string* scheme, std::string* host) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    *scheme = "http";
  } else {
    *scheme = ToLower(url.substr(0, sep));
    url.remove_prefix(sep + 3);
  }
  auto end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    *host = ToLower(authority.substr(1, close == std::string_view::npos ? authority.size() - 1 : close - 1));
    return;
  }
  auto colon = authority.find(':');
  *host = ToLower(authority.substr(0, colon));
}

// curl's NO_PROXY rules: "*" matches all; each comma/space separated entry
// matches the host itself or any subdomain (a leading "." is ignored).
bool NoProxyMatches(std::string_view host, const std::string& no_proxy) {
  std::string list = ToLower(no_proxy);
  for (char& c : list) {
    if (c == ' ') c = ',';
  }
  for (auto entry : SplitString(list, ',')) {
    entry = TrimSpace(entry);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.remove_prefix(1);
    if (!entry.empty() && entry.back() == '.') entry.remove_suffix(1);
    if (host == entry) return true;
    if (host.size() > entry.size() && EndsWith(host, entry) && host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

struct Transfer {
  const std::function<bool(const char*, size_t)>* sink = nullptr;
  uint64_t max_bytes = 0;
  uint64_t bytes = 0;
  bool too_large = false;
  bool cancelled = false;
  Response* resp = nullptr;
};

size_t WriteCb(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->max_bytes != 0 && t->bytes + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  t->bytes += n;
  if (!(*t->sink)(data, n)) {
    t->cancelled = true;
    return 0;
  }
  return n;
}

size_t HeaderCb(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  if (StartsWith(line, "HTTP/")) {
    // A new response (redirect or 100-continue): forget the previous headers.
    t->resp->headers.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = ToLower(TrimSpace(line.substr(0, colon)));
  t->resp->headers[name] = std::string(TrimSpace(line.substr(colon + 1)));
  return n;
}

}  // namespace

std::string Response::header(std::string_view name) const {
  auto it = headers.find(ToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string ProxyFor(std::string_view url) {
  std::string scheme, host;
  SplitUrl(url, &scheme, &host);
  std::string no_proxy = Env("no_proxy");
  if (no_proxy.empty()) no_proxy = Env("NO_PROXY");
  if (!no_proxy.empty() && NoProxyMatches(host, no_proxy)) return "";
  // curl reads "<scheme>_proxy" in lower case first; only https/ftp/... also in
  // upper case (HTTP_PROXY upper case is ignored for http, as in curl).
  std::string proxy = Env((scheme + "_proxy").c_str());
  if (proxy.empty() && scheme != "http") proxy = Env((Upper(scheme) + "_PROXY").c_str());
  if (proxy.empty()) proxy = Env("all_proxy");
  if (proxy.empty()) proxy = Env("ALL_PROXY");
  return proxy;
}

struct HttpClient::Impl {
  CURL* curl = nullptr;
};

HttpClient::HttpClient() : impl_(new Impl) {
  GlobalInitOnce();
  impl_->curl = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
  delete impl_;
}

Result<Response> HttpClient::FetchTo(const Request& in, const std::function<bool(const char*, size_t)>& sink) {
  Request capped_req;
  const Request* rp = &in;
  if (limits.max_body_bytes != 0 || limits.timeout.count() > 0 || limits.stall_timeout.count() > 0) {
    capped_req = in;
    auto cap = [](std::chrono::seconds& v, std::chrono::seconds lim) {
      if (lim.count() > 0 && (v.count() <= 0 || v > lim)) v = lim;
    };
    if (limits.max_body_bytes != 0 &&
        (capped_req.max_body_bytes == 0 || capped_req.max_body_bytes > limits.max_body_bytes)) {
      capped_req.max_body_bytes = limits.max_body_bytes;
    }
    cap(capped_req.timeout, limits.timeout);
    cap(capped_req.stall_timeout, limits.stall_timeout);
    cap(capped_req.connect_timeout, limits.timeout);
    rp = &capped_req;
  }
  const Request& req = *rp;
  CURL* c = impl_->curl;
  if (c == nullptr) return Internal("curl_easy_init failed");
  curl_easy_reset(c);
  std::string scheme, host;
  SplitUrl(req.url, &scheme, &host);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("unsupported URL scheme in " + req.url);
  }
  if (scheme == "http" && !req.allow_plain_http) {
    return InvalidArgument("plain HTTP is not allowed for " + req.url);
  }

  Response resp;
  resp.proxy = ProxyFor(req.url);
  Transfer t;
  t.sink = &sink;
  t.max_bytes = req.max_body_bytes;
  t.resp = &resp;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  // Redirects may only stay on http(s), and never downgrade to http when plain HTTP is refused.
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, req.allow_plain_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(req.connect_timeout.count()));
  if (req.stall_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.stall_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // let curl negotiate and decode gzip/deflate
  std::string ca_file = req.ca_file.empty() ? Env("SSL_CERT_FILE") : req.ca_file;
  std::string ca_dir = Env("SSL_CERT_DIR");
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  if (!ca_dir.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, ca_dir.c_str());

  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }

  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) {
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    headers = curl_slist_append(headers, line.c_str());
  }
  if (headers != nullptr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);

  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char* eff = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != nullptr) resp.effective_url = eff;
  resp.bytes = t.bytes;

  std::string where = req.method + " " + req.url + (resp.proxy.empty() ? "" : " via proxy " + resp.proxy);
  if (t.too_large) {
    return TooLarge(where + ": response body exceeds " + std::to_string(req.max_body_bytes) + " bytes");
  }
  if (t.cancelled) return Cancelled(where + ": cancelled by the receiver");
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    StatusCode code = StatusCode::kUnavailable;
    if (rc == CURLE_OPERATION_TIMEDOUT) code = StatusCode::kDeadlineExceeded;
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) code = StatusCode::kInvalidArgument;
    return Status(code, where + ": " + detail);
  }
  return resp;
}

Result<Response> HttpClient::Fetch(const Request& req) {
  Request capped = req;
  if (capped.max_body_bytes == 0) capped.max_body_bytes = kDefaultFetchCap;
  std::string body;
  auto r = FetchTo(capped, [&body](const char* d, size_t n) {
    body.append(d, n);
    return true;
  });
  if (!r.ok()) return r.status();
  r->body = std::move(body);
  return r;
}

Result<Response> HttpClient::FetchToFile(const Request& req, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("create " + path + ": " + std::strerror(errno));
  std::string write_error;
  auto r = FetchTo(req, [&](const char* d, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, d, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        write_error = "write " + path + ": " + std::strerror(errno);
        return false;
      }
      d += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  });
  if (::close(fd) != 0 && write_error.empty() && r.ok()) write_error = "close " + path + ": " + std::strerror(errno);
  if (!write_error.empty()) return Unavailable(write_error);
  return r;
}

Status HttpError(const Request& req, const Response& resp) {
  std::string msg = req.method + " " + req.url + (resp.proxy.empty() ? "" : " via proxy " + resp.proxy) +
                    ": HTTP status " + std::to_string(resp.status);
  if (resp.status == 404) return NotFound(msg);
  if (resp.status == 401 || resp.status == 403) return Status(StatusCode::kPermissionDenied, msg);
  if (resp.status == 408 || resp.status == 429 || resp.status >= 500) return Unavailable(msg);
  return InvalidArgument(msg);
}

}  // namespace lucid::net
