// The Beast/Asio transport of server.h. Each connection is a coroutine on
// its own strand; handlers run on a worker pool while a wait on the socket
// watches for a client hang-up, which cancels the work. The API listener
// optionally speaks TLS (Asio SSL over OpenSSL); the same session code runs
// over either stream type.
#include "http/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <type_traits>
#include <variant>

#include "base/io.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/api.h"
#include "http/encoding.h"

namespace lucid::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kLogComponent = "httptransport";
// Bounds the wait for the client's close_notify after ours.
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(2);

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::string HttpDate(std::chrono::system_clock::time_point tp) {
  std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The Date header, formatted once per second per io thread.
const std::string& CachedHttpDate() {
  thread_local std::time_t second = 0;
  thread_local std::string text;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  if (t != second || text.empty()) {
    text = HttpDate(now);
    second = t;
  }
  return text;
}

// The head of a 200 response with a body of `length` bytes, as Beast would
// write it for these headers (which come from the handlers, not the client).
void RenderHead(const std::vector<std::pair<std::string, std::string>>& headers, unsigned version, bool keep_alive,
                size_t length, std::string& out) {
  out.clear();
  out += version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
  for (const auto& [k, v] : headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "Date: ";
  out += CachedHttpDate();
  out += "\r\nContent-Length: ";
  out += std::to_string(length);
  out += "\r\n";
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
}

std::string RequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::string EndpointString(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

Result<tcp::endpoint> ResolveListen(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen address \"" + addr + "\" is not host:port");
  std::string host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long p = 0;
  try {
    p = std::stoul(port);
  } catch (...) {
    return InvalidArgument("listen address \"" + addr + "\" has a bad port");
  }
  if (p > 65535) return InvalidArgument("listen address \"" + addr + "\" has a bad port");
  if (host.empty()) return tcp::endpoint(tcp::v4(), static_cast<uint16_t>(p));
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(ip, static_cast<uint16_t>(p));
  asio::io_context tmp;
  tcp::resolver resolver(tmp);
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) return InvalidArgument("cannot resolve listen host \"" + host + "\": " + ec.message());
  return results.begin()->endpoint();
}

// Per-connection state shared with Stop() (which closes idle connections).
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(tcp::socket s) : stream(std::in_place_type<PlainStream>, std::move(s)) {}
  Connection(tcp::socket s, asio::ssl::context& tls) : stream(std::in_place_type<TlsStream>, std::move(s), tls) {}
  // The TCP layer: timeouts, the socket, the strand.
  beast::tcp_stream& lowest() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream);
  }
  std::variant<PlainStream, TlsStream> stream;
  bool busy = false;  // strand-confined
};

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// Pass-phrase callback that refuses: an encrypted key must fail to load, not
// prompt on the terminal (OpenSSL's default).
int NoPassphrase(char*, int, int, void*) { return -1; }

