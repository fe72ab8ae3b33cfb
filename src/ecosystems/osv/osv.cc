#include "ecosystems/osv/osv.h"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/osv/record.h"
#include "updater/decompress.h"

namespace lucid::osv {
namespace {

constexpr size_t kMaxRecordBytes = 16u << 20;
constexpr size_t kMaxIndexBytes = 1u << 20;

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Canonical directory names, for listing URLs without contacting the index.
std::string DirFor(std::string_view normalized) {
  static const std::pair<std::string_view, std::string_view> kDirs[] = {
      {"npm", "npm"},     {"pypi", "PyPI"},           {"maven", "Maven"},
      {"go", "Go"},       {"rubygems", "RubyGems"},   {"crates.io", "crates.io"},
      {"nuget", "NuGet"}, {"packagist", "Packagist"}, {"pub", "Pub"},
      {"hex", "Hex"},     {"swifturl", "SwiftURL"}};
  for (const auto& [n, d] : kDirs) {
    if (n == normalized) return std::string(d);
  }
  return std::string(normalized);
}

class EcosystemUpdater final : public updater::Updater {
 public:
  EcosystemUpdater(std::string base, std::string dir)
      : dir_(std::move(dir)),
        normalized_(NormalizeEcosystem(dir_)),
        name_(UpdaterName(normalized_)),
        url_(base + QueryEscapePath(dir_) + "/all.zip") {}

  std::string_view name() const override { return name_; }
  std::vector<std::string> Urls() const override { return {url_}; }

  Result<updater::FetchResult> Fetch(net::HttpClient& http, const std::string& prev) override {
    net::Request req;
    req.url = url_;
    return updater::ConditionalFetch(http, std::move(req), prev, updater::Validator::kEtag, "lucid-osv");
  }

  Status Parse(updater::FetchResult& fetched, updater::VulnerabilitySink* vulns, updater::EnrichmentSink*) override {
    if (fetched.body == nullptr || vulns == nullptr) return InvalidArgument(name_ + ": nothing to parse");
    return ParseAllZip(fetched.body->path(), normalized_, vulns).WithContext("parsing " + url_);
  }

 private:
  static std::string QueryEscapePath(const std::string& s) {
    std::string out;
    for (char c : s) out += c == ' ' ? std::string("%20") : std::string(1, c);
    return out;
  }
  std::string dir_, normalized_, name_, url_;
};

class Factory final : public updater::UpdaterSetFactory {
 public:
  std::string_view name() const override { return "osv"; }

  Result<std::vector<std::unique_ptr<updater::Updater>>> Create(const std::string& config_json,
                                                                net::HttpClient& http) const override {
    LUCID_ASSIGN_OR_RETURN(UpdaterConfig cfg, ParseUpdaterConfig(config_json));
    net::Request req;
    req.url = cfg.url + "ecosystems.txt";
    req.max_body_bytes = kMaxIndexBytes;
    req.timeout = std::chrono::seconds(120);
    LUCID_ASSIGN_OR_RETURN(net::Response resp, http.Fetch(req));
    if (resp.status != 200) return net::HttpError(req, resp);
    std::vector<std::unique_ptr<updater::Updater>> out;
    for (const auto& dir : SelectEcosystems(resp.body, cfg)) out.push_back(NewEcosystemUpdater(cfg, dir));
    return out;
  }

  std::vector<std::string> Urls(const std::string& config_json) const override {
    auto cfg = ParseUpdaterConfig(config_json);
    UpdaterConfig c = cfg.ok() ? *cfg : UpdaterConfig{};
    std::vector<std::string> out{c.url + "ecosystems.txt"};
    if (c.allowlist.empty()) {
      out.push_back(c.url + "<Ecosystem>/all.zip (one per ecosystem listed in ecosystems.txt)");
    } else {
      for (const auto& n : c.allowlist) {
        if (!IgnoredEcosystem(n)) out.push_back(c.url + DirFor(n) + "/all.zip");
      }
    }
    return out;
  }
};

}  // namespace

Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json) {
  UpdaterConfig cfg;
  if (TrimSpace(config_json).empty()) return cfg;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(config_json, ec);
  if (ec) return InvalidArgument("osv updater config: " + ec.message());
  if (v.is_null()) return cfg;
  if (!v.is_object()) return InvalidArgument("osv updater config: expected an object");
  const auto& o = v.get_object();
  if (auto it = o.find("url"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_string()) return InvalidArgument("osv updater config: url must be a string");
    cfg.url = std::string(it->value().get_string());
    if (cfg.url.empty()) cfg.url = std::string(kDefaultUrl);
  }
  if (!StartsWith(cfg.url, "http://") && !StartsWith(cfg.url, "https://")) {
    return InvalidArgument("osv updater config: url must be an http(s) URL: " + cfg.url);
  }
  if (!EndsWith(cfg.url, "/")) cfg.url += '/';
  if (auto it = o.find("allowlist"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return InvalidArgument("osv updater config: allowlist must be a list");
    for (const auto& e : it->value().get_array()) {
      if (!e.is_string()) return InvalidArgument("osv updater config: allowlist entries must be strings");
      cfg.allowlist.push_back(NormalizeEcosystem(e.get_string()));
    }
  }
  return cfg;
}

std::vector<std::string> SelectEcosystems(std::string_view txt, const UpdaterConfig& cfg) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto line : SplitString(txt, '\n')) {
    std::string_view l = TrimSpace(line);
    if (l.empty()) continue;
    std::string dir(TrimSpace(l.substr(0, l.find(':'))));
    std::string n = NormalizeEcosystem(l);
    if (n.empty() || IgnoredEcosystem(n) || !seen.insert(n).second) continue;
    if (!cfg.allowlist.empty() && std::find(cfg.allowlist.begin(), cfg.allowlist.end(), n) == cfg.allowlist.end()) {
      continue;
    }
    out.push_back(dir);
  }
  return out;
}

std::unique_ptr<updater::Updater> NewEcosystemUpdater(const UpdaterConfig& cfg, const std::string& dir) {
  return std::make_unique<EcosystemUpdater>(cfg.url, dir);
}

Status ParseAllZip(const std::string& path, std::string_view normalized, updater::VulnerabilitySink* sink) {
  LUCID_ASSIGN_OR_RETURN(auto zip, updater::ZipReader::Open(path));
  std::string now = NowRfc3339();
  ConvertStats stats;
  std::string name;
  int64_t size = 0;
  auto emit = [sink](Vulnerability v) { return sink->Add(std::move(v)); };
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(bool more, zip->Next(&name, &size));
    if (!more) break;
    if (!EndsWith(name, ".json")) continue;
    auto text = zip->ReadMember(kMaxRecordBytes);
    if (!text.ok()) return text.status().WithContext(name);
    boost::system::error_code ec;
    boost::json::value rec = boost::json::parse(*text, ec);
    if (ec) return Corrupt(name + ": " + ec.message());
    Status s = ConvertRecord(rec, normalized, now, emit, &stats);
    if (!s.ok()) return s.WithContext(name);
  }
  if (stats.records == 0) return Corrupt("no OSV records in the archive");
  log::Debug("osv", "parsed archive",
             {{"ecosystem", std::string(normalized)},
              {"records", stats.records},
              {"skipped", stats.skipped},
              {"vulnerabilities", stats.vulns}});
  return Status::Ok();
}

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory() { return std::make_shared<Factory>(); }

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "osv";
  e.updater_sets = {NewUpdaterSetFactory()};
  return e;
}

}  // namespace lucid::osv
