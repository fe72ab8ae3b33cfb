// STOMP 1.x delivery (contract §5.5): a fresh connection per delivery to the
// first reachable host:port, CONNECT, SEND(s) to the destination with a
// receipt, DISCONNECT.
//
// The client is our own, a few hundred lines over Boost.Asio: Debian has no
// maintained C or C++ STOMP library, and Lucid needs only CONNECT, SEND,
// BEGIN/COMMIT/ABORT and RECEIPT handling with hard timeouts.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "notifier/deliverer.h"

namespace lucid::notifier {

struct StompOptions {
  std::vector<std::string> uris;  // host:port, tried in order
  std::string destination;
  bool direct = false;
  int64_t rollup = 0;    // direct: notifications per message (0/1 = one)
  std::string callback;  // callback mode: base URL, normalised to end in '/'
  // Clair accepts but never sends these; Lucid sends them when configured
  // (brokers that allow anonymous access ignore them).
  std::string login;
  std::string passcode;
  // TLS when set (`tls` block); root_ca "" = the system trust store.
  bool tls = false;
  std::string root_ca;
  std::string cert;
  std::string key;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};  // per address, as Clair's dial
  std::chrono::milliseconds io_timeout{std::chrono::seconds(60)};       // one whole delivery after connecting
};

class StompDeliverer final : public Deliverer {
 public:
  // `store` is read in direct mode (the notifications themselves are sent).
  StompDeliverer(StompOptions o, std::shared_ptr<store::NotifierStore> store);
  std::string name() const override { return "stomp"; }
  std::string target() const override;
  Status Deliver(const store::NotificationSet& set) override;
  bool deletes_after_delivery() const override { return o_.direct; }
  std::vector<BrokerProbe> ProbeBrokers(std::chrono::milliseconds timeout) override;

 private:
  StompOptions o_;
  std::shared_ptr<store::NotifierStore> store_;
};

}  // namespace lucid::notifier