// ALPN: HTTP/1.1 only. A client offering just h2 gets no ALPN answer and may
// still speak HTTP/1.1.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* sel = nullptr;
  if (inlen == 0 || SSL_select_next_proto(&sel, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

// The server context for the API listener: TLS >= 1.2, the certificate chain
// and the (unencrypted) key, checked against each other. Errors name the file.
Result<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const std::string& cert, const std::string& key) {
  ERR_clear_error();
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_default_passwd_cb(c, NoPassphrase);
  SSL_CTX_set_alpn_select_cb(c, SelectAlpn, nullptr);

  const std::string cert_name = "tls.cert \"" + cert + "\"";
  const std::string key_name = "tls.key \"" + key + "\"";
  if (auto text = ReadFile(cert, 16u << 20); !text.ok()) {
    return InvalidArgument(cert_name + ": cannot read: " + text.status().message());
  }
  if (SSL_CTX_use_certificate_chain_file(c, cert.c_str()) != 1) {
    return InvalidArgument(cert_name + ": not a PEM certificate chain: " + OpenSslErrors());
  }
  auto key_text = ReadFile(key, 1u << 20);
  if (!key_text.ok()) return InvalidArgument(key_name + ": cannot read: " + key_text.status().message());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(key_text->data(), static_cast<int>(key_text->size())),
                                                &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr, &EVP_PKEY_free);
  if (!pkey) {
    if (key_text->find("ENCRYPTED") != std::string::npos) {
      ERR_clear_error();
      return InvalidArgument(key_name + " is encrypted; the key must be unencrypted PEM (as in Clair)");
    }
    return InvalidArgument(key_name + ": not a PEM private key: " + OpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey(c, pkey.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH || ERR_peek_last_error() == 0) {
      ERR_clear_error();
      return InvalidArgument(key_name + " does not match the certificate in " + cert_name);
    }
    return InvalidArgument(key_name + ": unusable private key: " + OpenSslErrors());
  }
  return ctx;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(ServerOptions o, services::IndexerService* ix, services::MatcherService* m, metrics::Registry* r)
      : opts(std::move(o)),
        registry(r ? r : &metrics::Registry::Default()),
        api(ApiOptions{o_indexer(ix), o_matcher(m), opts.openapi_path, opts.cache_age,
                       HttpDate(std::chrono::system_clock::now()),
                       // A cached body is never older than the max-age it is served with.
                       std::min<std::chrono::milliseconds>(opts.report_cache_ttl, opts.cache_age)},
            ix, m) {
    const std::vector<double> buckets = {0.5, 0.7, 1.1, 1.7, 2.7, 4.2, 6.5, 10, 15, 23, 36, 54, 83, 128, 196, 300};
    for (const char* g : {"indexerv1", "matcherv1", "notifierv1", "discovery"}) {
      std::string base = std::string("clair_http_") + g;
      Families f;
      f.total = &registry->AddCounter(base + "_request_total", "A total count of http requests by handler.",
                                      {"handler", "code", "method"});
      f.duration = &registry->AddHistogram(base + "_request_duration_seconds", "Request durations by handler.",
                                           {"handler", "code", "method"}, buckets);
      f.in_flight =
          &registry->AddGauge(base + "_in_flight_requests", "Number of requests in flight by handler.", {"handler"});
      families[g] = f;
    }
    limited = &registry->AddCounter("clair_http_concurrencylimited_total",
                                    "Requests rejected by the index_report concurrency limit.", {"endpoint", "method"});
    registry
        ->AddGauge("clair_cmd_version_info", "Version information.",
                   {"version", "revision", "claircore_version", "goversion", "modified"})
        .With({opts.version, opts.revision, "", "c++20", "false"})
        .Set(1);
  }
  bool o_indexer(services::IndexerService* ix) const { return opts.serve_indexer && ix; }
  bool o_matcher(services::MatcherService* m) const { return opts.serve_matcher && m; }

  struct Families {
    metrics::Family* total = nullptr;
    metrics::Family* duration = nullptr;
    metrics::Family* in_flight = nullptr;
  };

  ServerOptions opts;
  metrics::Registry* registry;
  Api api;
  std::map<std::string, Families> families;
  metrics::Family* limited = nullptr;

  // io_context with its protected shutdown() reachable: see Stop().
  struct IoContext : asio::io_context {
    void DestroyPendingHandlers() { shutdown(); }
  };
  IoContext ioc;
  std::unique_ptr<asio::ssl::context> tls_ctx;  // set = the API listener speaks TLS
  std::unique_ptr<asio::thread_pool> pool;
  std::optional<tcp::acceptor> api_acceptor, intro_acceptor;
  std::optional<asio::strand<asio::io_context::executor_type>> api_strand, intro_strand;
  std::vector<std::thread> threads;
  uint16_t api_port = 0, intro_port = 0;

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  int64_t gate_limit = -1;
  std::atomic<int64_t> gate_active{0};
  std::atomic<size_t> api_conns{0}, intro_conns{0};

  std::mutex mu;
  std::condition_variable cv;
  int64_t in_flight = 0;                                // guarded by mu
  std::set<services::CancelFlag> running;               // guarded by mu
  std::map<uint64_t, std::weak_ptr<Connection>> conns;  // guarded by mu
  uint64_t next_conn_id = 0;                            // guarded by mu
  bool started = false, stopped = false;                // guarded by mu

  Status Start();
  void Stop();
  asio::awaitable<void> Listen(tcp::acceptor& acc, bool api_listener);
  asio::awaitable<void> Session(std::shared_ptr<Connection> conn, uint64_t id, bool api_listener);
  asio::awaitable<bool> Handshake(TlsStream& tls, beast::flat_buffer& buf);
  // The request/response loop. True when it ended by the server's choice
  // (Connection: close, shutdown) on a healthy connection.
  template <class Stream>
  asio::awaitable<bool> Serve(Connection& conn, Stream& stream, beast::flat_buffer& buf, const std::string& remote,
                              bool api_listener);
  asio::awaitable<Response> HandleApi(Connection& conn, const Request& req, bool* client_gone);
  Response HandleIntrospection(const Request& req);
  Status Authenticate(const Request& req);

  // Tells this server's entries in per-thread memos from another's.
  const uint64_t instance = [] {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1);
  }();
};

