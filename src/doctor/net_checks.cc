// Updater sources: for each configured set, one probe per origin it contacts
// (DNS, TCP, TLS, HTTP status, through the proxy curl picks from the
// environment). Probes run in parallel, each with connect and total timeouts.
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "doctor/checks.h"
#include "doctor/probe.h"
#include "ecosystems/registry.h"
#include "notifier/deliverer_factory.h"
#include "services/components.h"

namespace lucid::doctor::internal {
namespace {

std::string Origin(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

CheckResult Judge(const std::string& set, const std::string& url, const DnsResult* dns, const ProbeResult& p) {
  CheckResult r;
  r.group = "updater";
  r.name = set;
  r.details = {{"url", url}, {"phase", p.phase}};
  std::string via = p.proxy.empty() ? "" : " via proxy " + p.proxy;
  if (!p.proxy.empty()) r.details["proxy"] = p.proxy;
  if (!p.primary_ip.empty()) r.details["ip"] = p.primary_ip;
  if (dns != nullptr && !dns->ok) {
    r.verdict = Verdict::kFail;
    r.details["phase"] = "dns";
    r.reason = "DNS: cannot resolve " + UrlHost(url) + " (" + dns->error + ") for " + url;
    r.hint = "check /etc/resolv.conf and network egress, or set HTTPS_PROXY; airgapped: use `lucid import-updaters`";
    return r;
  }
  if (p.phase == "ok") {
    r.details["status"] = std::to_string(p.status);
    std::string took = " in " + std::to_string(static_cast<int>(p.total_seconds * 1000)) + " ms";
    if (p.status >= 200 && p.status < 400) {
      r.verdict = Verdict::kPass;
      r.reason = "HTTP " + std::to_string(p.status) + " from " + url + via + took;
    } else if (!p.proxy.empty() && (p.status == 403 || p.status == 407)) {
      r.verdict = Verdict::kFail;
      r.reason = "HTTP " + std::to_string(p.status) + " from " + url + via + " (the proxy refused the request?)";
      r.hint = "allow this host in the proxy's rules, or add it to NO_PROXY";
    } else if (p.status >= 500) {
      r.verdict = Verdict::kFail;
      r.reason = "HTTP " + std::to_string(p.status) + " from " + url + via;
      r.hint = "the source is failing; updates keep the previous data and retry; check updaters.config." + set +
               " if this is a mirror";
    } else {
      r.verdict = Verdict::kWarn;
      r.reason = "HTTP " + std::to_string(p.status) + " from " + url + via;
      r.hint = "check the URL in updaters.config." + set + " (`lucid updaters list` shows every URL)";
    }
    return r;
  }
  r.verdict = Verdict::kFail;
  if (p.phase == "proxy") {
    r.reason = "proxy " + p.proxy + " refused or is unreachable for " + url +
               (p.proxy_status > 0 ? " (CONNECT answered " + std::to_string(p.proxy_status) + ")" : "") + ": " +
               p.error;
    r.hint = "check HTTPS_PROXY/https_proxy/http_proxy and NO_PROXY, and the proxy's allow rules (ConnectPort, ACLs)";
    if (p.proxy_status > 0) r.details["proxy_status"] = std::to_string(p.proxy_status);
  } else if (p.phase == "dns") {
    r.reason = "DNS: cannot resolve " + UrlHost(url) + via + ": " + p.error;
    r.hint = "check /etc/resolv.conf (or the proxy's DNS); airgapped: use `lucid import-updaters`";
  } else if (p.phase == "tcp") {
    r.reason = "TCP: cannot connect to " + Origin(url) + ": " + p.error;
    r.hint = "a firewall may block egress; set HTTPS_PROXY if outbound traffic must use a proxy";
  } else if (p.phase == "tls") {
    r.reason = "TLS handshake with " + Origin(url) + via + " failed: " + p.error;
    r.hint = "behind a TLS-inspecting proxy, add its CA via SSL_CERT_FILE or SSL_CERT_DIR";
  } else if (p.phase == "timeout") {
    r.reason = "no complete answer from " + url + via + " within the timeout: " + p.error;
    r.hint = "the network or proxy is slow or dropping packets";
  } else {
    r.reason = "HTTP exchange with " + url + via + " failed: " + p.error;
    r.hint = "retry with `lucid update` and read its log line for this updater";
  }
  return r;
}

}  // namespace

namespace {

// One peer Lucid calls. A Lucid/Clair API (`api`) must answer 200 (or 401
// to this unsigned probe when PSK auth is on); anything else below 500 means
// something else listens there. A webhook receiver only has to answer.
void ProbePeer(Context& ctx, Report& out, const std::string& key, const std::string& url, const std::string& hint,
               bool api) {
  ProbeOptions po;
  po.connect_timeout = ctx.opts.connect_timeout;
  po.total_timeout = ctx.opts.total_timeout;
  ProbeResult p = Probe(url, po);
  if (p.date_unix > 0) ctx.skews.push_back({Origin(url), static_cast<long long>(std::time(nullptr)) - p.date_unix});
  if (p.phase != "ok") {
    out.Add({"config",
             key,
             Verdict::kFail,
             url + " is not reachable: " + p.error,
             hint,
             {{"url", url}, {"phase", p.phase}}});
    return;
  }
  std::map<std::string, std::string> details{{"url", url}, {"status", std::to_string(p.status)}};
  std::string answer = url + " answers (HTTP " + std::to_string(p.status) + ")";
  if (p.status >= 500) {
    out.Add({"config", key, Verdict::kWarn, answer, "the peer is failing; read its log", details});
  } else if (api && p.status != 200 && p.status != 401) {
    out.Add({"config", key, Verdict::kWarn, answer + " but not as a Lucid/Clair API would", hint, details});
  } else {
    out.Add({"config", key, Verdict::kPass, answer, "", details});
  }
}

// AMQP/STOMP brokers: a session is opened and closed exactly as a delivery
// would (TLS, login, exchange), so a wrong vhost, password or exchange shows
// here rather than as silently retried deliveries. Delivery uses the first
// broker that works, so one dead address among working ones only warns.
void CheckBrokers(Context& ctx, Report& out) {
  const auto& cfg = *ctx.cfg;
  const std::string key = cfg.notifier.amqp ? "notifier.amqp.uris" : "notifier.stomp.uris";
  auto deliverer = notifier::MakeDeliverer(cfg, "", "lucid-doctor", nullptr);
  if (!deliverer) return;
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.opts.total_timeout);
  auto probes = deliverer->ProbeBrokers(timeout);
  size_t working = 0;
  for (const auto& [addr, st] : probes) working += st.ok() ? 1 : 0;
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& [addr, st] = probes[i];
    std::string name = key + "[" + std::to_string(i) + "]";
    std::map<std::string, std::string> details{{"broker", addr}, {"mechanism", deliverer->name()}};
    if (st.ok()) {
      out.Add(
          {"config", name, Verdict::kPass, deliverer->name() + " broker " + addr + " accepts a session", "", details});
    } else {
      out.Add({"config", name, working > 0 ? Verdict::kWarn : Verdict::kFail,
               deliverer->name() + " broker " + addr + ": " + st.message(),
               working > 0 ? "deliveries use another broker; fix or remove this address"
                           : "start the broker or correct " + key +
                                 " (credentials, vhost, exchange); undelivered sets are retried",
               details});
    }
  }
}

std::string Base(std::string addr) {
  while (!addr.empty() && addr.back() == '/') addr.pop_back();
  return addr;
}

}  // namespace

