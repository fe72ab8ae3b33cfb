#include "notifier/stomp.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <optional>

#include "notifier/notification.h"
#include "notifier/stomp_frame.h"

namespace lucid::notifier {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::pair<std::string, std::string> SplitHostPort(const std::string& uri) {
  size_t colon = uri.rfind(':');
  if (colon == std::string::npos) return {uri, ""};
  std::string host = uri.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, uri.substr(colon + 1)};
}

// What an ERROR frame says, kept short: it ends up in logs and the receipt.
std::string Describe(const stomp::Frame& f) {
  std::string out = "broker answered " + f.command;
  if (auto m = f.Header("message")) out += ": " + m->substr(0, 200);
  if (!f.body.empty()) {
    std::string body = f.body.substr(0, 200);
    for (char& c : body) {
      if (c == '\n' || c == '\r' || c == '\0') c = ' ';
    }
    out += " (" + body + ")";
  }
  return out;
}

// One STOMP session on one connection. Every operation runs the io_context
// up to a deadline and closes the socket when it passes, so no broker can
// stall the delivery loop.
class Session {
 public:
  Session(asio::ssl::context& ctx, bool tls) : stream_(io_, ctx), tls_(tls) {}

  Status Connect(const std::string& host, const std::string& port, Clock::time_point deadline) {
    tcp::resolver resolver(io_);
    tcp::resolver::results_type endpoints;
    LUCID_RETURN_IF_ERROR(Run(
        [&](auto done) {
          resolver.async_resolve(host, port, [&, done](boost::system::error_code ec, tcp::resolver::results_type r) {
            endpoints = std::move(r);
            done(ec);
          });
        },
        deadline, "resolving " + host, [&] { resolver.cancel(); }));
    LUCID_RETURN_IF_ERROR(Run(
        [&](auto done) {
          asio::async_connect(stream_.next_layer(), endpoints,
                              [done](boost::system::error_code ec, const tcp::endpoint&) { done(ec); });
        },
        deadline, "connecting"));
    if (!tls_) return Status::Ok();
    // SNI and certificate name checks use the configured host.
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str())) {
      return Unavailable("could not set the TLS server name");
    }
    stream_.set_verify_callback(asio::ssl::host_name_verification(host));
    return Run([&](auto done) { stream_.async_handshake(asio::ssl::stream_base::client, done); }, deadline,
               "TLS handshake");
  }

  Status Write(const std::string& bytes, Clock::time_point deadline) {
    return Run(
        [&](auto done) {
          auto h = [done](boost::system::error_code ec, size_t) { done(ec); };
          if (tls_)
            asio::async_write(stream_, asio::buffer(bytes), h);
          else
            asio::async_write(stream_.next_layer(), asio::buffer(bytes), h);
        },
        deadline, "sending");
  }

  Result<stomp::Frame> Read(Clock::time_point deadline) {
    while (true) {
      LUCID_ASSIGN_OR_RETURN(auto f, parser_.Next());
      if (f) return std::move(*f);
      size_t n = 0;
      LUCID_RETURN_IF_ERROR(Run(
          [&](auto done) {
            auto h = [&n, done](boost::system::error_code ec, size_t got) {
              n = got;
              done(ec);
            };
            if (tls_)
              stream_.async_read_some(asio::buffer(buf_), h);
            else
              stream_.next_layer().async_read_some(asio::buffer(buf_), h);
          },
          deadline, "waiting for the broker"));
      parser_.Feed(std::string_view(buf_.data(), n));
    }
  }

  // Reads until the RECEIPT for `id`; an ERROR frame fails the exchange.
  Status AwaitReceipt(const std::string& id, Clock::time_point deadline) {
    while (true) {
      LUCID_ASSIGN_OR_RETURN(auto f, Read(deadline));
      if (f.command == "ERROR") return Unavailable(Describe(f));
      if (f.command == "RECEIPT" && f.Header("receipt-id") == id) return Status::Ok();
      // Anything else (a MESSAGE we did not subscribe to, an old receipt) is ignored.
    }
  }

  Status Send(const stomp::Frame& f, Clock::time_point deadline) { return Write(stomp::Encode(f, version_), deadline); }

  void set_version(stomp::Version v) {
    version_ = v;
    parser_.set_version(v);
  }

  void Close() {
    boost::system::error_code ignored;
    stream_.next_layer().close(ignored);
  }

 private:
  // Starts an async operation with a completion `done(error_code)` and runs
  // the io_context until it completes or `deadline` passes.
  template <typename Start>
  Status Run(Start start, Clock::time_point deadline, const std::string& what) {
    return Run(start, deadline, what, [] {});
  }
  template <typename Start, typename Cancel>
  Status Run(Start start, Clock::time_point deadline, const std::string& what, Cancel cancel) {
    bool finished = false;
    boost::system::error_code result;
    start([&finished, &result](boost::system::error_code ec) {
      finished = true;
      result = ec;
    });
    io_.restart();
    while (!finished && Clock::now() < deadline) {
      if (io_.run_one_until(deadline) == 0 && io_.stopped()) break;
    }
    if (!finished) {
      cancel();
      Close();
      io_.restart();
      io_.run();  // lets the aborted handler run before its captures go away
      return DeadlineExceeded("timed out " + what);
    }
    if (result) return Unavailable(what + ": " + result.message());
    return Status::Ok();
  }

  asio::io_context io_;
  asio::ssl::stream<tcp::socket> stream_;
  bool tls_;
  stomp::Parser parser_;
  stomp::Version version_ = stomp::Version::k1_0;
  std::array<char, 16384> buf_{};
};