// PSK verification depends only on the token and the current time in whole
// seconds (the claims are NumericDates), so a token that verified in this
// second still verifies for the rest of it. Clients reuse one token for many
// requests; re-verifying it once a second per io thread skips the base64,
// JSON and HMAC work of the rest.
Status Server::Impl::Authenticate(const Request& req) {
  const auto values = req.Header("authorization");
  const auto now = std::chrono::system_clock::now();
  const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string_view bearer;
  for (std::string_view v : values) {
    if (v.substr(0, 7) == "Bearer ") {
      bearer = v;
      break;
    }
  }
  struct Memo {
    uint64_t instance = 0;
    int64_t second = 0;
    std::string bearer;
  };
  thread_local Memo memo;
  if (!bearer.empty() && memo.instance == instance && memo.second == second && memo.bearer == bearer) {
    return Status::Ok();
  }
  Status s = opts.psk->Verify(values, now);
  if (s.ok() && !bearer.empty()) memo = Memo{instance, second, std::string(bearer)};
  return s;
}

Status Server::Impl::Start() {
  // Before `started`: a server whose certificate or key fails has nothing to stop.
  std::unique_ptr<asio::ssl::context> ctx;
  if (!opts.tls_cert_file.empty() || !opts.tls_key_file.empty()) {
    auto made = MakeTlsContext(opts.tls_cert_file, opts.tls_key_file);
    if (!made.ok()) return made.status();
    ctx = std::move(*made);
  }
  {
    std::lock_guard<std::mutex> l(mu);
    if (started) return InvalidArgument("server already started");
    started = true;
  }
  tls_ctx = std::move(ctx);
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  gate_limit = opts.index_concurrency == 0 ? 4 * static_cast<int64_t>(cpus)
                                           : (opts.index_concurrency < 0 ? -1 : opts.index_concurrency);
  int workers = opts.worker_threads;
  if (workers <= 0) {
    int64_t want = gate_limit < 0 ? 64 : gate_limit + 4;
    workers = static_cast<int>(std::clamp<int64_t>(want, 8, 64));
  }
  pool = std::make_unique<asio::thread_pool>(static_cast<size_t>(workers));

  auto bind = [&](const std::string& addr, std::optional<tcp::acceptor>& acc, uint16_t* port) -> Status {
    auto ep = ResolveListen(addr);
    if (!ep.ok()) return ep.status();
    boost::system::error_code ec;
    acc.emplace(ioc);
    acc->open(ep->protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(*ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      acc.reset();
      return Unavailable("cannot listen on \"" + addr + "\": " + ec.message());
    }
    *port = acc->local_endpoint().port();
    return Status::Ok();
  };
  Status s = bind(opts.listen_addr, api_acceptor, &api_port);
  if (!s.ok()) {
    pool->stop();
    pool->join();
    return s;
  }
  if (!opts.introspection_addr.empty()) {
    Status is = bind(opts.introspection_addr, intro_acceptor, &intro_port);
    if (!is.ok()) log::Warn(kLogComponent, "introspection server not started", {{"error", is.message()}});
  }
  auto self = shared_from_this();
  api_strand.emplace(asio::make_strand(ioc));
  asio::co_spawn(*api_strand, Listen(*api_acceptor, true), asio::detached);
  if (intro_acceptor) {
    intro_strand.emplace(asio::make_strand(ioc));
    asio::co_spawn(*intro_strand, Listen(*intro_acceptor, false), asio::detached);
  }
  for (int i = 0; i < std::max(1, opts.io_threads); ++i) {
    threads.emplace_back([self] {
      for (;;) {
        try {
          self->ioc.run();
          return;
        } catch (const std::exception& e) {
          log::Error(kLogComponent, "io thread caught exception", {{"error", e.what()}});
        }
      }
    });
  }
  log::Info(kLogComponent, "http server listening",
            {{"api_port", static_cast<int>(api_port)},
             {"introspection_port", static_cast<int>(intro_port)},
             {"tls", tls_ctx != nullptr}});
  return Status::Ok();
}

void Server::Impl::Stop() {
  {
    std::lock_guard<std::mutex> l(mu);
    if (!started || stopped || stopping.exchange(true)) {
      // A concurrent Stop() waits for the first one to finish.
      if (started && !stopped) {
        std::unique_lock<std::mutex> ul(mu, std::adopt_lock);
        cv.wait(ul, [&] { return stopped; });
        ul.release();
      }
      return;
    }
  }
  // 1. Stop accepting.
  auto close_acceptor = [](std::optional<tcp::acceptor>& acc, auto& strand) {
    if (!acc || !strand) return;
    asio::post(*strand, [&acc] {
      boost::system::error_code ec;
      acc->close(ec);
    });
  };
  close_acceptor(api_acceptor, api_strand);
  close_acceptor(intro_acceptor, intro_strand);
  // 2. Close idle keep-alive connections; busy ones close after their response.
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> l(mu);
    for (auto& [id, w] : conns)
      if (auto c = w.lock()) live.push_back(c);
  }
  for (auto& c : live) {
    asio::post(c->lowest().get_executor(), [c] {
      if (!c->busy) {
        boost::system::error_code ec;
        c->lowest().socket().close(ec);
      }
    });
  }
  // 3. Wait for in-flight requests, then cancel what is left and wait for it.
  std::unique_lock<std::mutex> ul(mu);
  if (!cv.wait_for(ul, opts.shutdown_grace, [&] { return in_flight == 0; })) {
    log::Warn(kLogComponent, "shutdown grace period over; cancelling in-flight requests",
              {{"in_flight", static_cast<long>(in_flight)}});
    for (const auto& f : running) f->store(true);
    cv.wait_for(ul, std::chrono::seconds(5), [&] { return in_flight == 0; });
  }
  ul.unlock();
  pool->join();  // handlers honour their cancel flags
  ioc.stop();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  // Coroutines still suspended (a connection accepted or writing as the
  // context stopped) hold a reference to this Impl in their frames, which
  // only the io_context owns: destroy them now, or Impl and its context keep
  // each other alive until exit. No handler runs after this.
  api_acceptor.reset();
  intro_acceptor.reset();
  ioc.DestroyPendingHandlers();
  {
    std::lock_guard<std::mutex> l(mu);
    stopped = true;
  }
  cv.notify_all();
  log::Info(kLogComponent, "http server stopped");
}

