#include "notifier/webhook.h"

#include "http/auth/psk.h"
#include "net/http_client.h"
#include "notifier/notification.h"

namespace lucid::notifier {

WebhookDeliverer::WebhookDeliverer(WebhookOptions o) : o_(std::move(o)) {
  if (!o_.callback.empty() && o_.callback.back() != '/') o_.callback += '/';
}

Status WebhookDeliverer::Deliver(const store::NotificationSet& set) {
  net::HttpClient http;
  if (!o_.user_agent.empty()) http.user_agent = o_.user_agent;
  net::Request req;
  req.method = "POST";
  req.url = o_.target;
  req.body = EncodeCallback(o_.callback, set.id);
  req.timeout = o_.timeout;
  req.connect_timeout = std::chrono::seconds(10);
  req.max_body_bytes = 1 << 20;  // receivers answer briefly; never buffer more
  req.follow_redirects = false;
  req.headers.emplace_back("Content-Type", "application/json");
  for (const auto& [name, values] : o_.headers) {
    for (const auto& v : values) req.headers.emplace_back(name, v);
  }
  if (!o_.psk_key.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + http::auth::MintToken(o_.psk_key, "clair-notifier"));
  }
  auto r = http.Fetch(req);
  if (!r.ok()) return r.status();
  // Like Clair, only 200 counts: a 202 or 204 is retried too.
  if (r->status >= 200 && r->status < 300 && r->status != 200) {
    return Unavailable("webhook " + o_.target + " answered HTTP " + std::to_string(r->status) + " (want 200)");
  }
  if (r->status != 200) return net::HttpError(req, *r);
  return Status::Ok();
}

}  // namespace lucid::notifier
