#include "notifier/amqp.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "notifier/notification.h"

namespace lucid::notifier {

namespace {

using Clock = std::chrono::steady_clock;
constexpr amqp_channel_t kChannel = 1;

timeval ToTimeval(std::chrono::milliseconds d) {
  if (d.count() < 1) d = std::chrono::milliseconds(1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

amqp_bytes_t Bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

// librabbitmq reports every failed connect as "a socket error occurred" and
// leaves errno at EINPROGRESS. Operators need to tell "refused" from "no
// route" or "timed out", so one more plain connect names the reason.
std::string WhyNoConnection(const std::string& host, int port, std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket sock(io);
  boost::system::error_code result = asio::error::timed_out;
  resolver.async_resolve(host, std::to_string(port), [&](boost::system::error_code ec, tcp::resolver::results_type r) {
    if (ec) {
      result = ec;
      return;
    }
    asio::async_connect(sock, r, [&](boost::system::error_code ec2, const tcp::endpoint&) { result = ec2; });
  });
  io.run_for(timeout);
  return result ? result.message() : "";
}

std::string FromBytes(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

// Passwords in URIs stay out of logs and receipts.
std::string Redact(const std::string& uri) {
  size_t scheme = uri.find("://");
  size_t at = uri.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos) return uri;
  size_t colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + ":***" + uri.substr(at);
}

Status ReplyStatus(const amqp_rpc_reply_t& r, const std::string& what) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::Ok();
    case AMQP_RESPONSE_NONE:
      return Unavailable(what + ": no reply from the broker");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Unavailable(what + ": " + amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return Unavailable(what + ": broker closed the connection: " + std::to_string(m->reply_code) + " " +
                           FromBytes(m->reply_text));
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return Unavailable(what + ": broker closed the channel: " + std::to_string(m->reply_code) + " " +
                           FromBytes(m->reply_text));
      }
      return Unavailable(what + ": unexpected broker method " + std::to_string(r.reply.id));
  }
  return Unavailable(what + ": unknown reply");
}

// Bounds a whole publishing exchange. librabbitmq bounds RPCs, but a publish
// blocked by a broker that stopped reading (flow control, a memory alarm)
// would wait forever; shutting the socket down wakes it with an error.
class Watchdog {
 public:
  Watchdog(int fd, Clock::time_point deadline)
      : thread_([this, fd, deadline] {
          std::unique_lock<std::mutex> l(mu_);
          if (!cv_.wait_until(l, deadline, [this] { return done_; })) {
            fired_ = true;
            ::shutdown(fd, SHUT_RDWR);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// One connection with channel 1 open.
class Connection {
 public:
  Connection() : c_(amqp_new_connection()) {}
  ~Connection() {
    if (open_) {
      // The broker rolls back an uncommitted transaction when the channel goes.
      amqp_connection_close(c_, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(c_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Open(const std::string& uri, const AmqpOptions& o) {
    std::string buf = uri;  // amqp_parse_url writes into its argument
    amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK) return InvalidArgument("not an AMQP URI");
    // "amqp://host/" means the default vhost to Clair's Go client, not "".
    if (info.vhost == nullptr || *info.vhost == '\0') info.vhost = const_cast<char*>("/");
    amqp_socket_t* socket = nullptr;
    if (info.ssl) {
      socket = amqp_ssl_socket_new(c_);
      if (socket == nullptr) return Internal("could not create a TLS socket");
      amqp_ssl_socket_set_verify_peer(socket, 1);
      amqp_ssl_socket_set_verify_hostname(socket, 1);
      if (!o.root_ca.empty()) {
        if (amqp_ssl_socket_set_cacert(socket, o.root_ca.c_str()) != AMQP_STATUS_OK)
          return InvalidArgument("could not load root_ca " + o.root_ca);
      } else if (auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
                 ctx == nullptr || SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return Internal("could not load the system trust store");
      }
      if (!o.cert.empty() && amqp_ssl_socket_set_key(socket, o.cert.c_str(), o.key.c_str()) != AMQP_STATUS_OK) {
        return InvalidArgument("could not load the client certificate " + o.cert + " and key " + o.key);
      }
    } else {
      socket = amqp_tcp_socket_new(c_);
      if (socket == nullptr) return Internal("could not create a socket");
    }
    timeval connect = ToTimeval(o.connect_timeout);
    if (int rc = amqp_socket_open_noblock(socket, info.host, info.port, &connect); rc != AMQP_STATUS_OK) {
      std::string why = amqp_error_string2(rc);
      if (rc == AMQP_STATUS_SOCKET_ERROR) {
        std::string reason = WhyNoConnection(info.host, info.port, o.connect_timeout);
        if (!reason.empty()) why = reason;
      }
      return Unavailable("connecting to " + std::string(info.host) + ":" + std::to_string(info.port) + ": " + why);
    }
    amqp_set_handshake_timeout(c_, &connect);
    amqp_set_rpc_timeout(c_, &connect);
    // Heartbeats are off: a connection lives for one delivery.
    LUCID_RETURN_IF_ERROR(ReplyStatus(
        amqp_login(c_, info.vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password),
        "login"));
    open_ = true;
    amqp_channel_open(c_, kChannel);
    LUCID_RETURN_IF_ERROR(ReplyStatus(amqp_get_rpc_reply(c_), "opening a channel"));
    if (!o.exchange.empty()) {
      // Passive: Clair never creates exchanges; a missing one fails this broker.
      amqp_exchange_declare(c_, kChannel, Bytes(o.exchange), Bytes(o.exchange_type), 1, o.durable, o.auto_delete, 0,
                            amqp_empty_table);
      LUCID_RETURN_IF_ERROR(ReplyStatus(amqp_get_rpc_reply(c_), "checking exchange \"" + o.exchange + "\""));
    }
    return Status::Ok();
  }

  void SetRpcTimeout(std::chrono::milliseconds d) {
    timeval tv = ToTimeval(d);
    amqp_set_rpc_timeout(c_, &tv);
  }

  amqp_connection_state_t get() { return c_; }
  int fd() { return amqp_get_sockfd(c_); }

 private:
  amqp_connection_state_t c_;
  bool open_ = false;
};

}  // namespace

AmqpDeliverer::AmqpDeliverer(AmqpOptions o, std::shared_ptr<store::NotifierStore> store)
    : o_(std::move(o)), store_(std::move(store)) {
  if (!o_.callback.empty() && o_.callback.back() != '/') o_.callback += '/';
}

std::string AmqpDeliverer::target() const {
  std::string out;
  for (const auto& u : o_.uris) out += (out.empty() ? "" : ",") + Redact(u);
  return out + " exchange=\"" + o_.exchange + "\" routing_key=\"" + o_.routing_key + "\"";
}

Status AmqpDeliverer::Deliver(const store::NotificationSet& set) {
  LUCID_ASSIGN_OR_RETURN(auto bodies, BrokerMessages(store_.get(), set, o_.direct, o_.rollup, o_.callback));
  if (bodies.empty()) return Status::Ok();  // direct mode, nothing to hand over

  // A fresh connection per delivery (Clair keeps one): ticks are rare, and a
  // broker restart between them then costs no failed attempt.
  std::unique_ptr<Connection> conn;
  std::string errors;
  for (const auto& uri : o_.uris) {
    auto c = std::make_unique<Connection>();
    Status s = c->Open(uri, o_);
    if (s.ok()) {
      conn = std::move(c);
      break;
    }
    errors += (errors.empty() ? "" : "; ") + Redact(uri) + ": " + s.message();
  }
  if (!conn) return Unavailable("no AMQP broker accepted the connection (" + errors + ")");

  conn->SetRpcTimeout(o_.io_timeout);
  Watchdog watchdog(conn->fd(), Clock::now() + o_.io_timeout);
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.app_id = amqp_cstring_bytes("clairV4-notifier");
  auto publish = [&](const std::string& body) -> Status {
    int rc =
        amqp_basic_publish(conn->get(), kChannel, Bytes(o_.exchange), Bytes(o_.routing_key), 0, 0, &props, Bytes(body));
    if (rc != AMQP_STATUS_OK) return Unavailable(std::string("publishing: ") + amqp_error_string2(rc));
    return Status::Ok();
  };

  Status result;
  if (o_.direct) {
    // All of the set's messages reach the exchange, or none does.
    amqp_tx_select(conn->get(), kChannel);
    result = ReplyStatus(amqp_get_rpc_reply(conn->get()), "tx.select");
    for (size_t i = 0; result.ok() && i < bodies.size(); ++i) result = publish(bodies[i]);
    if (result.ok()) {
      amqp_tx_commit(conn->get(), kChannel);
      result = ReplyStatus(amqp_get_rpc_reply(conn->get()), "tx.commit");
    }
  } else {
    result = publish(bodies.front());
    if (result.ok()) {
      // Publishes are not acknowledged; closing the channel makes the broker
      // report an error it met (a deleted exchange, say) before we call the
      // set delivered.
      result = ReplyStatus(amqp_channel_close(conn->get(), kChannel, AMQP_REPLY_SUCCESS), "closing the channel");
    }
  }
  if (!result.ok() && watchdog.fired()) {
    result = DeadlineExceeded("AMQP delivery took longer than " + std::to_string(o_.io_timeout.count()) + " ms");
  }
  if (!result.ok()) return result.WithContext("AMQP delivery to exchange \"" + o_.exchange + "\"");
  return Status::Ok();
}

std::vector<Deliverer::BrokerProbe> AmqpDeliverer::ProbeBrokers(std::chrono::milliseconds timeout) {
  std::vector<BrokerProbe> out;
  AmqpOptions o = o_;
  o.connect_timeout = timeout;
  for (const auto& uri : o.uris) {
    Connection c;
    out.emplace_back(Redact(uri), c.Open(uri, o));  // closed when `c` goes
  }
  return out;
}

}  // namespace lucid::notifier