asio::awaitable<void> Server::Impl::Listen(tcp::acceptor& acc, bool api_listener) {
  auto self = shared_from_this();
  std::atomic<size_t>& count = api_listener ? api_conns : intro_conns;
  for (;;) {
    auto [ec, sock] = co_await acc.async_accept(asio::any_io_executor(asio::make_strand(ioc)), kTuple);
    if (stopping) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      // EMFILE and friends: back off instead of spinning.
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    if (count.load() >= opts.max_connections) {
      boost::system::error_code ig;
      sock.close(ig);
      continue;
    }
    boost::system::error_code ig;
    sock.set_option(tcp::no_delay(true), ig);
    auto conn = api_listener && tls_ctx ? std::make_shared<Connection>(std::move(sock), *tls_ctx)
                                        : std::make_shared<Connection>(std::move(sock));
    uint64_t id;
    {
      std::lock_guard<std::mutex> l(mu);
      id = next_conn_id++;
      conns[id] = conn;
    }
    count.fetch_add(1);
    asio::co_spawn(conn->lowest().get_executor(), Session(conn, id, api_listener),
                   [self, id, api_listener](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         log::Error(kLogComponent, "connection failed", {{"error", ex.what()}});
                       } catch (...) {
                       }
                     }
                     (api_listener ? self->api_conns : self->intro_conns).fetch_sub(1);
                     std::lock_guard<std::mutex> l(self->mu);
                     self->conns.erase(id);
                   });
  }
}

