#include "http/api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "base/hash.h"
#include "base/io.h"
#include "base/strings.h"
#include "core/clair_json.h"
#include "http/encoding.h"

namespace lucid::http {
namespace bj = boost::json;

namespace {

enum Endpoint {
  kNone = 0,
  kIndexReport,
  kBulkDelete,
  kGetIndexReport,
  kDeleteIndexReport,
  kIndexState,
  kAffectedManifests,
  kVulnerabilityReport,
  kUpdateOperations,
  kDeleteUpdateOperation,
  kUpdateDiff,
  kOpenApi,
  kRobots,
  kGetNotifications,
  kDeleteNotifications,
};

enum Mount { kMountIndexer, kMountMatcher, kMountNotifier, kMountAlways };

struct MethodEndpoint {
  const char* method;
  Endpoint endpoint;
};

struct Pattern {
  std::string_view path;  // ends with '/' = subtree
  Mount mount;
  const char* group;
  const char* label;
  std::vector<MethodEndpoint> methods;
};

const std::vector<Pattern>& Patterns() {
  static const std::vector<Pattern> kPatterns = {
      {"/indexer/api/v1/index_report",
       kMountIndexer,
       "indexerv1",
       "/indexer/api/v1/index_report",
       {{"POST", kIndexReport}, {"DELETE", kBulkDelete}}},
      {"/indexer/api/v1/index_report/",
       kMountIndexer,
       "indexerv1",
       "/indexer/api/v1/index_report/:digest",
       {{"GET", kGetIndexReport}, {"DELETE", kDeleteIndexReport}}},
      {"/indexer/api/v1/index_state",
       kMountIndexer,
       "indexerv1",
       "/indexer/api/v1/index_state",
       {{"GET", kIndexState}}},
      {"/indexer/api/v1/internal/affected_manifest/",
       kMountIndexer,
       "indexerv1",
       "/indexer/api/v1/internal/affected_manifest/",
       {{"POST", kAffectedManifests}}},
      {"/matcher/api/v1/vulnerability_report/",
       kMountMatcher,
       "matcherv1",
       "/matcher/api/v1/vulnerability_report/",
       {{"GET", kVulnerabilityReport}}},
      {"/matcher/api/v1/internal/update_operation",
       kMountMatcher,
       "matcherv1",
       "/matcher/api/v1/internal/update_operation",
       {{"GET", kUpdateOperations}}},
      {"/matcher/api/v1/internal/update_operation/",
       kMountMatcher,
       "matcherv1",
       "/matcher/api/v1/internal/update_operation/",
       {{"DELETE", kDeleteUpdateOperation}}},
      {"/matcher/api/v1/internal/update_diff",
       kMountMatcher,
       "matcherv1",
       "/matcher/api/v1/internal/update_diff",
       {{"GET", kUpdateDiff}}},
      {"/notifier/api/v1/notification/",
       kMountNotifier,
       "notifierv1",
       "/notifier/api/v1/notification/",
       {{"GET", kGetNotifications}, {"DELETE", kDeleteNotifications}}},
      {"/openapi/v1", kMountAlways, "discovery", "/openapi/v1", {{"GET", kOpenApi}}},
      {"/robots.txt", kMountAlways, "", "/robots.txt", {{"GET", kRobots}, {"HEAD", kRobots}}},
  };
  return kPatterns;
}

bool Matches(const Pattern& p, std::string_view path) {
  if (p.path.back() == '/') return StartsWith(path, p.path);
  return path == p.path;
}

constexpr const char* kIndexReportType = "application/vnd.clair.index_report.v1+json";
constexpr const char* kIndexReportRel = "https://projectquay.io/clair/v1/index_report";
constexpr const char* kVulnReportRel = "https://projectquay.io/clair/v1/vulnerability_report";

Response Json(int status, const bj::value& v, std::string content_type = "application/json") {
  Response r;
  r.status = status;
  r.Set("Content-Type", std::move(content_type));
  r.Set("Trailer", "Clair-Error");  // declared as upstream does; never sent (bodies are fully built first)
  r.body = json::Serialize(v);
  return r;
}

Response Empty(int status) {
  Response r;
  r.status = status;
  return r;
}

bool IfNoneMatch(const Request& req, const std::string& etag) {
  for (std::string_view v : req.Header("if-none-match"))
    if (v == etag) return true;
  return false;
}

std::string LastElement(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

bj::value EncodeOperations(const std::vector<UpdateOperation>& ops) {
  bj::array a;
  for (auto op : ops) {
    op.kind.clear();  // upstream never selects the column (contract §1.6 M2)
    a.push_back(json::EncodeUpdateOperation(op));
  }
  return a;
}

bj::value EncodeVulnList(const std::vector<Vulnerability>& vs) {
  if (vs.empty()) return nullptr;  // Go's nil slice
  bj::array a;
  for (const auto& v : vs) a.push_back(json::EncodeVulnerability(v));
  return a;
}

}  // namespace

std::string CleanPath(std::string_view p) {
  if (p.empty()) return "/";
  std::string in = p[0] == '/' ? std::string(p) : "/" + std::string(p);
  std::vector<std::string_view> out;
  for (std::string_view seg : SplitString(in, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string np;
  for (auto seg : out) {
    np.push_back('/');
    np.append(seg);
  }
  if (np.empty()) np = "/";
  if (in.back() == '/' && np != "/") np.push_back('/');
  return np;
}

bool GoParseBoolTrue(std::string_view s) {
  return s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True";
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::string Negotiate(const std::vector<std::string_view>& accept, const std::vector<std::string>& allow, int* status) {
  if (accept.empty()) return allow.front();
  struct Range {
    std::string type, sub;
    double q;
  };
  std::vector<Range> ranges;
  for (std::string_view line : accept) {
    for (std::string_view item : SplitString(line, ',')) {
      item = TrimSpace(item);
      if (item.empty()) continue;
      auto params = SplitString(item, ';');
      std::string_view mt = TrimSpace(params[0]);
      size_t slash = mt.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == mt.size()) {
        *status = 400;
        return "";
      }
      Range r{ToLower(mt.substr(0, slash)), ToLower(mt.substr(slash + 1)), 1.0};
      for (size_t i = 1; i < params.size(); ++i) {
        std::string_view kv = TrimSpace(params[i]);
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) {
          *status = 400;
          return "";
        }
        if (ToLower(TrimSpace(kv.substr(0, eq))) == "q") {
          std::string qs(TrimSpace(kv.substr(eq + 1)));
          char* end = nullptr;
          r.q = std::strtod(qs.c_str(), &end);
          if (qs.empty() || *end != '\0') {
            *status = 400;
            return "";
          }
        }
      }
      ranges.push_back(std::move(r));
    }
  }
  std::stable_sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.q > b.q; });
  for (const auto& r : ranges) {
    for (const auto& cand : allow) {
      size_t slash = cand.find('/');
      std::string t = cand.substr(0, slash), s = cand.substr(slash + 1);
      if ((r.type == "*" || r.type == t) && (r.sub == "*" || r.sub == s)) return cand;
    }
  }
  *status = 415;
  return "";
}

Api::Api(ApiOptions options, services::IndexerService* indexer, services::MatcherService* matcher)
    : options_(std::move(options)),
      indexer_(indexer),
      matcher_(matcher),
      reports_(std::make_unique<ReportCache>(ReportCache::Options{options_.report_cache_ttl})) {}

Route Api::Resolve(const std::string& method, const std::string& path, const std::string& query) const {
  Route route;
  std::string clean = CleanPath(path);
  if (clean != path) {
    route.kind = Route::Kind::kRedirect;
    route.location = query.empty() ? clean : clean + "?" + query;
    return route;
  }
  const Pattern* best = nullptr;
  bool redirect_to_subtree = false;
  for (const auto& p : Patterns()) {
    if (p.mount == kMountIndexer && (!options_.indexer || !indexer_)) continue;
    if (p.mount == kMountMatcher && (!options_.matcher || !matcher_)) continue;
    if (p.mount == kMountNotifier && !notifier_) continue;
    if (Matches(p, path) && (!best || p.path.size() > best->path.size())) best = &p;
    if (p.path.back() == '/' && path + "/" == p.path) redirect_to_subtree = true;
  }
  // ServeMux: "/x" with only "/x/" registered redirects (unless "/x" itself is a pattern).
  if ((!best || best->path.back() == '/') && redirect_to_subtree && !(best && best->path == path)) {
    route.kind = Route::Kind::kRedirect;
    route.location = query.empty() ? path + "/" : path + "/?" + query;
    return route;
  }
  if (!best) return route;
  route.group = best->group;
  route.handler_label = best->label;
  for (const auto& me : best->methods) {
    if (method == me.method) {
      route.kind = Route::Kind::kHandler;
      route.endpoint = me.endpoint;
      break;
    }
  }
  if (route.kind != Route::Kind::kHandler) {
    route.kind = Route::Kind::kMethodNotAllowed;
    for (size_t i = 0; i < best->methods.size(); ++i) {
      if (i) route.allowed += " or ";
      route.allowed += best->methods[i].method;
    }
  }
  // Upstream's gate predicate on the indexer handler: POST, or the exact I1/I2 path.
  route.gated = best->mount == kMountIndexer && (method == "POST" || path == "/indexer/api/v1/index_report");
  return route;
}

Response Api::Error(int status, std::string message) {
  const char* code = "internal-error";
  switch (status) {
    case 400:
      code = "bad-request";
      break;
    case 404:
      code = "not-found";
      break;
    case 405:
      code = "method-not-allowed";
      break;
    case 429:
      code = "too-many-requests";
      break;
    default:
      break;
  }
  bj::object o;
  o["code"] = code;
  if (!message.empty()) o["message"] = message;
  Response r = Json(status, o);
  r.Set("X-Content-Type-Options", "nosniff");
  return r;
}

Response Api::NotFoundText() {
  Response r;
  r.status = 404;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.Set("X-Content-Type-Options", "nosniff");
  r.body = "404 page not found\n";
  return r;
}

Response Api::Handle(const Route& route, const Request& req, const services::CancelFlag& cancel) {
  switch (route.kind) {
    case Route::Kind::kNotFound:
      return NotFoundText();
    case Route::Kind::kRedirect: {
      Response r = Empty(301);
      r.Set("Location", route.location);
      return r;
    }
    case Route::Kind::kMethodNotAllowed:
      return Error(405, "method " + req.method + " not allowed; endpoint only allows " + route.allowed);
    case Route::Kind::kHandler:
      break;
  }
  switch (static_cast<Endpoint>(route.endpoint)) {
    case kIndexReport:
      return IndexReport(req, cancel);
    case kBulkDelete:
      return BulkDelete(req);
    case kGetIndexReport:
      return GetIndexReport(req);
    case kDeleteIndexReport:
      return DeleteIndexReport(req);
    case kIndexState:
      return IndexState(req);
    case kAffectedManifests:
      return AffectedManifests(req);
    case kVulnerabilityReport:
      return VulnerabilityReport(req);
    case kUpdateOperations:
      return UpdateOperations(req);
    case kDeleteUpdateOperation:
      return DeleteUpdateOperation(req);
    case kUpdateDiff:
      return UpdateDiff(req);
    case kOpenApi:
      return OpenApi(req);
    case kRobots:
      return Robots(req);
    case kGetNotifications:
      return GetNotifications(req);
    case kDeleteNotifications:
      return DeleteNotifications(req);
    case kNone:
      break;
  }
  return NotFoundText();
}

// I1 POST /indexer/api/v1/index_report
Response Api::IndexReport(const Request& req, const services::CancelFlag& cancel) {
  const std::string state = indexer_->State();
  auto parsed = json::Parse(req.body);
  if (!parsed.ok()) return Error(400, "failed to deserialize manifest: " + parsed.status().message());
  auto manifest = json::DecodeManifest(req.body);
  if (!manifest.ok()) {
    if (StartsWith(manifest.status().message(), "bogus manifest")) return Error(400, "bogus manifest");
    return Error(400, "failed to deserialize manifest: " + manifest.status().message());
  }
  if (manifest->hash.empty() || manifest->layers.empty()) return Error(400, "bogus manifest");
  const std::string digest = manifest->hash.str();
  Response links;
  links.Add("Link", "</indexer/api/v1/index_report/" + digest + ">; rel=\"" + kIndexReportRel + "\"");
  links.Add("Link", "</matcher/api/v1/vulnerability_report/" + digest + ">; rel=\"" + kVulnReportRel + "\"");
  if (IfNoneMatch(req, Quote(state))) {
    links.status = 412;
    return links;
  }
  auto report = indexer_->Index(*manifest, cancel);
  reports_->Erase(digest);  // a re-index may have changed (or failed) the report
  if (!report.ok()) {
    // Error responses drop the Link headers (§1.2).
    int status = report.status().code() == StatusCode::kInvalidArgument ? 400 : 500;
    return Error(status, "failed to start scan: " + report.status().message());
  }
  Response r = Json(201, json::EncodeIndexReport(*report), kIndexReportType);
  for (auto& h : links.headers) r.headers.push_back(h);
  r.Set("ETag", Quote(state));
  r.Set("Location", "/indexer/api/v1/index_report/" + digest);
  return r;
}

// I2 DELETE /indexer/api/v1/index_report
Response Api::BulkDelete(const Request& req) {
  auto v = json::Parse(req.body);
  if (!v.ok()) return Error(400, "failed to deserialize bulk delete: " + v.status().message());
  std::vector<Digest> digests;
  if (!v->is_null()) {
    if (!v->is_array()) return Error(400, "failed to deserialize bulk delete: expected an array of digests");
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) return Error(400, "failed to deserialize bulk delete: expected an array of digests");
      auto d = Digest::Parse(e.get_string());
      if (!d.ok()) return Error(400, "failed to deserialize bulk delete: " + d.status().message());
      digests.push_back(*d);
    }
  }
  auto deleted = indexer_->DeleteManifests(digests);
  for (const auto& d : digests) reports_->Erase(d.str());
  if (!deleted.ok()) return Error(500, "could not delete manifests: " + deleted.status().message());
  bj::array out;
  for (const auto& d : *deleted) out.emplace_back(d.str());
  return Json(200, out);
}