stomp::Version ParseVersion(const std::optional<std::string>& v) {
  if (v == "1.2") return stomp::Version::k1_2;
  if (v == "1.1") return stomp::Version::k1_1;
  return stomp::Version::k1_0;  // no header: a 1.0 broker
}

Status ConfigureTls(const StompOptions& o, asio::ssl::context& ctx) {
  if (!o.tls) return Status::Ok();
  try {
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (o.root_ca.empty())
      ctx.set_default_verify_paths();
    else
      ctx.load_verify_file(o.root_ca);
    if (!o.cert.empty()) ctx.use_certificate_chain_file(o.cert);
    if (!o.key.empty()) ctx.use_private_key_file(o.key, asio::ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    return InvalidArgument(std::string("STOMP TLS configuration: ") + e.what());
  }
  return Status::Ok();
}

// TCP (and TLS), then CONNECT answered by CONNECTED.
Result<std::unique_ptr<Session>> OpenSession(const StompOptions& o, asio::ssl::context& ctx, const std::string& uri,
                                             std::chrono::milliseconds timeout) {
  auto [host, port] = SplitHostPort(uri);
  auto s = std::make_unique<Session>(ctx, o.tls);
  Status st = s->Connect(host, port, Clock::now() + timeout);
  if (st.ok()) {
    stomp::Frame connect{"CONNECT", {{"accept-version", "1.0,1.1,1.2"}, {"host", host}, {"heart-beat", "0,0"}}, ""};
    if (!o.login.empty() || !o.passcode.empty()) {
      connect.headers.emplace_back("login", o.login);
      connect.headers.emplace_back("passcode", o.passcode);
    }
    auto deadline = Clock::now() + timeout;
    st = s->Send(connect, deadline);
    if (st.ok()) {
      auto reply = s->Read(deadline);
      if (!reply.ok())
        st = reply.status();
      else if (reply->command != "CONNECTED")
        st = Unavailable(Describe(*reply));
      else
        s->set_version(ParseVersion(reply->Header("version")));
    }
  }
  if (!st.ok()) {
    s->Close();
    return st;
  }
  return s;
}

}  // namespace

StompDeliverer::StompDeliverer(StompOptions o, std::shared_ptr<store::NotifierStore> store)
    : o_(std::move(o)), store_(std::move(store)) {
  if (!o_.callback.empty() && o_.callback.back() != '/') o_.callback += '/';
}

std::string StompDeliverer::target() const {
  std::string out;
  for (const auto& u : o_.uris) out += (out.empty() ? "" : ",") + u;
  return out + " " + o_.destination;
}

