// The STOMP deliverer against a scripted broker on loopback: the frames it
// sends, failover across uris, and how it fails on ERROR frames, silence and
// oversized replies. The real RabbitMQ broker is exercised end to end in
// tests/integration/test_notifier_brokers.py.
#include "notifier/stomp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "notifier/notification.h"
#include "notifier/stomp_frame.h"
#include "store/notifier_store.h"
#include "store/store_util.h"

namespace lucid::notifier {
namespace {

using namespace std::string_literals;
namespace fs = std::filesystem;

// Accepts connections on 127.0.0.1 and hands each to `script`.
class ScriptedBroker {
 public:
  using Script = std::function<void(ScriptedBroker&, int fd)>;
  explicit ScriptedBroker(Script script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        parser_ = stomp::Parser();
        script_(*this, c);
        ::close(c);
      }
    });
  }
  ~ScriptedBroker() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string uri() const { return "127.0.0.1:" + std::to_string(port_); }

  // Next frame from the client, or nullopt when it hung up.
  std::optional<stomp::Frame> Read(int fd) {
    char buf[4096];
    while (true) {
      auto f = parser_.Next();
      if (!f.ok()) return std::nullopt;
      if (*f) {
        std::lock_guard<std::mutex> l(mu_);
        received_.push_back(**f);
        return **f;
      }
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      parser_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  static void Write(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  static void Reply(int fd, const stomp::Frame& f) { Write(fd, stomp::Encode(f, stomp::Version::k1_2)); }
  // Answers every frame that asks for a receipt; CONNECT gets CONNECTED.
  void Cooperate(int fd, const std::function<bool(const stomp::Frame&)>& fail = nullptr) {
    while (auto f = Read(fd)) {
      if (f->command == "CONNECT") {
        Reply(fd, {"CONNECTED", {{"version", "1.2"}}, ""});
        continue;
      }
      if (fail && fail(*f)) {
        Reply(fd, {"ERROR", {{"message", "no such destination"}}, "details here"});
        return;
      }
      if (auto r = f->Header("receipt")) Reply(fd, {"RECEIPT", {{"receipt-id", *r}}, ""});
      if (f->command == "DISCONNECT") return;
    }
  }
  std::vector<stomp::Frame> received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_;
  }

 private:
  Script script_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  stomp::Parser parser_;
  std::mutex mu_;
  std::vector<stomp::Frame> received_;
};

std::string ClosedPortUri() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

StompOptions Options(std::vector<std::string> uris) {
  StompOptions o;
  o.uris = std::move(uris);
  o.destination = "/queue/notify";
  o.callback = "http://clair/notifier/api/v1/notification";
  o.connect_timeout = std::chrono::seconds(5);
  o.io_timeout = std::chrono::seconds(5);
  return o;
}

store::NotificationSet Set() {
  store::NotificationSet s;
  s.id = store::internal::NewUuidV4();
  s.uo_ref = store::internal::NewUuidV4();
  s.updater = "debian";
  return s;
}

TEST(StompDeliverer, CallbackModeSendsOneMessageAndWaitsForItsReceipt) {
  ScriptedBroker b([](ScriptedBroker& self, int fd) { self.Cooperate(fd); });
  auto o = Options({ClosedPortUri(), b.uri()});  // the first address is down
  o.login = "lucid";
  o.passcode = "secret";
  StompDeliverer d(o, nullptr);
  EXPECT_FALSE(d.deletes_after_delivery());
  auto set = Set();
  ASSERT_TRUE(d.Deliver(set).ok());
  auto got = b.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].command, "CONNECT");
  EXPECT_EQ(got[0].Header("accept-version"), "1.0,1.1,1.2");
  EXPECT_EQ(got[0].Header("host"), "127.0.0.1");
  EXPECT_EQ(got[0].Header("login"), "lucid");
  EXPECT_EQ(got[0].Header("passcode"), "secret");
  EXPECT_EQ(got[1].command, "SEND");
  EXPECT_EQ(got[1].Header("destination"), "/queue/notify");
  EXPECT_EQ(got[1].Header("content-type"), "application/json");
  EXPECT_TRUE(got[1].Header("receipt").has_value());
  EXPECT_EQ(got[1].body, EncodeCallback("http://clair/notifier/api/v1/notification/", set.id));
  EXPECT_EQ(got[2].command, "DISCONNECT");
}

