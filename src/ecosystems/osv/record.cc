#include "ecosystems/osv/record.h"

#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "base/strings.h"
#include "core/semver.h"
#include "ecosystems/osv/cvss.h"

namespace lucid::osv {
namespace bj = boost::json;
namespace {

std::string Str(const bj::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

const bj::array* Arr(const bj::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_array()) return nullptr;
  return &it->value().get_array();
}

const bj::object* Obj(const bj::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

// Ecosystems whose package names are used as-is; others use the PURL.
bool NamedEcosystem(std::string_view n) {
  return n == "go" || n == "maven" || n == "npm" || n == "pypi" || n == "rubygems";
}

bool QueryEcosystem(std::string_view n) { return n == "maven" || n == "pypi" || n == "rubygems"; }

Severity DatabaseSeverity(std::string_view s) {
  std::string l = ToLower(s);
  if (l == "negligible") return Severity::kNegligible;
  if (l == "low") return Severity::kLow;
  if (l == "moderate" || l == "medium") return Severity::kMedium;
  if (l == "high") return Severity::kHigh;
  if (l == "critical") return Severity::kCritical;
  return Severity::kUnknown;
}

// severity = the last CVSS vector (scored), else database_specific.severity.
// CVSS v4 vectors are not scored here: their class comes from the record's
// last v3/v2 vector when there is one, else from database_specific.
void SetSeverity(const bj::object& rec, Vulnerability* v) {
  std::string last_type, last_vec;
  std::optional<double> fallback_score;
  if (const bj::array* sev = Arr(rec, "severity")) {
    for (const auto& s : *sev) {
      if (!s.is_object()) continue;
      std::string type = Str(s.get_object(), "type"), score = Str(s.get_object(), "score");
      if (!StartsWith(type, "CVSS_V") || score.empty()) continue;
      last_type = type;
      last_vec = score;
      if (type == "CVSS_V3") fallback_score = CvssV3BaseScore(score);
      if (type == "CVSS_V2") fallback_score = CvssV2BaseScore(score);
    }
  }
  std::string db;
  if (const bj::object* ds = Obj(rec, "database_specific")) db = Str(*ds, "severity");
  if (!last_vec.empty()) {
    v->severity = last_vec;
    std::optional<double> score;
    if (last_type == "CVSS_V3") score = CvssV3BaseScore(last_vec);
    if (last_type == "CVSS_V2") score = CvssV2BaseScore(last_vec);
    if (!score && last_type == "CVSS_V4") score = fallback_score;
    if (score) {
      v->normalized_severity = SeverityForScore(*score);
      return;
    }
    v->normalized_severity = DatabaseSeverity(db);
    return;
  }
  v->severity = db;
  v->normalized_severity = DatabaseSeverity(db);
}

std::optional<NormalizedVersion> SemverNV(const std::string& s) {
  if (s == "0") return SemverVector(Semver{});
  auto p = Semver::Parse(s);
  if (!p.ok()) return std::nullopt;
  return SemverVector(*p);
}

Status EmitSemver(const bj::object& range, bool has_versions, const Vulnerability& base,
                  const std::function<Status(Vulnerability)>& emit, int64_t* n) {
  const bj::array* events = Arr(range, "events");
  if (events == nullptr) return Status::Ok();
  std::optional<NormalizedVersion> lower;
  auto out = [&](const NormalizedVersion& up, const std::string& fixed) -> Status {
    NormalizedVersion lo = lower ? *lower : SemverVector(Semver{});
    lower.reset();
    if (lo > up) return Status::Ok();  // inverted range: dropped
    Vulnerability v = base;
    v.range = Range{lo.str(), up.str()};
    v.fixed_in_version = fixed;
    ++*n;
    return emit(std::move(v));
  };
  for (const auto& e : *events) {
    if (!e.is_object()) continue;
    const auto& eo = e.get_object();
    if (std::string s = Str(eo, "introduced"); !s.empty()) {
      if (lower) LUCID_RETURN_IF_ERROR(out(SemverInfinity(), ""));
      lower = SemverNV(s);
      if (!lower) return Status::Ok();  // unparsable: skip the range
    } else if (std::string f = Str(eo, "fixed"); !f.empty()) {
      auto up = SemverNV(f);
      if (!up) return Status::Ok();
      LUCID_RETURN_IF_ERROR(out(*up, f));
    } else if (std::string la = Str(eo, "last_affected"); !la.empty()) {
      // Explicit version lists cover the last_affected case; the range stays open.
      if (has_versions) continue;
      auto p = Semver::Parse(la);
      if (!p.ok()) return Status::Ok();
      Semver next = *p;
      ++next.patch;
      next.prerelease.clear();
      LUCID_RETURN_IF_ERROR(out(SemverVector(next), ""));
    } else if (std::string lim = Str(eo, "limit"); !lim.empty()) {
      if (lim == "*") {
        LUCID_RETURN_IF_ERROR(out(SemverInfinity(), ""));
      } else {
        auto up = SemverNV(lim);
        if (!up) return Status::Ok();
        LUCID_RETURN_IF_ERROR(out(*up, ""));
      }
    }
  }
  if (lower) LUCID_RETURN_IF_ERROR(out(SemverInfinity(), ""));
  return Status::Ok();
}

std::string EncodeQuery(const std::map<std::string, std::string>& q) {
  std::string s;
  for (const auto& [k, v] : q) {  // sorted by key, like Go's url.Values.Encode
    if (!s.empty()) s += '&';
    s += QueryEscape(k) + "=" + QueryEscape(v);
  }
  return s;
}

Status EmitEcosystem(const bj::object& range, const Vulnerability& base,
                     const std::function<Status(Vulnerability)>& emit, int64_t* n) {
  const bj::array* events = Arr(range, "events");
  if (events == nullptr) return Status::Ok();
  std::map<std::string, std::string> q;
  bool open = false;  // events seen since the last emitted vulnerability
  auto out = [&]() -> Status {
    Vulnerability v = base;
    v.fixed_in_version = EncodeQuery(q);
    q.clear();
    open = false;
    ++*n;
    return emit(std::move(v));
  };
  for (const auto& e : *events) {
    if (!e.is_object()) continue;
    const auto& eo = e.get_object();
    if (std::string s = Str(eo, "introduced"); !s.empty()) {
      if (q.count("fixed") != 0 || q.count("lastAffected") != 0) LUCID_RETURN_IF_ERROR(out());
      if (s != "0") q["introduced"] = s;
      open = true;
    } else if (std::string f = Str(eo, "fixed"); !f.empty()) {
      q["fixed"] = f;
      open = true;
    } else if (std::string la = Str(eo, "last_affected"); !la.empty()) {
      q["lastAffected"] = la;
      open = true;
    }
  }
  if (open) LUCID_RETURN_IF_ERROR(out());
  return Status::Ok();
}

}  // namespace

std::string NormalizeEcosystem(std::string_view ecosystem) {
  auto colon = ecosystem.find(':');
  if (colon != std::string_view::npos) ecosystem = ecosystem.substr(0, colon);
  return ToLower(TrimSpace(ecosystem));
}

bool IgnoredEcosystem(std::string_view n) {
  static const std::array<std::string_view, 14> kIgnored = {
      "almalinux", "alpine",   "android", "chainguard",  "debian", "github actions", "linux",
      "opensuse",  "oss-fuzz", "red hat", "rocky linux", "suse",   "ubuntu",         "wolfi"};
  for (auto i : kIgnored) {
    if (n == i) return true;
  }
  return false;
}

Repository RepositoryFor(std::string_view n) {
  Repository r;
  if (n == "npm") {
    r.name = "npm";
    r.uri = "https://www.npmjs.com/";
  } else if (n == "pypi") {
    r.name = "pypi";
    r.uri = "https://pypi.org/simple";
  } else if (n == "maven") {
    r.name = "maven";
    r.uri = "https://repo1.maven.apache.org/maven2";
  } else if (n == "go") {
    r.name = "go";
    r.uri = "https://pkg.go.dev/";
  } else if (n == "rubygems") {
    r.name = "rubygems";
    r.uri = "https://rubygems.org/gems/";
  } else {
    r.name = std::string(n);
  }
  return r;
}

std::string UpdaterName(std::string_view normalized) { return "osv/" + std::string(normalized); }

std::string QueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ConvertRecord(const bj::value& record, std::string_view normalized, std::string_view now,
                     const std::function<Status(Vulnerability)>& emit, ConvertStats* stats) {
  ConvertStats local;
  ConvertStats& st = stats != nullptr ? *stats : local;
  if (!record.is_object()) return Corrupt("OSV record is not a JSON object");
  const bj::object& rec = record.get_object();
  std::string id = Str(rec, "id");
  if (id.empty()) return Corrupt("OSV record without an id");
  ++st.records;
  std::string withdrawn = Str(rec, "withdrawn");
  const bj::array* affected = Arr(rec, "affected");
  bool bad_alias = id.find('-') == std::string::npos;
  std::vector<std::string> aliases;
  if (const bj::array* al = Arr(rec, "aliases")) {
    for (const auto& a : *al) {
      if (!a.is_string()) continue;
      std::string s(a.get_string());
      if (s.find('-') == std::string::npos || s.front() == '-') bad_alias = true;
      aliases.push_back(std::move(s));
    }
  }
  if ((!withdrawn.empty() && withdrawn <= now) || affected == nullptr || affected->empty() || bad_alias) {
    ++st.skipped;
    return Status::Ok();
  }

  Vulnerability base;
  base.updater = UpdaterName(normalized);
  base.name = id;
  base.description = Str(rec, "summary");
  base.issued = Str(rec, "published");
  std::string links;
  if (const bj::array* refs = Arr(rec, "references")) {
    for (const auto& r : *refs) {
      if (!r.is_object()) continue;
      std::string url = Str(r.get_object(), "url");
      if (url.empty()) continue;
      if (!links.empty()) links += ' ';
      links += url;
    }
  }
  for (const auto& a : aliases) {
    if (!links.empty()) links += ' ';
    links += "https://osv.dev/vulnerability/" + a;
  }
  base.links = links;
  SetSeverity(rec, &base);
  base.repository = RepositoryFor(normalized);

  for (const auto& aff : *affected) {
    if (!aff.is_object()) continue;
    const bj::object& ao = aff.get_object();
    const bj::object* pkg = Obj(ao, "package");
    if (pkg == nullptr || NormalizeEcosystem(Str(*pkg, "ecosystem")) != normalized) continue;
    Vulnerability v = base;
    Package p;
    p.name = NamedEcosystem(normalized) ? Str(*pkg, "name") : Str(*pkg, "purl");
    p.kind = PackageKind::kBinary;
    if (p.name.empty()) continue;
    v.package = std::move(p);
    const bj::array* versions = Arr(ao, "versions");
    bool has_versions = versions != nullptr && !versions->empty();
    const bj::array* ranges = Arr(ao, "ranges");
    if (ranges == nullptr) continue;
    for (const auto& r : *ranges) {
      if (!r.is_object()) continue;
      std::string type = Str(r.get_object(), "type");
      if (type == "SEMVER") {
        LUCID_RETURN_IF_ERROR(EmitSemver(r.get_object(), has_versions, v, emit, &st.vulns));
      } else if (type == "ECOSYSTEM" && QueryEcosystem(normalized)) {
        LUCID_RETURN_IF_ERROR(EmitEcosystem(r.get_object(), v, emit, &st.vulns));
      }
      // GIT ranges, and ECOSYSTEM ranges of other ecosystems, are not matchable.
    }
  }
  return Status::Ok();
}

}  // namespace lucid::osv
