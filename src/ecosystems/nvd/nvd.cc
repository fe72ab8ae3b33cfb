#include "ecosystems/nvd/nvd.h"

#include <boost/json.hpp>
#include <cctype>
#include <ctime>
#include <map>
#include <set>

#include "base/hash.h"
#include "base/log.h"
#include "base/strings.h"
#include "core/clair_json.h"
#include "updater/decompress.h"
#include "updater/json_stream.h"

namespace lucid::nvd {
namespace bj = boost::json;
namespace {

constexpr uint64_t kMaxMetaBytes = 64 << 10;

int CurrentYear() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

const bj::value* Path(const bj::value& v, std::initializer_list<std::string_view> keys) {
  const bj::value* cur = &v;
  for (auto k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->get_object().find(k);
    if (it == cur->get_object().end()) return nullptr;
    cur = &it->value();
  }
  return cur;
}

std::string StrAt(const bj::value& v, std::initializer_list<std::string_view> keys) {
  const bj::value* p = Path(v, keys);
  return p != nullptr && p->is_string() ? std::string(p->get_string()) : std::string();
}

// The primary CVSS v3.1 (else v3.0) cvssData of an API 2.0 "cve" object.
const bj::value* PrimaryV3(const bj::value& cve) {
  for (std::string_view key : {"cvssMetricV31", "cvssMetricV30"}) {
    const bj::value* list = Path(cve, {"metrics", key});
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& m : list->get_array()) {
      if (StrAt(m, {"type"}) != "Primary") continue;
      const bj::value* data = Path(m, {"cvssData"});
      if (data != nullptr && data->is_object()) return data;
    }
  }
  return nullptr;
}

// Verifies a decompressed feed against the SHA-256 of its .meta while it is read.
class HashingReader final : public Reader {
 public:
  HashingReader(Reader& in) : in_(in), h_(HashAlgorithm::kSha256) {}
  Result<size_t> Read(char* buf, size_t n) override {
    LUCID_ASSIGN_OR_RETURN(size_t got, in_.Read(buf, n));
    h_.Update(buf, got);
    return got;
  }
  std::string Finish() { return ToUpperAscii(h_.FinishHex()); }
  static std::string ToUpperAscii(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  Reader& in_;
  Hasher h_;
};

struct YearFeed {
  int year;
  std::string sha256;  // from .meta, upper case
  std::string url;
  std::unique_ptr<TempFile> body;
};

class CvssUpdater final : public updater::Updater {
 public:
  explicit CvssUpdater(UpdaterConfig c) : cfg_(std::move(c)) {}
  std::string_view name() const override { return kSetName; }
  std::string_view kind() const override { return "enrichment"; }

  std::vector<std::string> Urls() const override {
    std::vector<std::string> out;
    for (int y = cfg_.first_year; y <= LastYear(); ++y) {
      out.push_back(Base(y) + ".meta");
      out.push_back(Base(y) + ".json.gz");
    }
    return out;
  }

  Result<updater::FetchResult> Fetch(net::HttpClient& http, const std::string& prev) override {
    auto r = FetchVersion(http, prev);
    if (!r.ok() && r.status().code() == StatusCode::kNotFound && !cfg_.feed_version_configured &&
        cfg_.feed_version == "2.0") {
      cfg_.feed_version = "1.1";  // a mirror of the retired 1.1 feeds
      r = FetchVersion(http, prev);
      if (!r.ok()) cfg_.feed_version = "2.0";
    }
    return r;
  }

  Result<updater::FetchResult> FetchVersion(net::HttpClient& http, const std::string& prev) {
    feeds_.clear();
    bj::object fp;
    for (int y = cfg_.first_year; y <= LastYear(); ++y) {
      net::Request req;
      req.url = Base(y) + ".meta";
      req.max_body_bytes = kMaxMetaBytes;
      LUCID_ASSIGN_OR_RETURN(net::Response resp, http.Fetch(req));
      if (resp.status == 404) {
        log::Debug("nvd", "no feed for year", {{"url", req.url}});
        continue;  // mirrors lack some years; the current year may not exist yet
      }
      if (resp.status != 200) return net::HttpError(req, resp);
      std::string sha;
      for (auto line : SplitString(resp.body, '\n')) {
        line = TrimSpace(line);
        if (StartsWith(line, "sha256:")) sha = HashingReader::ToUpperAscii(std::string(TrimSpace(line.substr(7))));
      }
      if (sha.size() != 64) return Corrupt(req.url + ": no sha256 line in the .meta file");
      fp[std::to_string(y)] = sha;
      feeds_.push_back(YearFeed{y, sha, Base(y) + ".json.gz", nullptr});
    }
    if (feeds_.empty()) return NotFound("no NVD feed found under " + cfg_.feed_root);
    updater::FetchResult out;
    out.url = cfg_.feed_root;
    out.fingerprint = json::Serialize(fp);
    if (out.fingerprint == prev) {
      out.unchanged = true;
      return out;
    }
    for (auto& f : feeds_) {
      LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("lucid-nvd-"));
      net::Request req;
      req.url = f.url;
      LUCID_ASSIGN_OR_RETURN(net::Response resp, http.FetchToFile(req, tmp.path()));
      if (resp.status != 200) return net::HttpError(req, resp);
      out.bytes += resp.bytes;
      f.body = std::make_unique<TempFile>(std::move(tmp));
    }
    return out;
  }

