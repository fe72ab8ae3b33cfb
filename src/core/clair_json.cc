#include "core/clair_json.h"

#include <boost/json.hpp>
#include <cstdio>

namespace lucid {

std::string_view PackageKindName(PackageKind k) {
  switch (k) {
    case PackageKind::kUnknown:
      return "";
    case PackageKind::kBinary:
      return "binary";
    case PackageKind::kSource:
      return "source";
    case PackageKind::kLayer:
      return "layer";
    case PackageKind::kAncestry:
      return "ancestry";
  }
  return "";
}

PackageKind ParsePackageKind(std::string_view s) {
  if (s == "binary" || s == "BINARY") return PackageKind::kBinary;
  if (s == "source" || s == "SOURCE") return PackageKind::kSource;
  if (s == "layer") return PackageKind::kLayer;
  if (s == "ancestry") return PackageKind::kAncestry;
  return PackageKind::kUnknown;
}

std::string NormalizedVersion::str() const {
  if (kind.empty()) return "";
  std::string s = kind + ":";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ".";
    s += std::to_string(v[i]);
  }
  return s;
}

NormalizedVersion NormalizedVersion::Parse(std::string_view s) {
  NormalizedVersion nv;
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return nv;
  std::string rest(s.substr(colon + 1));
  size_t i = 0, pos = 0;
  while (i < 10 && pos <= rest.size()) {
    size_t dot = rest.find('.', pos);
    std::string part = rest.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    try {
      nv.v[i] = static_cast<int32_t>(std::stol(part));
    } catch (...) {
      return NormalizedVersion{};
    }
    ++i;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (i != 10) return NormalizedVersion{};
  nv.kind = std::string(s.substr(0, colon));
  return nv;
}

std::string_view IndexStateName(IndexState s) {
  switch (s) {
    case IndexState::kCheckManifest:
      return "CheckManifest";
    case IndexState::kFetchLayers:
      return "FetchLayers";
    case IndexState::kScanLayers:
      return "ScanLayers";
    case IndexState::kCoalesce:
      return "Coalesce";
    case IndexState::kIndexManifest:
      return "IndexManifest";
    case IndexState::kIndexError:
      return "IndexError";
    case IndexState::kIndexFinished:
      return "IndexFinished";
  }
  return "IndexError";
}

IndexState ParseIndexState(std::string_view s) {
  if (s == "CheckManifest") return IndexState::kCheckManifest;
  if (s == "FetchLayers") return IndexState::kFetchLayers;
  if (s == "ScanLayers") return IndexState::kScanLayers;
  if (s == "Coalesce") return IndexState::kCoalesce;
  if (s == "IndexManifest") return IndexState::kIndexManifest;
  if (s == "IndexFinished") return IndexState::kIndexFinished;
  return IndexState::kIndexError;
}

namespace json {
namespace bj = boost::json;

std::string TimeOrZero(const std::string& t) { return t.empty() ? "0001-01-01T00:00:00Z" : t; }

static bj::object EncodeSource(const SourcePackage& s, const std::string& id) {
  bj::object o;
  o["id"] = id;
  o["name"] = s.name;
  o["version"] = s.version;
  if (!s.empty()) o["kind"] = "source";
  o["normalized_version"] = s.normalized_version.str();
  o["cpe"] = s.cpe;
  return o;
}

bj::value EncodePackage(const Package& p, const std::string& id, const std::string& source_id,
                        const EncodeOptions& opt) {
  bj::object o;
  o["id"] = id;
  o["name"] = p.name;
  o["version"] = p.version;
  if (p.kind != PackageKind::kUnknown) o["kind"] = PackageKindName(p.kind);
  if (!source_id.empty()) o["source"] = EncodeSource(p.source, source_id);
  o["normalized_version"] = p.normalized_version.str();
  if (!p.module.empty()) o["module"] = p.module;
  if (!p.arch.empty()) o["arch"] = p.arch;
  o["cpe"] = p.cpe;
  if (opt.lucid_extras) {
    o["package_db"] = p.package_db;
    if (!p.filepath.empty()) o["filepath"] = p.filepath;
    if (!p.repository_hint.empty()) o["repository_hint"] = p.repository_hint;
    if (p.os_managed) o["os_managed"] = true;
  }
  return o;
}

bj::value EncodeDistribution(const Distribution& d, const std::string& id) {
  bj::object o;
  o["id"] = id;
  o["did"] = d.did;
  o["name"] = d.name;
  o["version"] = d.version;
  o["version_code_name"] = d.version_code_name;
  o["version_id"] = d.version_id;
  o["arch"] = d.arch;
  o["cpe"] = d.cpe;
  o["pretty_name"] = d.pretty_name;
  return o;
}

bj::value EncodeRepository(const Repository& r, const std::string& id) {
  bj::object o;
  if (!id.empty()) o["id"] = id;
  if (!r.name.empty()) o["name"] = r.name;
  if (!r.key.empty()) o["key"] = r.key;
  if (!r.uri.empty()) o["uri"] = r.uri;
  o["cpe"] = r.cpe;
  return o;
}

bj::value EncodeEnvironment(const Environment& e) {
  bj::object o;
  o["package_db"] = e.package_db;
  o["introduced_in"] = e.introduced_in.str();
  o["distribution_id"] = e.distribution_id;
  if (e.repository_ids) {
    bj::array a;
    for (const auto& id : *e.repository_ids) a.emplace_back(id);
    o["repository_ids"] = std::move(a);
  } else {
    o["repository_ids"] = nullptr;
  }
  return o;
}

static bj::object EncodeVulnPackage(const Package& p) {
  bj::object o;
  o["id"] = "";
  o["name"] = p.name;
  o["version"] = p.version;
  if (p.kind != PackageKind::kUnknown) o["kind"] = PackageKindName(p.kind);
  o["normalized_version"] = p.normalized_version.str();
  if (!p.module.empty()) o["module"] = p.module;
  if (!p.arch.empty()) o["arch"] = p.arch;
  o["cpe"] = p.cpe;
  return o;
}

bj::value EncodeVulnerability(const Vulnerability& v, const EncodeOptions&) {
  bj::object o;
  o["id"] = v.id;
  o["updater"] = v.updater;
  o["name"] = v.name;
  o["description"] = v.description;
  o["issued"] = TimeOrZero(v.issued);
  o["links"] = v.links;
  o["severity"] = v.severity;
  o["normalized_severity"] = SeverityName(v.normalized_severity);
  if (v.package) {
    o["package"] = EncodeVulnPackage(*v.package);
  } else {
    o["package"] = nullptr;
  }
  if (v.distribution) o["distribution"] = EncodeDistribution(*v.distribution, "");
  if (v.repository) o["repository"] = EncodeRepository(*v.repository, "");
  o["fixed_in_version"] = v.fixed_in_version;
  if (v.range && (!v.range->lower.empty() || !v.range->upper.empty())) {
    bj::object r;
    if (!v.range->lower.empty()) r["["] = v.range->lower;
    if (!v.range->upper.empty()) r[")"] = v.range->upper;
    o["range"] = std::move(r);
  }
  if (!v.arch_op.empty()) o["arch_op"] = v.arch_op;
  return o;
}

template <typename Report>
static void EncodeContents(bj::object& o, const Report& r, const EncodeOptions& opt) {
  bj::object pkgs;
  for (const auto& [id, p] : r.packages) {
    auto it = r.source_ids.find(id);
    pkgs[id] = EncodePackage(p, id, it == r.source_ids.end() ? std::string() : it->second, opt);
  }
  o["packages"] = std::move(pkgs);
  bj::object dists;
  for (const auto& [id, d] : r.distributions) dists[id] = EncodeDistribution(d, id);
  o["distributions"] = std::move(dists);
  bj::object repos;
  for (const auto& [id, rp] : r.repositories) repos[id] = EncodeRepository(rp, id);
  o["repository"] = std::move(repos);
  bj::object envs;
  for (const auto& [id, list] : r.environments) {
    bj::array a;
    for (const auto& e : list) a.push_back(EncodeEnvironment(e));
    envs[id] = std::move(a);
  }
  o["environments"] = std::move(envs);
}

bj::value EncodeNote(const ScanNote& n) {
  bj::object o;
  o["layer"] = n.layer;
  o["scanner"] = n.scanner;
  o["code"] = n.code;
  o["message"] = n.message;
  if (!n.path.empty()) o["path"] = n.path;
  return o;
}

bj::value EncodeIndexReport(const IndexReport& r, const EncodeOptions& opt) {
  bj::object o;
  o["manifest_hash"] = r.manifest_hash.str();
  o["state"] = IndexStateName(r.state);
  EncodeContents(o, r, opt);
  o["success"] = r.success;
  o["err"] = r.err;
  if (opt.lucid_extras) {
    bj::array notes;
    for (const auto& n : r.notes) notes.push_back(EncodeNote(n));
    o["notes"] = std::move(notes);
  }
  return o;
}

bj::value EncodeVulnerabilityReport(const VulnerabilityReport& r, const EncodeOptions& opt) {
  bj::object o;
  o["manifest_hash"] = r.manifest_hash.str();
  EncodeContents(o, r, opt);
  bj::object vulns;
  for (const auto& [id, v] : r.vulnerabilities) vulns[id] = EncodeVulnerability(v, opt);
  o["vulnerabilities"] = std::move(vulns);
  bj::object pv;
  for (const auto& [id, list] : r.package_vulnerabilities) {
    bj::array a;
    for (const auto& v : list) a.emplace_back(v);
    pv[id] = std::move(a);
  }
  o["package_vulnerabilities"] = std::move(pv);
  bj::object en;
  for (const auto& [type, list] : r.enrichments) {
    bj::array a;
    for (const auto& raw : list) {
      boost::system::error_code ec;
      auto parsed = bj::parse(raw, ec);
      if (!ec) a.push_back(std::move(parsed));
    }
    en[type] = std::move(a);
  }
  o["enrichments"] = std::move(en);
  if (opt.lucid_extras) {
    bj::array notes;
    for (const auto& n : r.notes) notes.push_back(EncodeNote(n));
    o["notes"] = std::move(notes);
  }
  return o;
}

bj::value EncodeManifest(const Manifest& m) {
  bj::object o;
  o["hash"] = m.hash.str();
  bj::array layers;
  for (const auto& l : m.layers) {
    bj::object lo;
    lo["hash"] = l.hash.str();
    lo["uri"] = l.uri;
    bj::object h;
    for (const auto& [k, vs] : l.headers) {
      bj::array a;
      for (const auto& v : vs) a.emplace_back(v);
      h[k] = std::move(a);
    }
    lo["headers"] = std::move(h);
    if (!l.media_type.empty()) lo["media_type"] = l.media_type;
    layers.push_back(std::move(lo));
  }
  o["layers"] = std::move(layers);
  return o;
}

bj::value EncodeUpdateOperation(const UpdateOperation& u) {
  bj::object o;
  o["ref"] = u.ref;
  o["updater"] = u.updater;
  o["fingerprint"] = u.fingerprint;
  o["date"] = TimeOrZero(u.date);
  o["kind"] = u.kind;
  return o;
}

std::string Serialize(const bj::value& v) { return bj::serialize(v); }

static void PrettyInto(std::string& out, const bj::value& v, int indent) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  " + bj::serialize(bj::value(kv.key())) + ": ";
      PrettyInto(out, kv.value(), indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      out += pad + "  ";
      PrettyInto(out, a[i], indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += bj::serialize(v);
  }
}

std::string Pretty(const bj::value& v) {
  std::string out;
  PrettyInto(out, v, 0);
  out += "\n";
  return out;
}

Result<bj::value> Parse(std::string_view text) {
  boost::system::error_code ec;
  bj::parse_options opts;
  opts.max_depth = 64;
  auto v = bj::parse(text, ec, {}, opts);
  if (ec) return InvalidArgument("invalid JSON: " + ec.message());
  return v;
}

static std::string GetString(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

Result<Manifest> DecodeManifest(std::string_view text) {
  LUCID_ASSIGN_OR_RETURN(auto v, Parse(text));
  if (!v.is_object()) return InvalidArgument("manifest is not a JSON object");
  const auto& o = v.get_object();
  Manifest m;
  auto hash = o.find("hash");
  if (hash == o.end() || !hash->value().is_string() || hash->value().get_string().empty()) {
    return InvalidArgument("bogus manifest: missing hash");
  }
  LUCID_ASSIGN_OR_RETURN(m.hash, Digest::Parse(hash->value().get_string()));
  auto layers = o.find("layers");
  if (layers == o.end() || layers->value().is_null()) return m;
  if (!layers->value().is_array()) return InvalidArgument("manifest layers is not an array");
  for (const auto& lv : layers->value().get_array()) {
    if (!lv.is_object()) return InvalidArgument("manifest layer is not an object");
    const auto& lo = lv.get_object();
    Layer l;
    auto lh = lo.find("hash");
    if (lh == lo.end() || !lh->value().is_string()) return InvalidArgument("layer without hash");
    auto d = Digest::Parse(lh->value().get_string());
    if (!d.ok()) return d.status().WithContext("layer hash");
    l.hash = *d;
    l.uri = GetString(lo, "uri");
    l.media_type = GetString(lo, "media_type");
    auto hd = lo.find("headers");
    if (hd != lo.end() && !hd->value().is_null()) {
      if (!hd->value().is_object()) return InvalidArgument("layer headers is not an object");
      for (const auto& kv : hd->value().get_object()) {
        if (!kv.value().is_array()) return InvalidArgument("layer header values must be arrays");
        std::vector<std::string> vals;
        for (const auto& s : kv.value().get_array()) {
          if (!s.is_string()) return InvalidArgument("layer header value is not a string");
          vals.emplace_back(s.get_string());
        }
        l.headers[std::string(kv.key())] = std::move(vals);
      }
    }
    m.layers.push_back(std::move(l));
  }
  return m;
}

Result<Package> DecodePackage(const bj::value& v) {
  if (!v.is_object()) return InvalidArgument("package is not an object");
  const auto& o = v.get_object();
  Package p;
  p.name = GetString(o, "name");
  p.version = GetString(o, "version");
  p.kind = ParsePackageKind(GetString(o, "kind"));
  p.normalized_version = NormalizedVersion::Parse(GetString(o, "normalized_version"));
  p.module = GetString(o, "module");
  p.arch = GetString(o, "arch");
  p.cpe = GetString(o, "cpe");
  p.package_db = GetString(o, "package_db");
  p.filepath = GetString(o, "filepath");
  p.repository_hint = GetString(o, "repository_hint");
  auto os = o.find("os_managed");
  p.os_managed = os != o.end() && os->value().is_bool() && os->value().get_bool();
  auto src = o.find("source");
  if (src != o.end() && src->value().is_object()) {
    const auto& so = src->value().get_object();
    p.source.name = GetString(so, "name");
    p.source.version = GetString(so, "version");
    p.source.normalized_version = NormalizedVersion::Parse(GetString(so, "normalized_version"));
    p.source.cpe = GetString(so, "cpe");
  }
  return p;
}

Result<Distribution> DecodeDistribution(const bj::value& v) {
  if (!v.is_object()) return InvalidArgument("distribution is not an object");
  const auto& o = v.get_object();
  Distribution d;
  d.did = GetString(o, "did");
  d.name = GetString(o, "name");
  d.version = GetString(o, "version");
  d.version_code_name = GetString(o, "version_code_name");
  d.version_id = GetString(o, "version_id");
  d.arch = GetString(o, "arch");
  d.cpe = GetString(o, "cpe");
  d.pretty_name = GetString(o, "pretty_name");
  return d;
}

Result<Repository> DecodeRepository(const bj::value& v) {
  if (!v.is_object()) return InvalidArgument("repository is not an object");
  const auto& o = v.get_object();
  Repository r;
  r.name = GetString(o, "name");
  r.key = GetString(o, "key");
  r.uri = GetString(o, "uri");
  r.cpe = GetString(o, "cpe");
  return r;
}

Result<Vulnerability> DecodeVulnerability(const bj::value& v) {
  if (!v.is_object()) return InvalidArgument("vulnerability is not an object");
  const auto& o = v.get_object();
  Vulnerability x;
  x.id = GetString(o, "id");
  x.updater = GetString(o, "updater");
  x.name = GetString(o, "name");
  x.description = GetString(o, "description");
  x.issued = GetString(o, "issued");
  if (x.issued == "0001-01-01T00:00:00Z") x.issued.clear();
  x.links = GetString(o, "links");
  x.severity = GetString(o, "severity");
  x.normalized_severity = ParseSeverity(GetString(o, "normalized_severity"));
  x.fixed_in_version = GetString(o, "fixed_in_version");
  x.arch_op = GetString(o, "arch_op");
  if (auto it = o.find("package"); it != o.end() && it->value().is_object()) {
    LUCID_ASSIGN_OR_RETURN(x.package, DecodePackage(it->value()));
  }
  if (auto it = o.find("distribution"); it != o.end() && it->value().is_object()) {
    LUCID_ASSIGN_OR_RETURN(x.distribution, DecodeDistribution(it->value()));
  }
  if (auto it = o.find("repository"); it != o.end() && it->value().is_object()) {
    LUCID_ASSIGN_OR_RETURN(x.repository, DecodeRepository(it->value()));
  }
  if (auto it = o.find("range"); it != o.end() && it->value().is_object()) {
    Range r;
    r.lower = GetString(it->value().get_object(), "[");
    r.upper = GetString(it->value().get_object(), ")");
    x.range = r;
  }
  return x;
}

Result<IndexReport> DecodeIndexReport(std::string_view text) {
  LUCID_ASSIGN_OR_RETURN(auto v, Parse(text));
  if (!v.is_object()) return InvalidArgument("index report is not an object");
  const auto& o = v.get_object();
  IndexReport r;
  LUCID_ASSIGN_OR_RETURN(r.manifest_hash, Digest::Parse(GetString(o, "manifest_hash")));
  r.state = ParseIndexState(GetString(o, "state"));
  r.err = GetString(o, "err");
  if (auto it = o.find("success"); it != o.end() && it->value().is_bool()) r.success = it->value().get_bool();
  if (auto it = o.find("packages"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      LUCID_ASSIGN_OR_RETURN(auto p, DecodePackage(kv.value()));
      std::string id(kv.key());
      if (kv.value().is_object()) {
        auto src = kv.value().get_object().find("source");
        if (src != kv.value().get_object().end() && src->value().is_object()) {
          r.source_ids[id] = GetString(src->value().get_object(), "id");
        }
      }
      r.packages[id] = std::move(p);
    }
  }
  if (auto it = o.find("distributions"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      LUCID_ASSIGN_OR_RETURN(r.distributions[std::string(kv.key())], DecodeDistribution(kv.value()));
    }
  }
  if (auto it = o.find("repository"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      LUCID_ASSIGN_OR_RETURN(r.repositories[std::string(kv.key())], DecodeRepository(kv.value()));
    }
  }
  if (auto it = o.find("environments"); it != o.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      if (!kv.value().is_array()) continue;
      auto& list = r.environments[std::string(kv.key())];
      for (const auto& ev : kv.value().get_array()) {
        if (!ev.is_object()) continue;
        const auto& eo = ev.get_object();
        Environment e;
        e.package_db = GetString(eo, "package_db");
        auto intro = GetString(eo, "introduced_in");
        if (!intro.empty()) {
          auto d = Digest::Parse(intro);
          if (d.ok()) e.introduced_in = *d;
        }
        e.distribution_id = GetString(eo, "distribution_id");
        auto ri = eo.find("repository_ids");
        if (ri != eo.end() && ri->value().is_array()) {
          std::vector<std::string> ids;
          for (const auto& s : ri->value().get_array()) {
            if (s.is_string()) ids.emplace_back(s.get_string());
          }
          e.repository_ids = std::move(ids);
        }
        list.push_back(std::move(e));
      }
    }
  }
  if (auto it = o.find("notes"); it != o.end() && it->value().is_array()) {
    for (const auto& nv : it->value().get_array()) {
      if (!nv.is_object()) continue;
      const auto& no = nv.get_object();
      r.notes.push_back({GetString(no, "layer"), GetString(no, "scanner"), GetString(no, "code"),
                         GetString(no, "message"), GetString(no, "path")});
    }
  }
  return r;
}

}  // namespace json
}  // namespace lucid