// I3 GET /indexer/api/v1/index_report/{digest}
Response Api::GetIndexReport(const Request& req) {
  auto digest = Digest::Parse(LastElement(req.path));
  if (!digest.ok()) return Error(400, "malformed path: " + digest.status().message());
  int status = 0;
  std::string type = Negotiate(req.Header("accept"), {kIndexReportType, "application/json"}, &status);
  if (type.empty())
    return status == 400 ? Error(400, "malformed Accept header") : Error(415, "no acceptable media type");
  const std::string state = indexer_->State();
  if (IfNoneMatch(req, Quote(state))) return Empty(304);
  auto report = indexer_->GetIndexReport(*digest);
  if (!report.ok() || !report->has_value()) return Error(404, "index report not found");
  Response r = Json(200, json::EncodeIndexReport(**report), type);
  r.Set("ETag", Quote(state));
  return r;
}

// I4 DELETE /indexer/api/v1/index_report/{digest}
Response Api::DeleteIndexReport(const Request& req) {
  auto digest = Digest::Parse(LastElement(req.path));
  if (!digest.ok()) return Error(400, "malformed path: " + digest.status().message());
  auto deleted = indexer_->DeleteManifests({*digest});
  reports_->Erase(digest->str());
  if (!deleted.ok()) return Error(500, "could not delete manifest: " + deleted.status().message());
  return Empty(204);
}