  Status Parse(updater::FetchResult&, updater::VulnerabilitySink*, updater::EnrichmentSink* sink) override {
    if (sink == nullptr) return InvalidArgument("clair.cvss: no enrichment sink");
    for (auto& f : feeds_) {
      if (f.body == nullptr) return InvalidArgument("clair.cvss: nothing fetched to parse");
      LUCID_ASSIGN_OR_RETURN(auto raw, updater::OpenDecompressed(f.body->path()));
      HashingReader hashed(*raw);
      LUCID_RETURN_IF_ERROR(ParseFeed(hashed, sink).WithContext("parsing " + f.url));
      std::string got = hashed.Finish();
      if (got != f.sha256) {
        return Corrupt("parsing " + f.url + ": content SHA-256 " + got + " does not match the .meta's " + f.sha256);
      }
      f.body.reset();
    }
    return Status::Ok();
  }

 private:
  int LastYear() const { return cfg_.last_year > 0 ? cfg_.last_year : CurrentYear(); }
  std::string Base(int year) const {
    return cfg_.feed_root + "nvdcve-" + cfg_.feed_version + "-" + std::to_string(year);
  }

  UpdaterConfig cfg_;
  std::vector<YearFeed> feeds_;
};

class Factory final : public updater::UpdaterSetFactory {
 public:
  std::string_view name() const override { return kSetName; }
  Result<std::vector<std::unique_ptr<updater::Updater>>> Create(const std::string& config_json,
                                                                net::HttpClient&) const override {
    LUCID_ASSIGN_OR_RETURN(UpdaterConfig cfg, ParseUpdaterConfig(config_json));
    std::vector<std::unique_ptr<updater::Updater>> out;
    out.push_back(std::make_unique<CvssUpdater>(std::move(cfg)));
    return out;
  }
  std::vector<std::string> Urls(const std::string& config_json) const override {
    auto cfg = ParseUpdaterConfig(config_json);
    return CvssUpdater(cfg.ok() ? *cfg : UpdaterConfig{}).Urls();
  }
};

class CvssEnricher final : public matcher::Enricher {
 public:
  std::string_view name() const override { return kSetName; }
  Status Enrich(store::MatcherStore& store, VulnerabilityReport& report) const override {
    std::map<std::string, std::vector<std::string>> ids;  // vuln id -> CVE ids
    std::set<std::string> all;
    for (const auto& [id, v] : report.vulnerabilities) {
      std::vector<std::string> found = FindCveIds(v.name);
      for (auto& c : FindCveIds(v.links)) {
        if (std::find(found.begin(), found.end(), c) == found.end()) found.push_back(std::move(c));
      }
      if (found.empty()) continue;
      all.insert(found.begin(), found.end());
      ids[id] = std::move(found);
    }
    if (all.empty()) return Status::Ok();
    LUCID_ASSIGN_OR_RETURN(
        auto records, store.GetEnrichments(std::string(kSetName), std::vector<std::string>(all.begin(), all.end())));
    bj::object m;
    for (const auto& [vid, cves] : ids) {
      bj::array list;
      for (const auto& c : cves) {
        auto it = records.find(c);
        if (it == records.end()) continue;
        for (const auto& raw : it->second) {
          boost::system::error_code ec;
          bj::value parsed = bj::parse(raw, ec);
          if (!ec) list.push_back(std::move(parsed));
        }
      }
      if (!list.empty()) m[vid] = std::move(list);
    }
    if (m.empty()) return Status::Ok();
    report.enrichments[std::string(kEnrichmentType)] = {json::Serialize(m)};
    return Status::Ok();
  }
};

}  // namespace

Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json) {
  UpdaterConfig cfg;
  if (!TrimSpace(config_json).empty()) {
    boost::system::error_code ec;
    bj::value v = bj::parse(config_json, ec);
    if (ec) return InvalidArgument("clair.cvss updater config: " + ec.message());
    if (!v.is_null() && !v.is_object()) return InvalidArgument("clair.cvss updater config: expected an object");
    if (v.is_object()) {
      const auto& o = v.get_object();
      if (auto it = o.find("feed_root"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_string()) return InvalidArgument("clair.cvss updater config: feed_root must be a string");
        cfg.feed_root = std::string(it->value().get_string());
      }
      if (auto it = o.find("feed_version"); it != o.end() && it->value().is_string()) {
        cfg.feed_version = std::string(it->value().get_string());
        cfg.feed_version_configured = !cfg.feed_version.empty();
      }
      for (auto [key, dst] :
           {std::pair<const char*, int*>{"first_year", &cfg.first_year}, {"last_year", &cfg.last_year}}) {
        if (auto it = o.find(key); it != o.end() && !it->value().is_null()) {
          if (!it->value().is_int64())
            return InvalidArgument(std::string("clair.cvss updater config: ") + key + " must be an integer");
          *dst = static_cast<int>(it->value().get_int64());
        }
      }
    }
  }
  if (cfg.feed_root.empty()) cfg.feed_root = std::string(kDefaultFeedRoot);
  if (!StartsWith(cfg.feed_root, "http://") && !StartsWith(cfg.feed_root, "https://")) {
    return InvalidArgument("clair.cvss updater config: feed_root must be an http(s) URL: " + cfg.feed_root);
  }
  if (!EndsWith(cfg.feed_root, "/")) cfg.feed_root += '/';
  if (cfg.feed_version.empty()) cfg.feed_version = cfg.feed_root.find("/1.1/") != std::string::npos ? "1.1" : "2.0";
  if (cfg.feed_version != "1.1" && cfg.feed_version != "2.0") {
    return InvalidArgument("clair.cvss updater config: feed_version must be 1.1 or 2.0");
  }
  return cfg;
}

