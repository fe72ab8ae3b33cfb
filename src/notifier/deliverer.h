// How a notification set reaches its client. Clair has three mechanisms
// (webhook, AMQP, STOMP); exactly one is active (webhook > amqp > stomp).
#pragma once

#include <string>

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
};

}  // namespace lucid::notifier