// I5 GET /indexer/api/v1/index_state
Response Api::IndexState(const Request& req) {
  int status = 0;
  std::string type =
      Negotiate(req.Header("accept"), {"application/vnd.clair.index_state.v1+json", "application/json"}, &status);
  if (type.empty())
    return status == 400 ? Error(400, "malformed Accept header") : Error(415, "no acceptable media type");
  const std::string etag = Quote(indexer_->State());
  if (IfNoneMatch(req, etag)) {
    Response r = Empty(304);
    r.Set("ETag", etag);
    return r;
  }
  Response r = Json(200, bj::object{{"state", indexer_->State()}}, type);
  r.Set("ETag", etag);
  return r;
}

// I6 POST /indexer/api/v1/internal/affected_manifest/
Response Api::AffectedManifests(const Request& req) {
  int status = 0;
  std::string type = Negotiate(req.Header("accept"),
                               {"application/vnd.clair.affected_manifests.v1+json", "application/json"}, &status);
  if (type.empty())
    return status == 400 ? Error(400, "malformed Accept header") : Error(415, "no acceptable media type");
  const std::string prefix = "failed to deserialize vulnerabilities: ";
  auto v = json::Parse(req.body);
  if (!v.ok()) return Error(400, prefix + v.status().message());
  if (!v->is_object()) return Error(400, prefix + "expected an object with \"vulnerabilities\"");
  std::vector<Vulnerability> vulns;
  auto it = v->get_object().find("vulnerabilities");
  if (it != v->get_object().end() && !it->value().is_null()) {
    if (!it->value().is_array()) return Error(400, prefix + "\"vulnerabilities\" is not an array");
    for (const auto& e : it->value().get_array()) {
      auto vuln = json::DecodeVulnerability(e);
      if (!vuln.ok()) return Error(400, prefix + vuln.status().message());
      vulns.push_back(std::move(*vuln));
    }
  }
  auto affected = indexer_->GetAffectedManifests(vulns);
  if (!affected.ok()) return Error(500, "could not get affected manifests: " + affected.status().message());
  bj::object vo, mo;
  for (const auto& [id, vuln] : affected->vulnerabilities) vo[id] = json::EncodeVulnerability(vuln);
  for (const auto& [digest, ids] : affected->vulnerable_manifests) {
    bj::array a;
    for (const auto& id : ids) a.emplace_back(id);
    mo[digest] = std::move(a);
  }
  return Json(200, bj::object{{"vulnerabilities", std::move(vo)}, {"vulnerable_manifests", std::move(mo)}}, type);
}