void CheckPeers(Context& ctx, Report& out) {
  const auto& cfg = *ctx.cfg;
  // Empty or without a scheme: validation has already failed on it.
  auto usable = [](const std::string& a) { return !a.empty() && a.find("://") != std::string::npos; };
  // A matcher-mode server calls its indexer at matcher.indexer_addr.
  if (ctx.opts.mode == config::Mode::kMatcher && usable(cfg.matcher.indexer_addr)) {
    ProbePeer(ctx, out, "matcher.indexer_addr", Base(cfg.matcher.indexer_addr) + "/indexer/api/v1/index_state",
              "start the indexer or correct matcher.indexer_addr", true);
  }
  // A notifier-mode server reads update operations from the matcher and
  // affected manifests from the indexer.
  if (ctx.opts.mode == config::Mode::kNotifier) {
    if (usable(cfg.notifier.indexer_addr)) {
      ProbePeer(ctx, out, "notifier.indexer_addr", Base(cfg.notifier.indexer_addr) + "/indexer/api/v1/index_state",
                "start the indexer or correct notifier.indexer_addr", true);
    }
    if (usable(cfg.notifier.matcher_addr)) {
      ProbePeer(ctx, out, "notifier.matcher_addr",
                Base(cfg.notifier.matcher_addr) + "/matcher/api/v1/internal/update_operation",
                "start the matcher or correct notifier.matcher_addr", true);
    }
  }
  // Where notifications go: the webhook receiver must at least answer HTTP.
  const bool notifies = ctx.opts.mode == config::Mode::kNotifier || ctx.opts.mode == config::Mode::kCombo;
  if (notifies && cfg.notifier.webhook && usable(cfg.notifier.webhook->target)) {
    ProbePeer(ctx, out, "notifier.webhook.target", cfg.notifier.webhook->target,
              "start the webhook receiver or correct notifier.webhook.target; undelivered sets are retried", false);
  } else if (notifies && (cfg.notifier.amqp || cfg.notifier.stomp)) {
    CheckBrokers(ctx, out);
  }
}

