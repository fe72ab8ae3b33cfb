#include "notifier/deliverer_factory.h"

#include "notifier/amqp.h"
#include "notifier/stomp.h"
#include "notifier/webhook.h"

namespace lucid::notifier {

std::unique_ptr<Deliverer> MakeDeliverer(const config::Config& cfg, const std::string& psk_key,
                                         const std::string& user_agent, std::shared_ptr<store::NotifierStore> store) {
  const auto& n = cfg.notifier;
  if (n.webhook) {
    WebhookOptions w;
    w.target = n.webhook->target;
    w.callback = n.webhook->callback;
    w.headers = n.webhook->headers;
    w.psk_key = psk_key;
    w.user_agent = user_agent;
    return std::make_unique<WebhookDeliverer>(std::move(w));
  }
  if (n.amqp) {
    AmqpOptions a;
    a.uris = n.amqp->uris;
    a.exchange = n.amqp->exchange.name;
    a.exchange_type = n.amqp->exchange.type;
    a.durable = n.amqp->exchange.durability;
    a.auto_delete = n.amqp->exchange.auto_delete;
    a.routing_key = n.amqp->routing_key;
    a.direct = n.amqp->direct;
    a.rollup = n.amqp->rollup;
    a.callback = n.amqp->callback;
    if (n.amqp->tls) {
      a.root_ca = n.amqp->tls->root_ca;
      a.cert = n.amqp->tls->cert;
      a.key = n.amqp->tls->key;
    }
    return std::make_unique<AmqpDeliverer>(std::move(a), std::move(store));
  }
  if (n.stomp) {
    StompOptions s;
    s.uris = n.stomp->uris;
    s.destination = n.stomp->destination;
    s.direct = n.stomp->direct;
    s.rollup = n.stomp->rollup;
    s.callback = n.stomp->callback;
    if (n.stomp->user) {
      s.login = n.stomp->user->login;
      s.passcode = n.stomp->user->passcode;
    }
    if (n.stomp->tls) {
      s.tls = true;
      s.root_ca = n.stomp->tls->root_ca;
      s.cert = n.stomp->tls->cert;
      s.key = n.stomp->tls->key;
    }
    return std::make_unique<StompDeliverer>(std::move(s), std::move(store));
  }
  return nullptr;
}

}  // namespace lucid::notifier