// M1 GET /matcher/api/v1/vulnerability_report/{digest}
// Bodies come from the report cache (report_cache.h), already compressed for
// the negotiated coding, so a polled report costs no matching and no deflate.
Response Api::VulnerabilityReport(const Request& req) {
  auto digest = Digest::Parse(LastElement(req.path));
  if (!digest.ok()) return Error(400, "malformed path: " + digest.status().message());
  const std::string coding = NegotiateEncoding(req.Header("accept-encoding"));
  if (coding.empty()) return Empty(415);
  const std::string key = digest->str();
  ReportCache::Ticket ticket = reports_->Begin(key);
  ReportCache::Filler fill(*reports_, key, ticket.token);
  ReportCache::Body body = ticket.body;
  if (!body) {
    Response r = VulnerabilityReportUncached(*digest);
    if (r.status != 200) return r;
    body = std::make_shared<const CachedBody>(std::move(r.body));
    fill.Fill(body);
  }
  auto encoded = body->Encoded(coding);
  if (!encoded.ok()) return Error(500, "could not encode the report: " + encoded.status().message());
  return ReportResponse(std::move(*encoded), coding);
}

Response Api::ReportResponse(std::shared_ptr<const std::string> body, const std::string& coding) const {
  Response r;
  r.status = 200;
  r.headers.reserve(4);
  r.headers.emplace_back("Content-Type", "application/vnd.clair.vulnerability_report.v1+json");
  r.headers.emplace_back("Trailer", "Clair-Error");
  if (coding != "identity") r.headers.emplace_back("Content-Encoding", coding);
  r.headers.emplace_back("Cache-Control", "max-age=" + std::to_string(options_.cache_age.count()));
  r.shared_body = std::move(body);  // shared with the cache, not copied
  return r;
}