void CheckUpdaters(Context& ctx, Report& out) {
  CheckPeers(ctx, out);
  const auto& cfg = *ctx.cfg;
  if (ctx.opts.mode == config::Mode::kIndexer || ctx.opts.mode == config::Mode::kNotifier) return;
  if (cfg.matcher.disable_updaters) {
    out.Add({"updater",
             "-",
             Verdict::kSkip,
             "matcher.disable_updaters is set: the server runs no updaters",
             "load data with `lucid import-updaters BUNDLE`",
             {}});
    return;
  }
  updater::UpdateManager manager(ecosystems::AllUpdaterSets(), services::UpdaterConfigFrom(cfg));
  auto urls = manager.ListUrls();
  if (urls.empty()) {
    out.Add({"updater",
             "-",
             Verdict::kWarn,
             "no updater sets selected (updaters.sets is empty)",
             "without updaters nothing is matched unless you import a bundle",
             {}});
    return;
  }
  struct Job {
    std::string set, url;
    bool direct = true;
    DnsResult dns;
    ProbeResult probe;
  };
  std::vector<Job> jobs;
  for (const auto& [set, list] : urls) {
    std::set<std::string> origins;
    for (const auto& u : list) {
      if (u.find('<') != std::string::npos || u.find('{') != std::string::npos || u.find(' ') != std::string::npos)
        continue;
      if (!origins.insert(Origin(u)).second) continue;
      if (static_cast<int>(jobs.size()) >= ctx.opts.max_probes) break;
      jobs.push_back({set, u});
    }
    if (origins.empty()) {
      out.Add({"updater",
               set,
               Verdict::kSkip,
               "no fixed URL to probe (URLs are discovered at run time)",
               "`lucid updaters list --resolve` runs discovery",
               {}});
    }
  }
  ProbeOptions po;
  po.connect_timeout = ctx.opts.connect_timeout;
  po.total_timeout = ctx.opts.total_timeout;
  std::vector<std::thread> threads;
  for (auto& j : jobs) {
    threads.emplace_back([&j, &po] {
      // Through a proxy, the proxy resolves the name; resolve locally only when direct.
      j.direct = net::ProxyFor(j.url).empty();
      if (j.direct) {
        j.dns = Resolve(UrlHost(j.url), std::chrono::duration_cast<std::chrono::milliseconds>(po.connect_timeout));
        if (!j.dns.ok) return;
      }
      j.probe = Probe(j.url, po);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& j : jobs) {
    out.Add(Judge(j.set, j.url, j.direct ? &j.dns : nullptr, j.probe));
    if (j.probe.date_unix > 0)
      ctx.skews.push_back({Origin(j.url), static_cast<long long>(std::time(nullptr)) - j.probe.date_unix});
  }
}

}  // namespace lucid::doctor::internal
