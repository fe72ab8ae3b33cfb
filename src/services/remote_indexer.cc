#include "services/remote_indexer.h"

#include <boost/json.hpp>

#include "core/clair_json.h"
#include "http/auth/psk.h"

namespace lucid::services {
namespace bj = boost::json;

RemoteIndexer::RemoteIndexer(std::string base_url, std::string psk_key, std::string root_ca)
    : psk_key_(std::move(psk_key)), root_ca_(std::move(root_ca)) {
  // Clair discards any path part of indexer_addr; keep scheme://authority.
  auto scheme = base_url.find("://");
  auto slash = scheme == std::string::npos ? std::string::npos : base_url.find('/', scheme + 3);
  base_ = slash == std::string::npos ? base_url : base_url.substr(0, slash);
}

Result<net::Response> RemoteIndexer::Call(const std::string& method, const std::string& path,
                                          const std::string& body) const {
  net::HttpClient http;
  net::Request req;
  req.method = method;
  req.url = base_ + path;
  req.body = body;
  req.timeout = std::chrono::seconds(3600);
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (!psk_key_.empty()) req.headers.emplace_back("Authorization", "Bearer " + http::auth::MintToken(psk_key_));
  req.max_body_bytes = 512u << 20;
  req.ca_file = root_ca_;
  return http.Fetch(req);
}

namespace {
Status Unexpected(const net::Response& r, const std::string& what) {
  std::string msg = what + ": HTTP " + std::to_string(r.status);
  auto parsed = json::Parse(r.body);
  if (parsed.ok() && parsed->is_object()) {
    auto it = parsed->get_object().find("message");
    if (it != parsed->get_object().end() && it->value().is_string())
      msg += ": " + std::string(it->value().get_string());
  }
  if (r.status == 400) return InvalidArgument(msg);
  if (r.status == 404) return NotFound(msg);
  return Unavailable(msg);
}
}  // namespace

std::string RemoteIndexer::State() const {
  auto r = Call("GET", "/indexer/api/v1/index_state", "");
  if (!r.ok() || r->status != 200) return "";
  auto v = json::Parse(r->body);
  if (!v.ok() || !v->is_object()) return "";
  auto it = v->get_object().find("state");
  return it != v->get_object().end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

Result<IndexReport> RemoteIndexer::Index(const Manifest& manifest, CancelFlag) {
  LUCID_ASSIGN_OR_RETURN(auto r,
                         Call("POST", "/indexer/api/v1/index_report", json::Serialize(json::EncodeManifest(manifest))));
  if (r.status != 201 && r.status != 200) return Unexpected(r, "index manifest " + manifest.hash.str());
  return json::DecodeIndexReport(r.body);
}

Result<std::optional<IndexReport>> RemoteIndexer::GetIndexReport(const Digest& manifest) {
  LUCID_ASSIGN_OR_RETURN(auto r, Call("GET", "/indexer/api/v1/index_report/" + manifest.str(), ""));
  if (r.status == 404) return std::optional<IndexReport>();
  if (r.status != 200) return Unexpected(r, "get index report " + manifest.str());
  LUCID_ASSIGN_OR_RETURN(auto report, json::DecodeIndexReport(r.body));
  return std::optional<IndexReport>(std::move(report));
}

Result<std::vector<Digest>> RemoteIndexer::DeleteManifests(const std::vector<Digest>& manifests) {
  bj::array a;
  for (const auto& d : manifests) a.emplace_back(d.str());
  LUCID_ASSIGN_OR_RETURN(auto r, Call("DELETE", "/indexer/api/v1/index_report", bj::serialize(a)));
  if (r.status != 200) return Unexpected(r, "delete manifests");
  LUCID_ASSIGN_OR_RETURN(auto v, json::Parse(r.body));
  std::vector<Digest> out;
  if (v.is_array()) {
    for (const auto& s : v.get_array()) {
      if (!s.is_string()) continue;
      auto d = Digest::Parse(s.get_string());
      if (d.ok()) out.push_back(*d);
    }
  }
  return out;
}

Result<AffectedManifests> RemoteIndexer::GetAffectedManifests(const std::vector<Vulnerability>& vulns) {
  bj::array a;
  for (const auto& v : vulns) a.push_back(json::EncodeVulnerability(v));
  bj::object body;
  body["vulnerabilities"] = std::move(a);
  LUCID_ASSIGN_OR_RETURN(auto r, Call("POST", "/indexer/api/v1/internal/affected_manifest/", bj::serialize(body)));
  if (r.status != 200) return Unexpected(r, "affected manifests");
  LUCID_ASSIGN_OR_RETURN(auto v, json::Parse(r.body));
  AffectedManifests out;
  if (!v.is_object()) return Corrupt("affected manifests response is not an object");
  const auto& o = v.get_object();
  if (auto it = o.find("vulnerabilities"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      LUCID_ASSIGN_OR_RETURN(out.vulnerabilities[std::string(kv.key())], json::DecodeVulnerability(kv.value()));
    }
  }
  if (auto it = o.find("vulnerable_manifests"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      auto& list = out.vulnerable_manifests[std::string(kv.key())];
      if (!kv.value().is_array()) continue;
      for (const auto& id : kv.value().get_array()) {
        if (id.is_string()) list.emplace_back(id.get_string());
      }
    }
  }
  return out;
}

}  // namespace lucid::services
