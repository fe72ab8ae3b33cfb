// How a notification set reaches its client. Clair has three mechanisms
// (webhook, AMQP, STOMP); exactly one is active (webhook > amqp > stomp).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/notifier_store.h"

namespace lucid::notifier {

class Deliverer {
 public:
  virtual ~Deliverer() = default;
  virtual std::string name() const = 0;  // "webhook", for logs and metrics
  // Where deliveries go (a URL), for logs and `lucid doctor`.
  virtual std::string target() const = 0;
  // OK only when the receiver accepted the set; any error means "retry on
  // the next delivery tick".
  virtual Status Deliver(const store::NotificationSet& set) = 0;
  // Direct AMQP/STOMP delivery hands over the notifications themselves, so
  // nothing is left for a client to page: the set is deleted once delivered.
  virtual bool deletes_after_delivery() const { return false; }
  // For `lucid doctor`: opens a session with every configured broker the
  // way a delivery would (connect, TLS, login, passive exchange declare for
  // AMQP; CONNECT/CONNECTED for STOMP) and closes it without sending. One
  // entry per broker address; empty for mechanisms without brokers.
  using BrokerProbe = std::pair<std::string, Status>;  // address (secrets redacted), outcome
  virtual std::vector<BrokerProbe> ProbeBrokers(std::chrono::milliseconds /*timeout*/) { return {}; }
};

}  // namespace lucid::notifier