Status StompDeliverer::Deliver(const store::NotificationSet& set) {
  LUCID_ASSIGN_OR_RETURN(auto bodies, BrokerMessages(store_.get(), set, o_.direct, o_.rollup, o_.callback));
  if (bodies.empty()) return Status::Ok();  // direct mode, nothing to hand over

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  LUCID_RETURN_IF_ERROR(ConfigureTls(o_, ctx));

  // The first address that accepts a STOMP session is used.
  std::unique_ptr<Session> session;
  std::string errors;
  for (const auto& uri : o_.uris) {
    auto s = OpenSession(o_, ctx, uri, o_.connect_timeout);
    if (s.ok()) {
      session = std::move(*s);
      break;
    }
    errors += (errors.empty() ? "" : "; ") + uri + ": " + s.status().message();
  }
  if (!session) return Unavailable("no STOMP broker accepted a session (" + errors + ")");

  const auto deadline = Clock::now() + o_.io_timeout;
  auto send = [&](const std::string& body, const std::string& tx) {
    stomp::Frame f{"SEND", {{"destination", o_.destination}, {"content-type", "application/json"}}, body};
    if (!tx.empty()) f.headers.emplace_back("transaction", tx);
    return f;
  };
  Status result;
  if (!o_.direct) {
    auto f = send(bodies.front(), "");
    f.headers.emplace_back("receipt", "lucid-send-" + set.id);
    result = session->Send(f, deadline);
    if (result.ok()) result = session->AwaitReceipt("lucid-send-" + set.id, deadline);
  } else {
    // One transaction: the broker hands out all of the set's messages or none.
    const std::string tx = "lucid-" + set.id;
    result = session->Send({"BEGIN", {{"transaction", tx}}, ""}, deadline);
    for (size_t i = 0; result.ok() && i < bodies.size(); ++i) result = session->Send(send(bodies[i], tx), deadline);
    if (result.ok()) {
      result = session->Send({"COMMIT", {{"transaction", tx}, {"receipt", "lucid-commit-" + set.id}}, ""}, deadline);
    }
    if (result.ok()) result = session->AwaitReceipt("lucid-commit-" + set.id, deadline);
    if (!result.ok()) {
      // Best effort: the broker also drops an open transaction when the
      // connection goes away.
      (void)session->Send({"ABORT", {{"transaction", tx}}, ""}, Clock::now() + std::chrono::seconds(2));
    }
  }
  if (result.ok()) {
    // The DISCONNECT receipt is required, not a courtesy: RabbitMQ sends a
    // COMMIT's RECEIPT before it reports (with ERROR) that the publishes
    // failed, e.g. for a missing exchange; an ERROR seen before the goodbye
    // receipt fails the delivery so the set is retried. RabbitMQ may still
    // answer the DISCONNECT first (a race on its side), as Clair would not
    // notice either.
    result = session->Send({"DISCONNECT", {{"receipt", "lucid-bye-" + set.id}}, ""}, deadline);
    if (result.ok()) result = session->AwaitReceipt("lucid-bye-" + set.id, deadline);
  }
  session->Close();
  if (!result.ok()) return result.WithContext("STOMP delivery to " + o_.destination);
  return Status::Ok();
}

std::vector<Deliverer::BrokerProbe> StompDeliverer::ProbeBrokers(std::chrono::milliseconds timeout) {
  std::vector<BrokerProbe> out;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  Status tls = ConfigureTls(o_, ctx);
  for (const auto& uri : o_.uris) {
    if (!tls.ok()) {
      out.emplace_back(uri, tls);
      continue;
    }
    auto s = OpenSession(o_, ctx, uri, timeout);
    if (!s.ok()) {
      out.emplace_back(uri, s.status());
      continue;
    }
    // A polite goodbye; its receipt is not awaited.
    (void)(*s)->Send({"DISCONNECT", {}, ""}, Clock::now() + std::chrono::seconds(2));
    (*s)->Close();
    out.emplace_back(uri, Status::Ok());
  }
  return out;
}

}  // namespace lucid::notifier
