// The PSK (auth.psk) and, given Quay's config.yaml, whether Quay and Lucid
// agree: SECURITY_SCANNER_V4_PSK (same decoded key), the issuer Quay signs
// with ("quay", must be in auth.psk.iss), and SECURITY_SCANNER_V4_ENDPOINT
// (a URL whose port matches http_listen_addr; when it answers, a token
// signed the way Quay signs must be accepted).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>

#include "doctor/checks.h"
#include "doctor/probe.h"
#include "http/auth/psk.h"

namespace lucid::doctor::internal {
namespace {

constexpr const char* kQuayIssuer = "quay";  // Quay's secscan v4 client signs iss=quay, exp=now+5m

std::string PortOf(const std::string& hostport) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.find(']', colon) != std::string::npos) return "";
  return hostport.substr(colon + 1);
}

}  // namespace

void CheckPsk(Context& ctx, Report& out) {
  const auto& cfg = *ctx.cfg;
  if (!cfg.auth.psk) {
    out.Add({"psk", "auth.psk", Verdict::kPass, "not configured: the API accepts unauthenticated requests", "", {}});
    return;
  }
  auto key = config::DecodePskKey(cfg.auth.psk->key);
  if (!key.ok()) {
    out.Add({"psk",
             "auth.psk.key",
             Verdict::kFail,
             "not valid base64: " + key.status().message(),
             "generate one with `openssl rand -base64 32`",
             {}});
    return;
  }
  if (key->empty()) {
    out.Add({"psk",
             "auth.psk.key",
             Verdict::kFail,
             "decodes to zero bytes",
             "generate one with `openssl rand -base64 32`",
             {}});
    return;
  }
  std::string iss;
  for (const auto& i : cfg.auth.psk->iss) iss += (iss.empty() ? "" : ", ") + i;
  if (cfg.auth.psk->iss.empty()) {
    out.Add({"psk",
             "auth.psk.iss",
             Verdict::kFail,
             "the issuer list is empty (a start-up error)",
             "list the issuers that call Lucid, e.g. [quay, clairctl]",
             {}});
    return;
  }
  std::map<std::string, std::string> d{{"key_bytes", std::to_string(key->size())}, {"iss", iss}};
  if (key->size() < 32) {
    out.Add({"psk", "auth.psk.key", Verdict::kWarn,
             "valid base64, but only " + std::to_string(key->size()) + " bytes (issuers: " + iss + ")",
             "HS256 wants at least 32 bytes: `openssl rand -base64 32`", d});
  } else {
    out.Add({"psk", "auth.psk.key", Verdict::kPass,
             "valid base64, " + std::to_string(key->size()) + "-byte key, issuers: " + iss, "", d});
  }
}