std::optional<Response> Api::TryCached(const Route& route, const Request& req) {
  if (route.kind != Route::Kind::kHandler || route.endpoint != kVulnerabilityReport) return std::nullopt;
  auto digest = Digest::Parse(LastElement(req.path));
  if (!digest.ok()) return std::nullopt;
  ReportCache::Body body = reports_->Peek(digest->str());
  if (!body) return std::nullopt;
  const std::string coding = NegotiateEncoding(req.Header("accept-encoding"));
  if (coding.empty()) return std::nullopt;
  auto encoded = body->PeekEncoded(coding);
  if (!encoded) return std::nullopt;
  return ReportResponse(std::move(encoded), coding);
}

Response Api::VulnerabilityReportUncached(const Digest& digest) {
  auto init = matcher_->Initialized();
  if (!init.ok()) return Error(500, "could not check matcher state: " + init.status().message());
  if (!*init) return Empty(202);
  if (!indexer_) return Error(500, "no indexer configured");
  auto report = indexer_->GetIndexReport(digest);
  if (!report.ok()) return Error(500, "could not retrieve index report: " + report.status().message());
  if (!report->has_value() || (*report)->state != IndexState::kIndexFinished) {
    return Error(404, "index report for manifest \"" + digest.str() + "\" not found");
  }
  auto vr = matcher_->Scan(**report);
  if (!vr.ok()) return Error(500, "failed to start scan: " + vr.status().message());
  return Json(200, json::EncodeVulnerabilityReport(*vr), "application/vnd.clair.vulnerability_report.v1+json");
}

