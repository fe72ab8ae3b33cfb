// The AMQP deliverer's failure paths, which need no broker: unreachable and
// silent addresses fail within the timeouts and name every address tried.
// Publishing to a real RabbitMQ broker is exercised end to end in
// tests/integration/test_notifier_brokers.py.
#include "notifier/amqp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "store/store_util.h"

namespace lucid::notifier {
namespace {

// Listens on loopback and accepts, but never speaks AMQP.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

int ClosedPort() {
  SilentServer s;
  return s.port();  // closed when `s` goes
}

store::NotificationSet Set() {
  store::NotificationSet s;
  s.id = store::internal::NewUuidV4();
  return s;
}

AmqpOptions Options(std::vector<std::string> uris) {
  AmqpOptions o;
  o.uris = std::move(uris);
  o.exchange = "notifications";
  o.exchange_type = "direct";
  o.routing_key = "clair";
  o.callback = "http://clair/notifier/api/v1/notification/";
  o.connect_timeout = std::chrono::milliseconds(500);
  o.io_timeout = std::chrono::milliseconds(500);
  return o;
}

TEST(AmqpDeliverer, EveryAddressDownFailsNamingEachWithoutPasswords) {
  std::string a = "amqp://guest:s3cret@127.0.0.1:" + std::to_string(ClosedPort()) + "/";
  std::string b = "amqp://127.0.0.1:" + std::to_string(ClosedPort()) + "/vh";
  AmqpDeliverer d(Options({a, "not a uri", b}), nullptr);
  EXPECT_FALSE(d.deletes_after_delivery());
  Status s = d.Deliver(Set());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no AMQP broker"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not an AMQP URI"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(b), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("s3cret"), std::string::npos) << s.message();
  EXPECT_EQ(d.target().find("s3cret"), std::string::npos) << d.target();
}

TEST(AmqpDeliverer, ASilentPeerTimesOutInsteadOfHanging) {
  SilentServer silent;
  AmqpDeliverer d(Options({"amqp://127.0.0.1:" + std::to_string(silent.port()) + "/"}), nullptr);
  auto started = std::chrono::steady_clock::now();
  Status s = d.Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << s.message();
}

TEST(AmqpDeliverer, DirectModeDeletesAfterDelivery) {
  auto o = Options({"amqp://127.0.0.1:1/"});
  o.direct = true;
  EXPECT_TRUE(AmqpDeliverer(o, nullptr).deletes_after_delivery());
}

}  // namespace
}  // namespace lucid::notifier
