// The one delivery mechanism a configuration selects, shared by the server
// and `lucid doctor` so that both talk to receivers the same way.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "notifier/deliverer.h"
#include "store/notifier_store.h"

namespace lucid::notifier {

// Clair's order of preference: webhook > AMQP > STOMP; nullptr when none is
// configured. `store` may be null when nothing will be delivered (doctor).
std::unique_ptr<Deliverer> MakeDeliverer(const config::Config& cfg, const std::string& psk_key,
                                         const std::string& user_agent, std::shared_ptr<store::NotifierStore> store);

}  // namespace lucid::notifier