TEST(StompDeliverer, DirectModeSendsArraysInOneTransaction) {
  auto dir = fs::temp_directory_path() / ("lucid-stomp-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto st = store::OpenNotifierStore("sqlite:" + (dir / "direct.db").string(), true);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto set = Set();
  std::vector<store::StoredNotification> rows;
  for (int i = 0; i < 5; ++i) rows.push_back({store::internal::NewUuidV4(), "{\"n\":" + std::to_string(i) + "}"});
  ASSERT_TRUE((*st)->PutNotificationSet(set, rows).ok());

  ScriptedBroker b([](ScriptedBroker& self, int fd) { self.Cooperate(fd); });
  auto o = Options({b.uri()});
  o.direct = true;
  o.rollup = 2;
  StompDeliverer d(o, *st);
  EXPECT_TRUE(d.deletes_after_delivery());
  ASSERT_TRUE(d.Deliver(set).ok());
  auto got = b.received();
  std::vector<std::string> commands;
  for (const auto& f : got) commands.push_back(f.command);
  EXPECT_EQ(commands, (std::vector<std::string>{"CONNECT", "BEGIN", "SEND", "SEND", "SEND", "COMMIT", "DISCONNECT"}));
  std::string tx = *got[1].Header("transaction");
  size_t total = 0;
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(got[i].Header("transaction"), tx);
    auto arr = boost::json::parse(got[i].body).as_array();
    EXPECT_LE(arr.size(), 2u);
    total += arr.size();
  }
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(got[5].Header("transaction"), tx);
  EXPECT_TRUE(got[5].Header("receipt").has_value());

  // rollup 0: one notification per message, still an array.
  ScriptedBroker b2([](ScriptedBroker& self, int fd) { self.Cooperate(fd); });
  o.uris = {b2.uri()};
  o.rollup = 0;
  ASSERT_TRUE(StompDeliverer(o, *st).Deliver(set).ok());
  size_t sends = 0;
  for (const auto& f : b2.received()) {
    if (f.command != "SEND") continue;
    ++sends;
    EXPECT_EQ(boost::json::parse(f.body).as_array().size(), 1u);
  }
  EXPECT_EQ(sends, 5u);
  fs::remove_all(dir);
}

TEST(StompDeliverer, ErrorFramesFailTheDelivery) {
  ScriptedBroker b([](ScriptedBroker& self, int fd) {
    self.Cooperate(fd, [](const stomp::Frame& f) { return f.command == "SEND"; });
  });
  StompDeliverer d(Options({b.uri()}), nullptr);
  Status s = d.Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no such destination"), std::string::npos) << s.message();

  // RabbitMQ acknowledges a COMMIT and only then reports failed publishes
  // with ERROR: the DISCONNECT receipt is what proves delivery.
  ScriptedBroker late([](ScriptedBroker& self, int fd) {
    self.Cooperate(fd, [](const stomp::Frame& f) { return f.command == "DISCONNECT"; });
  });
  s = StompDeliverer(Options({late.uri()}), nullptr).Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no such destination"), std::string::npos) << s.message();

  // A broker that refuses the session itself makes every address fail.
  ScriptedBroker refuse([](ScriptedBroker& self, int fd) {
    if (self.Read(fd)) ScriptedBroker::Reply(fd, {"ERROR", {{"message", "access refused"}}, ""});
  });
  s = StompDeliverer(Options({refuse.uri()}), nullptr).Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("access refused"), std::string::npos) << s.message();
}

TEST(StompDeliverer, SilentOrHostileBrokersFailWithinTheTimeouts) {
  // Accepts and never answers.
  ScriptedBroker silent([](ScriptedBroker& self, int fd) {
    self.Read(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  });
  auto o = Options({silent.uri()});
  o.connect_timeout = std::chrono::milliseconds(300);
  o.io_timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  Status s = StompDeliverer(o, nullptr).Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));

  // Answers CONNECT with an endless frame.
  ScriptedBroker flood([](ScriptedBroker& self, int fd) {
    if (!self.Read(fd)) return;
    ScriptedBroker::Write(fd, "CONNECTED\nversion:1.2\n\n");
    std::string junk(64 * 1024, 'x');
    for (int i = 0; i < 40; ++i) ScriptedBroker::Write(fd, junk);  // 2.5 MiB, no NUL
  });
  s = StompDeliverer(Options({flood.uri()}), nullptr).Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exceeds"), std::string::npos) << s.message();

  // Every address down.
  s = StompDeliverer(Options({ClosedPortUri(), ClosedPortUri()}), nullptr).Deliver(Set());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no STOMP broker"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace lucid::notifier
