// AMQP 0-9-1 delivery (contract §5.4) over librabbitmq (rabbitmq-c): the
// first broker in `uris` that connects (and passes a passive declare of the
// configured exchange) gets the set, as one callback message or, in direct
// mode, as JSON arrays of notifications inside one channel transaction.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "notifier/deliverer.h"

namespace lucid::notifier {

struct AmqpOptions {
  std::vector<std::string> uris;  // amqp:// or amqps://, tried in order
  std::string exchange;           // "" = the default exchange (not declared)
  std::string exchange_type;
  bool durable = false;
  bool auto_delete = false;
  std::string routing_key;
  bool direct = false;
  int64_t rollup = 0;    // direct: notifications per message (0/1 = one)
  std::string callback;  // callback mode: base URL, normalised to end in '/'
  // amqps:// only; root_ca "" = the system trust store.
  std::string root_ca;
  std::string cert;
  std::string key;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};  // per URI: TCP, TLS, login, declare
  std::chrono::milliseconds io_timeout{std::chrono::seconds(60)};       // publishing one whole set
};

class AmqpDeliverer final : public Deliverer {
 public:
  // `store` is read in direct mode (the notifications themselves are sent).
  AmqpDeliverer(AmqpOptions o, std::shared_ptr<store::NotifierStore> store);
  std::string name() const override { return "amqp"; }
  std::string target() const override;
  Status Deliver(const store::NotificationSet& set) override;
  bool deletes_after_delivery() const override { return o_.direct; }
  std::vector<BrokerProbe> ProbeBrokers(std::chrono::milliseconds timeout) override;

 private:
  AmqpOptions o_;
  std::shared_ptr<store::NotifierStore> store_;
};

}  // namespace lucid::notifier