Response Server::Impl::HandleIntrospection(const Request& req) {
  Response r;
  if (req.path == "/healthz") {
    r.Set("Content-Type", "text/plain; charset=utf-8");
    r.body = "ok";
    return r;
  }
  if (req.path == "/readyz") {
    if (req.method != "GET") {
      r.status = 405;
      r.Set("Content-Type", "text/plain; charset=utf-8");
      r.body = "method not allowed\n";
      return r;
    }
    r.status = ready ? 200 : 503;
    r.Set("Cache-Control", "no-store");
    return r;
  }
  if (opts.metrics_enabled && req.path == opts.metrics_path) {
    if (req.method != "GET") {
      r.status = 405;
      r.Set("Content-Type", "text/plain; charset=utf-8");
      r.body = "method not allowed\n";
      return r;
    }
    r.Set("Content-Type", metrics::kTextContentType);
    r.body = registry->Render();
    return r;
  }
  return Api::NotFoundText();
}

asio::awaitable<Response> Server::Impl::HandleApi(Connection& conn, const Request& req, bool* client_gone) {
  if (opts.psk && req.path != "/robots.txt") {
    Status s = Authenticate(req);
    if (!s.ok()) {
      log::Debug(kLogComponent, "authentication failed", {{"reason", s.message()}, {"request_uri", req.target}});
      Response r;
      r.status = 401;
      co_return r;
    }
  }
  Route route = api.Resolve(req.method, req.path, req.query);
  if (route.kind != Route::Kind::kHandler) co_return api.Handle(route, req, nullptr);
  if (route.endpoint != 0 && route.group.empty()) co_return api.Handle(route, req, nullptr);  // robots.txt
  // Response compression (contract §1.1), negotiated before any work is done.
  const std::string coding = NegotiateEncoding(req.Header("accept-encoding"));
  if (coding.empty()) {
    Response r;
    r.status = 415;
    co_return r;
  }

  const auto start = std::chrono::steady_clock::now();
  Families& fam = families[route.group];
  metrics::Child& gauge = fam.in_flight->With({route.handler_label});
  gauge.Inc();
  bool gate_held = false;
  Response res;
  if (route.gated && gate_limit >= 0) {
    if (gate_active.fetch_add(1) >= gate_limit) {
      gate_active.fetch_sub(1);
      limited->With({"/indexer/api/v1/index_report", req.method}).Inc();
      log::Info(kLogComponent, "rate limited HTTP request",
                {{"remote_addr", req.remote_addr}, {"method", req.method}, {"request_uri", req.target}});
      res = Api::Error(429, "server handling too many requests");
    } else {
      gate_held = true;
    }
  }
  // Answers that need no work (cached reports) skip the worker pool: two
  // thread hand-offs per request cost more than building them.
  std::optional<Response> fast;
  if (res.status != 429) fast = api.TryCached(route, req);
  if (fast) {
    res = std::move(*fast);
  } else if (res.status != 429) {
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard<std::mutex> l(mu);
      running.insert(cancel);
    }
    // The handler runs on the worker pool; completion is posted back to this
    // connection's strand and wakes us through `wake`. Meanwhile a one-shot
    // wait on the socket notices a client hang-up and raises the cancel flag.
    struct Job {
      explicit Job(const asio::any_io_executor& ex) : wake(ex, std::chrono::steady_clock::time_point::max()) {}
      asio::steady_timer wake;
      Response res;
      bool done = false;
      std::atomic<bool> client_gone{false};
    };
    auto job = std::make_shared<Job>(conn.lowest().get_executor());
    auto strand = conn.lowest().get_executor();
    auto conn_ref = conn.shared_from_this();
    conn.lowest().socket().async_wait(tcp::socket::wait_read, [conn_ref, job, cancel](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || job->done) return;
      if (!ec) {
        char c;
        ssize_t n = ::recv(conn_ref->lowest().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        // Readable with data = a pipelined request (or, over TLS, any record
        // such as close_notify), not a hang-up.
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) return;
      }
      job->client_gone = true;
      cancel->store(true);
    });
    asio::post(*pool, [this, &route, &req, &coding, cancel, job, strand] {
      Response r;
      try {
        r = api.Handle(route, req, cancel);
        // Handlers may compress themselves (M1 serves cached compressed bodies).
        if (coding != "identity" && !r.body.empty() && r.Get("Content-Encoding").empty()) {
          auto encoded = EncodeBody(coding, r.body);
          if (encoded.ok()) {
            r.body = std::move(*encoded);
            r.Set("Content-Encoding", coding);
            r.Set("Trailer", "Clair-Error");
          }
        }
      } catch (const std::exception& e) {
        r = Api::Error(500, std::string("internal error: ") + e.what());
      }
      asio::post(strand, [job, r = std::move(r)]() mutable {
        job->res = std::move(r);
        job->done = true;
        job->wake.cancel();
      });
    });
    while (!job->done) co_await job->wake.async_wait(kTuple);
    boost::system::error_code ig;
    conn.lowest().socket().cancel(ig);  // drop the hang-up watch
    {
      std::lock_guard<std::mutex> l(mu);
      running.erase(cancel);
    }
    if (job->client_gone) {
      *client_gone = true;
      res.status = 499;
    } else {
      res = std::move(job->res);
    }
  }
  if (gate_held) gate_active.fetch_sub(1);
  gauge.Dec();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::string> labels = {route.handler_label, std::to_string(res.status), req.method};
  fam.total->With(labels).Inc();
  fam.duration->With(labels).Observe(secs);
  co_return res;
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn, uint64_t, bool api_listener) {
  auto self = shared_from_this();
  beast::tcp_stream& ts = conn->lowest();
  beast::flat_buffer buf;
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = ts.socket().remote_endpoint(ec);
    remote = ec ? "" : EndpointString(ep);
  }
  if (auto* tls = std::get_if<TlsStream>(&conn->stream)) {
    if (co_await Handshake(*tls, buf) && co_await Serve(*conn, *tls, buf, remote, api_listener)) {
      // close_notify, so the client can tell the end from a truncation.
      ts.expires_after(kTlsShutdownTimeout);
      co_await tls->async_shutdown(kTuple);
    }
  } else {
    co_await Serve(*conn, std::get<PlainStream>(conn->stream), buf, remote, api_listener);
  }
  boost::system::error_code ig;
  ts.socket().shutdown(tcp::socket::shutdown_send, ig);
  ts.socket().close(ig);
}

