#include "services/remote_matcher.h"

#include <boost/json.hpp>

#include "core/clair_json.h"
#include "http/auth/psk.h"

namespace lucid::services {
namespace bj = boost::json;

RemoteMatcher::RemoteMatcher(std::string base_url, std::string psk_key) : psk_key_(std::move(psk_key)) {
  // Like Clair, only scheme://authority of the address is used.
  auto scheme = base_url.find("://");
  auto slash = scheme == std::string::npos ? std::string::npos : base_url.find('/', scheme + 3);
  base_ = slash == std::string::npos ? base_url : base_url.substr(0, slash);
}

Result<net::Response> RemoteMatcher::Call(const std::string& method, const std::string& path) const {
  net::HttpClient http;
  net::Request req;
  req.method = method;
  req.url = base_ + path;
  req.timeout = std::chrono::seconds(600);
  if (!psk_key_.empty()) req.headers.emplace_back("Authorization", "Bearer " + http::auth::MintToken(psk_key_));
  // The first diff of an updater lists its whole vulnerability set.
  req.max_body_bytes = 1ull << 30;
  auto r = http.Fetch(req);
  if (!r.ok()) return r.status().WithContext(method + " " + req.url);
  if (r->status != 200) {
    std::string msg = method + " " + req.url + ": HTTP " + std::to_string(r->status);
    auto v = json::Parse(r->body);
    if (v.ok() && v->is_object()) {
      if (auto it = v->get_object().find("message"); it != v->get_object().end() && it->value().is_string())
        msg += ": " + std::string(it->value().get_string());
    }
    return r->status == 404 ? NotFound(msg) : Unavailable(msg);
  }
  return r;
}

namespace {

std::string Str(const bj::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

UpdateOperation DecodeOperation(const bj::value& v, const std::string& kind) {
  UpdateOperation u;
  if (!v.is_object()) return u;
  const auto& o = v.get_object();
  u.ref = Str(o, "ref");
  u.updater = Str(o, "updater");
  u.fingerprint = Str(o, "fingerprint");
  u.date = Str(o, "date");
  u.kind = Str(o, "kind");
  if (u.kind.empty()) u.kind = kind;
  return u;
}

Result<std::vector<Vulnerability>> DecodeVulns(const bj::object& o, const char* key) {
  std::vector<Vulnerability> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return Corrupt(std::string("update diff: \"") + key + "\" is not an array");
  out.reserve(it->value().get_array().size());
  for (const auto& v : it->value().get_array()) {
    LUCID_ASSIGN_OR_RETURN(auto vuln, json::DecodeVulnerability(v));
    out.push_back(std::move(vuln));
  }
  return out;
}

}  // namespace

Result<bool> RemoteMatcher::Initialized() {
  auto ops = UpdateOperations("vulnerability", true);
  if (!ops.ok()) return ops.status();
  return !ops->empty();
}

Result<VulnerabilityReport> RemoteMatcher::Scan(const IndexReport&) {
  return Unsupported("the notifier's matcher client does not produce vulnerability reports");
}

Result<std::map<std::string, std::vector<UpdateOperation>>> RemoteMatcher::UpdateOperations(const std::string& kind,
                                                                                            bool latest_only) {
  std::string path = "/matcher/api/v1/internal/update_operation?kind=" + kind;
  if (latest_only) path += "&latest=true";
  LUCID_ASSIGN_OR_RETURN(auto r, Call("GET", path));
  LUCID_ASSIGN_OR_RETURN(auto v, json::Parse(r.body));
  if (!v.is_object()) return Corrupt("update operations response is not an object");
  std::map<std::string, std::vector<UpdateOperation>> out;
  for (const auto& kv : v.get_object()) {
    auto& list = out[std::string(kv.key())];
    if (!kv.value().is_array()) continue;
    for (const auto& u : kv.value().get_array()) list.push_back(DecodeOperation(u, kind));
  }
  return out;
}

Result<std::string> RemoteMatcher::LatestUpdateRef(const std::string& kind) {
  LUCID_ASSIGN_OR_RETURN(auto ops, UpdateOperations(kind, true));
  // The ETag of M2 is the newest ref; without it, pick the newest date.
  std::string best, best_date;
  for (const auto& [updater, list] : ops) {
    if (!list.empty() && list.front().date >= best_date) {
      best = list.front().ref;
      best_date = list.front().date;
    }
  }
  return best;
}

Result<store::UpdateDiff> RemoteMatcher::UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) {
  std::string path = "/matcher/api/v1/internal/update_diff?cur=" + cur_ref;
  if (!prev_ref.empty()) path += "&prev=" + prev_ref;
  LUCID_ASSIGN_OR_RETURN(auto r, Call("GET", path));
  LUCID_ASSIGN_OR_RETURN(auto v, json::Parse(r.body));
  if (!v.is_object()) return Corrupt("update diff response is not an object");
  const auto& o = v.get_object();
  store::UpdateDiff d;
  if (auto it = o.find("prev"); it != o.end()) d.prev = DecodeOperation(it->value(), "vulnerability");
  if (auto it = o.find("cur"); it != o.end()) d.cur = DecodeOperation(it->value(), "vulnerability");
  if (d.prev.ref == "00000000-0000-0000-0000-000000000000") d.prev.ref.clear();
  LUCID_ASSIGN_OR_RETURN(d.added, DecodeVulns(o, "added"));
  LUCID_ASSIGN_OR_RETURN(d.removed, DecodeVulns(o, "removed"));
  return d;
}

Status RemoteMatcher::DeleteUpdateOperation(const std::string& ref) {
  auto r = Call("DELETE", "/matcher/api/v1/internal/update_operation/" + ref);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace lucid::services