Status ParseFeed(Reader& in, updater::EnrichmentSink* sink, int64_t* records) {
  updater::JsonArrayStreamOptions opts;
  opts.array_keys = {"CVE_Items", "vulnerabilities"};
  int64_t n = 0;
  Status s = updater::StreamJsonArray(in, opts, [&](std::string_view key, bj::value& item) -> Status {
    std::string id;
    const bj::value* data = nullptr;
    if (key == "CVE_Items") {
      id = StrAt(item, {"cve", "CVE_data_meta", "ID"});
      const bj::value* desc = Path(item, {"cve", "description", "description_data"});
      if (desc != nullptr && desc->is_array() && !desc->get_array().empty() &&
          StartsWith(StrAt(desc->get_array()[0], {"value"}), "** REJECT **")) {
        return Status::Ok();
      }
      data = Path(item, {"impact", "baseMetricV3", "cvssV3"});
    } else {
      const bj::value* cve = Path(item, {"cve"});
      if (cve == nullptr) return Corrupt("vulnerabilities entry without \"cve\"");
      id = StrAt(*cve, {"id"});
      if (StrAt(*cve, {"vulnStatus"}) == "Rejected") return Status::Ok();
      data = PrimaryV3(*cve);
    }
    if (id.empty()) return Corrupt("CVE entry without an id");
    if (data == nullptr || !data->is_object()) return Status::Ok();
    ++n;
    return sink->Add(updater::EnrichmentRecord{{id}, json::Serialize(*data)});
  });
  if (records != nullptr) *records = n;
  return s;
}

std::vector<std::string> FindCveIds(std::string_view t) {
  std::vector<std::string> out;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // ASCII case folding by hand: tolower() per byte of every link was a
  // visible part of each report's time. Only 'C'/'c' fold to 'c', and so on.
  auto is = [](char c, char lower) { return (static_cast<unsigned char>(c) | 0x20) == lower; };
  for (size_t i = 0; i + 12 <= t.size(); ++i) {
    if (!is(t[i], 'c') || !is(t[i + 1], 'v') || !is(t[i + 2], 'e')) continue;
    size_t p = i + 3;
    if (t[p] != '-' && t[p] != '_') continue;
    ++p;
    size_t y = p;
    while (p < t.size() && p - y < 4 && digit(t[p])) ++p;
    if (p - y != 4 || p >= t.size() || (t[p] != '-' && t[p] != '_')) continue;
    ++p;
    size_t s = p;
    while (p < t.size() && digit(t[p])) ++p;
    if (p - s < 4) continue;
    std::string id = "CVE-" + std::string(t.substr(y, 4)) + "-" + std::string(t.substr(s, p - s));
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    i = p - 1;
  }
  return out;
}

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory() { return std::make_shared<Factory>(); }
std::shared_ptr<const matcher::Enricher> NewCvssEnricher() { return std::make_shared<CvssEnricher>(); }

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "nvd";
  e.updater_sets = {NewUpdaterSetFactory()};
  e.enrichers = {NewCvssEnricher()};
  return e;
}

}  // namespace lucid::nvd