asio::awaitable<bool> Server::Impl::Handshake(TlsStream& tls, beast::flat_buffer& buf) {
  beast::tcp_stream& ts = beast::get_lowest_layer(tls);
  // One deadline for the whole handshake: a silent, slow or non-TLS client
  // cannot hold the connection longer.
  ts.expires_after(opts.handshake_timeout);
  auto [ec, n] = co_await ts.async_read_some(buf.prepare(4096), kTuple);
  if (ec) co_return false;
  buf.commit(n);
  // TLS starts with a handshake record (type 22). A letter is most likely a
  // plain-HTTP request line: tell the client, as Go's server does, and close.
  const auto first = static_cast<const unsigned char*>(buf.data().data())[0];
  if (first != 0x16) {
    if (std::isalpha(first)) {
      static constexpr std::string_view kReply =
          "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
          "Client sent an HTTP request to an HTTPS server.\n";
      co_await asio::async_write(ts, asio::buffer(kReply.data(), kReply.size()), kTuple);
    }
    log::Debug(kLogComponent, "non-TLS client on the TLS listener");
    co_return false;
  }
  auto [hec, used] = co_await tls.async_handshake(asio::ssl::stream_base::server, buf.data(), kTuple);
  if (hec) {
    log::Debug(kLogComponent, "TLS handshake failed", {{"error", hec.message()}});
    co_return false;
  }
  buf.consume(used);
  ts.expires_never();
  co_return true;
}