void CheckQuay(Context& ctx, Report& out) {
  const std::string& path = ctx.opts.quay_config_path;
  YAML::Node q;
  try {
    q = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    out.Add({"quay", "config", Verdict::kFail, "cannot read " + path + ": " + e.what(), "pass Quay's config.yaml", {}});
    return;
  }
  auto str = [&](const char* k) -> std::string {
    try {
      return q[k] && q[k].IsScalar() ? q[k].as<std::string>() : std::string();
    } catch (const std::exception&) {
      return "";
    }
  };
  std::string feature = str("FEATURE_SECURITY_SCANNER");
  if (feature != "true" && feature != "True") {
    out.Add({"quay",
             "FEATURE_SECURITY_SCANNER",
             Verdict::kWarn,
             "is " + (feature.empty() ? std::string("not set") : feature),
             "set FEATURE_SECURITY_SCANNER: true in Quay's config.yaml",
             {}});
  } else {
    out.Add({"quay", "FEATURE_SECURITY_SCANNER", Verdict::kPass, "true", "", {}});
  }

  // PSK agreement (compare decoded bytes: both sides base64-decode).
  std::string quay_psk = str("SECURITY_SCANNER_V4_PSK");
  std::optional<std::string> lucid_key;
  if (ctx.cfg && ctx.cfg->auth.psk) {
    auto k = config::DecodePskKey(ctx.cfg->auth.psk->key);
    if (k.ok()) lucid_key = *k;
  }
  std::optional<std::string> quay_key;
  if (!quay_psk.empty()) {
    auto k = config::DecodePskKey(quay_psk);
    if (!k.ok()) {
      out.Add({"quay",
               "SECURITY_SCANNER_V4_PSK",
               Verdict::kFail,
               "not valid base64: " + k.status().message(),
               "copy Lucid's auth.psk.key into SECURITY_SCANNER_V4_PSK verbatim",
               {}});
    } else {
      quay_key = *k;
    }
  }
  if (quay_psk.empty() && lucid_key) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_PSK",
             Verdict::kFail,
             "not set in Quay, but Lucid requires auth.psk: every Quay request will get 401",
             "set SECURITY_SCANNER_V4_PSK to Lucid's auth.psk.key",
             {}});
  } else if (quay_key && !lucid_key) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_PSK",
             ctx.cfg ? Verdict::kWarn : Verdict::kSkip,
             ctx.cfg ? "set in Quay, but Lucid has no auth.psk: the API is unauthenticated"
                     : "Lucid's configuration did not load",
             "add auth.psk {key: <same base64>, iss: [quay]} to Lucid's config",
             {}});
  } else if (quay_key && lucid_key) {
    if (*quay_key != *lucid_key) {
      out.Add({"quay",
               "SECURITY_SCANNER_V4_PSK",
               Verdict::kFail,
               "differs from Lucid's auth.psk.key: Lucid will answer 401 to every Quay request",
               "copy Lucid's auth.psk.key into Quay's SECURITY_SCANNER_V4_PSK (or the reverse) and restart",
               {}});
    } else {
      out.Add({"quay", "SECURITY_SCANNER_V4_PSK", Verdict::kPass, "matches Lucid's auth.psk.key", "", {}});
    }
    const auto& iss = ctx.cfg->auth.psk->iss;
    if (std::find(iss.begin(), iss.end(), kQuayIssuer) == iss.end()) {
      out.Add({"quay",
               "issuer",
               Verdict::kFail,
               "Quay signs with iss \"quay\", which auth.psk.iss does not list",
               "add quay to auth.psk.iss",
               {}});
    } else {
      out.Add({"quay", "issuer", Verdict::kPass, "auth.psk.iss accepts Quay's issuer \"quay\"", "", {}});
    }
  }

  // Endpoint: a URL, on the port Lucid listens on, and (if reachable) accepting Quay's tokens.
  std::string endpoint = str("SECURITY_SCANNER_V4_ENDPOINT");
  if (endpoint.empty()) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_ENDPOINT",
             Verdict::kFail,
             "not set",
             "set it to Lucid's URL, e.g. http://lucid:6060",
             {}});
    return;
  }
  if (endpoint.find("://") == std::string::npos) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_ENDPOINT",
             Verdict::kFail,
             endpoint + " has no scheme",
             "use a URL: http://HOST:PORT",
             {{"endpoint", endpoint}}});
    return;
  }
  auto scheme_end = endpoint.find("://") + 3;
  std::string hostport = endpoint.substr(scheme_end, endpoint.find('/', scheme_end) - scheme_end);
  std::string port = PortOf(hostport);
  if (port.empty()) port = endpoint.rfind("https", 0) == 0 ? "443" : "80";
  std::string listen = ctx.cfg ? (ctx.cfg->http_listen_addr.empty() ? ":6060" : ctx.cfg->http_listen_addr) : "";
  if (ctx.cfg && PortOf(listen) != port) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_ENDPOINT",
             Verdict::kFail,
             endpoint + " uses port " + port + " but Lucid's http_listen_addr is " + listen,
             "make the ports agree (or check the service/port mapping in between)",
             {{"endpoint", endpoint}}});
  } else if (ctx.cfg) {
    out.Add({"quay",
             "SECURITY_SCANNER_V4_ENDPOINT",
             Verdict::kPass,
             endpoint + " matches http_listen_addr " + listen,
             "",
             {{"endpoint", endpoint}}});
  }
  // Talk to it as Quay would.
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/indexer/api/v1/index_state";
  ProbeOptions po;
  po.connect_timeout = ctx.opts.connect_timeout;
  po.total_timeout = ctx.opts.total_timeout;
  if (quay_key) {
    http::auth::Claims c;
    c.iss = kQuayIssuer;
    c.exp = static_cast<int64_t>(std::time(nullptr)) + 300;
    po.headers.push_back("Authorization: Bearer " + http::auth::Sign(*quay_key, c));
  }
  ProbeResult p = Probe(url, po);
  if (p.date_unix > 0) ctx.skews.push_back({base, static_cast<long long>(std::time(nullptr)) - p.date_unix});
  std::map<std::string, std::string> d{{"url", url}, {"phase", p.phase}, {"status", std::to_string(p.status)}};
  if (p.phase != "ok") {
    out.Add({"quay", "endpoint reachable", Verdict::kWarn, url + " is not reachable from here: " + p.error,
             "run doctor where Quay runs, or start Lucid (`lucid serve`) and retry", d});
  } else if (p.status == 401) {
    out.Add({"quay", "endpoint reachable", Verdict::kFail,
             url + " answered 401 to a token signed with Quay's PSK and iss \"quay\"",
             "the server's auth.psk key or iss list differs from what Quay uses", d});
  } else if (p.status == 200) {
    out.Add({"quay", "endpoint reachable", Verdict::kPass, url + " accepted Quay's credentials (HTTP 200)", "", d});
  } else {
    out.Add({"quay", "endpoint reachable", Verdict::kWarn, url + " answered HTTP " + std::to_string(p.status),
             "is this Lucid (or Clair) at that address?", d});
  }
}

}  // namespace lucid::doctor::internal