// M2 GET /matcher/api/v1/internal/update_operation
Response Api::UpdateOperations(const Request& req) {
  std::string kind = req.QueryParam("kind");
  if (kind.empty()) kind = "vulnerability";
  if (kind != "vulnerability" && kind != "enrichment") return Error(400, "unknown kind: " + kind);
  bool latest = GoParseBoolTrue(req.QueryParam("latest"));
  auto ref = matcher_->LatestUpdateRef(kind);
  std::string etag;
  if (ref.ok() && !ref->empty()) {
    etag = Quote(*ref);
    if (IfNoneMatch(req, etag)) return Empty(304);
  }
  auto ops = matcher_->UpdateOperations(kind, latest);
  if (!ops.ok()) return Error(500, "could not get update operations: " + ops.status().message());
  bj::object out;
  for (const auto& [updater, list] : *ops) out[updater] = EncodeOperations(list);
  Response r = Json(200, out);
  if (!etag.empty()) r.Set("ETag", etag);
  return r;
}

// M3 DELETE /matcher/api/v1/internal/update_operation/{ref}
Response Api::DeleteUpdateOperation(const Request& req) {
  std::string ref = LastElement(req.path);
  if (!IsUuid(ref)) return Error(400, "malformed path: \"" + ref + "\" is not a UUID");
  Status s = matcher_->DeleteUpdateOperation(ToLower(ref));
  reports_->Clear();  // every report may have depended on that operation
  if (!s.ok()) return Error(500, "could not delete update operation: " + s.message());
  return Empty(200);
}

// M4 GET /matcher/api/v1/internal/update_diff?cur=<uuid>[&prev=<uuid>]
Response Api::UpdateDiff(const Request& req) {
  bool has_cur = false, has_prev = false;
  std::string cur = req.QueryParam("cur", &has_cur);
  std::string prev = req.QueryParam("prev", &has_prev);
  if (!has_cur) return Error(400, "\"cur\" query param is required");
  if (!IsUuid(cur)) return Error(400, "could not parse \"cur\" query param: \"" + cur + "\" is not a UUID");
  if (has_prev && !prev.empty() && !IsUuid(prev)) {
    return Error(400, "could not parse \"prev\" query param: \"" + prev + "\" is not a UUID");
  }
  const std::string kNil = "00000000-0000-0000-0000-000000000000";
  if (prev == kNil) prev.clear();
  auto diff = matcher_->UpdateDiff(ToLower(prev), ToLower(cur));
  if (!diff.ok()) return Error(500, "could not get update diff: " + diff.status().message());
  UpdateOperation p = diff->prev, c = diff->cur;
  if (p.ref.empty()) p.ref = kNil;
  p.kind.clear();
  c.kind.clear();
  return Json(200, bj::object{{"prev", json::EncodeUpdateOperation(p)},
                              {"cur", json::EncodeUpdateOperation(c)},
                              {"added", EncodeVulnList(diff->added)},
                              {"removed", EncodeVulnList(diff->removed)}});
}