template <class Stream>
asio::awaitable<bool> Server::Impl::Serve(Connection& conn, Stream& stream, beast::flat_buffer& buf,
                                          const std::string& remote, bool api_listener) {
  beast::tcp_stream& ts = conn.lowest();
  bool clean_close = false;
  bool first = true;
  std::string head;  // RenderHead's buffer, reused for the connection's responses
  for (;;) {
    if (stopping) {
      clean_close = true;
      break;
    }
    // Wait for the first byte of the next request (keep-alive idle time),
    // then give the client header_timeout for the whole header.
    if (buf.size() == 0) {
      ts.expires_after(first ? opts.header_timeout : opts.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buf.prepare(4096), kTuple);
      if (ec) break;
      buf.commit(n);
    }
    first = false;
    if (stopping) {
      clean_close = true;
      break;
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(opts.max_header_bytes));
    parser.body_limit(opts.max_body_bytes);
    ts.expires_after(opts.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buf, parser, kTuple);
    std::optional<Response> early;
    if (hec == bhttp::error::body_limit) {
      early = Api::Error(413, "request body too large");
    } else if (hec == bhttp::error::header_limit) {
      early = Response{431, {{"Content-Type", "text/plain; charset=utf-8"}}, "431 Request Header Fields Too Large"};
    } else if (hec == bhttp::error::end_of_stream || hec == beast::error::timeout ||
               hec == asio::error::operation_aborted || hec == asio::error::eof ||
               hec == asio::error::connection_reset || hec == asio::ssl::error::stream_truncated) {
      break;
    } else if (hec) {
      early = Response{400, {{"Content-Type", "text/plain; charset=utf-8"}}, "400 Bad Request"};
    }
    if (!early) {
      auto& h = parser.get();
      if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
        if (cec) break;
      }
      if (!parser.is_done()) {
        ts.expires_after(opts.body_timeout);
        auto [bec, bn] = co_await bhttp::async_read(stream, buf, parser, kTuple);
        if (bec == bhttp::error::body_limit) {
          early = Api::Error(413, "request body too large");
        } else if (bec) {
          break;
        }
      }
    }
    ts.expires_never();
    conn.busy = true;
    {
      std::lock_guard<std::mutex> l(mu);
      ++in_flight;
    }
    auto& msg = parser.get();
    const auto start = std::chrono::steady_clock::now();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = PercentDecode(req.target.substr(0, q), false);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (const auto& f : msg) req.headers.emplace_back(ToLower(std::string(f.name_string())), std::string(f.value()));
    req.body = std::move(msg.body());
    req.remote_addr = remote;

    bool client_gone = false;
    Response res;
    if (early) {
      res = std::move(*early);
    } else if (req.target.empty() || req.target[0] != '/') {
      if (req.target == "*" && req.method == "OPTIONS")
        res.status = 200;
      else
        res = Response{400, {{"Content-Type", "text/plain; charset=utf-8"}}, "400 Bad Request"};
    } else if (api_listener) {
      try {
        res = co_await HandleApi(conn, req, &client_gone);
      } catch (const std::exception& e) {
        res = Api::Error(500, std::string("internal error: ") + e.what());
      }
    } else {
      res = HandleIntrospection(req);
    }
    const bool keep_alive = !early && !client_gone && msg.keep_alive() && !stopping;
    size_t written = 0;
    if (!client_gone) {
      const bool no_body = res.status == 204 || res.status == 304 || (res.status >= 100 && res.status < 200);
      // The body is referenced, not copied: `res` (or the cache it shares
      // with) owns it until the write is done.
      const std::string_view body = res.Body();
      written = no_body ? 0 : body.size();
      boost::system::error_code wec;
      ts.expires_after(opts.write_timeout);
      // Cached reports over plain TCP: the head rendered into one reused
      // buffer and written with the shared body in one gather write; no
      // per-field allocations, no serializer. (Over TLS the records are
      // encrypted copies anyway, and this gather write stalled on bodies of
      // 100 KB+ through beast::ssl_stream, so TLS keeps Beast's serializer.)
      bool rendered = false;
      if constexpr (std::is_same_v<Stream, PlainStream>) {
        rendered = res.shared_body && res.status == 200 && req.method != "HEAD";
      }
      if (rendered) {
        RenderHead(res.headers, msg.version(), keep_alive, body.size(), head);
        // Each write_some gets everything left, so the kernel takes the
        // whole response in one sendmsg when the socket buffer allows
        // (asio::async_write would cut it into 64 KB writes).
        const std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body.data(), body.size())};
        beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(bufs);
        while (beast::buffer_bytes(rest) > 0) {
          auto [ec, n] = co_await stream.async_write_some(rest, kTuple);
          if (ec) {
            wec = ec;
            break;
          }
          rest.consume(n);
        }
      } else {
        using SpanBody = bhttp::span_body<const char>;
        bhttp::response<SpanBody> out{static_cast<bhttp::status>(res.status), msg.version()};
        for (auto& [k, v] : res.headers) out.insert(k, v);
        out.set(bhttp::field::date, CachedHttpDate());
        out.keep_alive(keep_alive);
        if (no_body) {
          // No Content-Length on 204/304 (RFC 9110 §8.6).
        } else if (req.method == "HEAD") {
          out.content_length(body.size());
        } else {
          out.body() = SpanBody::value_type(body.data(), body.size());
          out.prepare_payload();
        }
        bhttp::response_serializer<SpanBody> sr{out};
        if (req.method == "HEAD") sr.split(true);
        auto [ec, n] = req.method == "HEAD" ? co_await bhttp::async_write_header(stream, sr, kTuple)
                                            : co_await bhttp::async_write(stream, sr, kTuple);
        wec = ec;
      }
      ts.expires_never();
      if (wec) client_gone = true;
    }
    if (api_listener && log::Enabled(log::Level::kInfo)) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      log::Info(kLogComponent, "handled HTTP request",
                {{"request_id", RequestId()},
                 {"remote_addr", req.remote_addr},
                 {"method", req.method},
                 {"request_uri", req.target},
                 {"status", res.status},
                 {"written", written},
                 {"duration", ms}});
    }
    {
      std::lock_guard<std::mutex> l(mu);
      --in_flight;
    }
    cv.notify_all();
    conn.busy = false;
    if (!keep_alive || client_gone) {
      clean_close = !client_gone;
      break;
    }
  }
  co_return clean_close;
}

// --- Server ----------------------------------------------------------------

Server::Server(ServerOptions options, services::IndexerService* indexer, services::MatcherService* matcher,
               metrics::Registry* metrics)
    : impl_(std::make_shared<Impl>(std::move(options), indexer, matcher, metrics)) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }

void Server::Wait() {
  std::unique_lock<std::mutex> l(impl_->mu);
  impl_->cv.wait(l, [&] { return !impl_->started || impl_->stopped; });
}

Status Server::Run() {
  LUCID_RETURN_IF_ERROR(Start());
  Wait();
  return Status::Ok();
}

void Server::Stop() { impl_->Stop(); }
void Server::SetReady(bool ready) { impl_->ready = ready; }
void Server::SetNotifier(services::NotifierService* notifier) { impl_->api.SetNotifier(notifier); }
void Server::InvalidateReports() { impl_->api.InvalidateReports(); }
uint16_t Server::api_port() const { return impl_->api_port; }
uint16_t Server::introspection_port() const { return impl_->intro_port; }

}  // namespace lucid::http
