// Webhook delivery (contract §5.3): POST the callback message to the
// target; only HTTP 200 counts as delivered.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "notifier/deliverer.h"

namespace lucid::notifier {

struct WebhookOptions {
  std::string target;    // URL the callback message is POSTed to
  std::string callback;  // base URL of the notification API, normalised to end in '/'
  std::map<std::string, std::vector<std::string>> headers;  // sent with every POST
  std::string psk_key;                                      // decoded PSK; "" = no Authorization header
  std::string user_agent;
  std::chrono::seconds timeout{60};
};

class WebhookDeliverer final : public Deliverer {
 public:
  explicit WebhookDeliverer(WebhookOptions o);
  std::string name() const override { return "webhook"; }
  std::string target() const override { return o_.target; }
  Status Deliver(const store::NotificationSet& set) override;

 private:
  WebhookOptions o_;
};

}  // namespace lucid::notifier