// N1 GET /notifier/api/v1/notification/{id}[?page_size=N][&next=<uuid>]
Response Api::GetNotifications(const Request& req) {
  std::string id = LastElement(req.path);
  if (!IsUuid(id)) return Error(400, "could not parse notification id: \"" + id + "\" is not a UUID");
  int64_t page_size = 500;
  bool has_size = false, has_next = false;
  std::string size_text = req.QueryParam("page_size", &has_size);
  if (has_size && !size_text.empty()) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(size_text.c_str(), &end, 10);
    if (end == size_text.c_str() || *end != '\0' || errno == ERANGE) {
      return Error(400, "could not parse page_size: \"" + size_text + "\" is not an integer");
    }
    // Negative sizes fail in the store as upstream's do (500); 0 means the default.
    if (v < 0) return Error(500, "could not retrieve notifications: page size must be at least 1");
    if (v > 0) page_size = std::min<long long>(v, 10000);
  }
  std::string next = req.QueryParam("next", &has_next);
  if (has_next && !next.empty() && !IsUuid(next)) {
    return Error(400, "could not parse next: \"" + next + "\" is not a UUID");
  }
  if (next == "00000000-0000-0000-0000-000000000000") next.clear();
  int status = 0;
  std::string type =
      Negotiate(req.Header("accept"), {"application/vnd.clair.notification_page.v1+json", "application/json"}, &status);
  if (type.empty()) return Error(status == 400 ? 400 : 415, "unable to negotiate a media type");
  auto page = notifier_->Notifications(ToLower(id), page_size, ToLower(next));
  if (!page.ok()) return Error(500, "could not retrieve notifications: " + page.status().message());
  // The stored notifications are already Clair JSON; splice them in.
  bj::object head;
  head["size"] = page->size;
  if (!page->next.empty()) head["next"] = page->next;
  Response r;
  r.status = 200;
  r.Set("Content-Type", type);
  r.body = "{\"page\":" + json::Serialize(head) + ",\"notifications\":[";
  for (size_t i = 0; i < page->notifications.size(); ++i) {
    if (i) r.body.push_back(',');
    r.body += page->notifications[i];
  }
  r.body += "]}";
  return r;
}

// N2 DELETE /notifier/api/v1/notification/{id}
Response Api::DeleteNotifications(const Request& req) {
  std::string id = LastElement(req.path);
  if (!IsUuid(id)) return Error(400, "could not parse notification id: \"" + id + "\" is not a UUID");
  Status s = notifier_->DeleteNotifications(ToLower(id));
  if (!s.ok()) return Error(500, "could not delete notification: " + s.message());
  return Empty(200);
}

// D1 GET /openapi/v1
Response Api::OpenApi(const Request& req) {
  if (options_.openapi_path.empty()) return NotFoundText();
  auto text = ReadFile(options_.openapi_path, 16 << 20);
  if (!text.ok()) return NotFoundText();
  int status = 0;
  std::string type =
      Negotiate(req.Header("accept"),
                {"application/openapi+json", "application/openapi+yaml", "application/json", "application/yaml",
                 "application/vnd.oai.openapi+json", "application/vnd.oai.openapi+yaml"},
                &status);
  if (type.empty()) return Error(status == 400 ? 500 : 415, "unable to negotiate a media type");
  Response r;
  r.status = 200;
  r.Set("Content-Type", type);
  r.Set("Etag", Quote(Sha256Hex(*text)));
  if (EndsWith(type, "yaml")) {
    std::string yaml_path = options_.openapi_path;
    if (EndsWith(yaml_path, ".json")) yaml_path = yaml_path.substr(0, yaml_path.size() - 5) + ".yaml";
    auto yaml = ReadFile(yaml_path, 16 << 20);
    if (!yaml.ok() || yaml_path == options_.openapi_path) return Error(415, "YAML form not available");
    r.body = std::move(*yaml);
    return r;
  }
  auto v = json::Parse(*text);
  if (!v.ok()) return Error(500, "bad OpenAPI document");
  r.body = json::Serialize(*v);
  return r;
}

Response Api::Robots(const Request& req) {
  Response r;
  r.status = 200;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.Set("Cache-Control", "no-store");
  r.Set("X-Content-Type-Options", "nosniff");
  if (!options_.last_modified.empty()) {
    r.Set("Last-Modified", options_.last_modified);
    for (std::string_view ims : req.Header("if-modified-since")) {
      if (ims == options_.last_modified) {
        r.status = 304;
        r.Remove("Content-Type");
        return r;
      }
    }
  }
  r.body = "User-agent: *\nDisallow: /\n";
  return r;
}

}  // namespace lucid::http
