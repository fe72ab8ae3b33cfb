#include "ecosystems/alpine/updater.h"

#include <boost/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/alpine/secdb_parser.h"

namespace lucid::alpine {
namespace {

constexpr uint64_t kMaxSecdbBytes = 256u << 20;  // real files are ~200 KiB
constexpr int kMaxMinor = 200;                   // bounds probing against a server that says yes to all
constexpr int kMaxMajor = 20;
constexpr std::string_view kRepos[] = {"main", "community"};

// True for 2xx, false for 404/410, an error for anything else.
Result<bool> Exists(net::HttpClient& http, const std::string& url) {
  net::Request req;
  req.method = "HEAD";
  req.url = url;
  req.timeout = std::chrono::seconds(60);
  auto resp = http.Fetch(req);
  if (!resp.ok()) return resp.status();
  if (resp->status >= 200 && resp->status < 300) return true;
  if (resp->status == 404 || resp->status == 410) return false;
  return net::HttpError(req, *resp);
}

class SecdbUpdater final : public updater::Updater {
 public:
  SecdbUpdater(std::string url, std::string release, std::string repo)
      : url_(std::move(url)), source_{release, repo, UpdaterName(repo, release)} {}

  std::string_view name() const override { return source_.updater; }
  std::vector<std::string> Urls() const override { return {url_}; }

  Result<updater::FetchResult> Fetch(net::HttpClient& http, const std::string& prev_fingerprint) override {
    net::Request req;
    req.url = url_;
    req.max_body_bytes = kMaxSecdbBytes;
    return updater::ConditionalFetch(http, std::move(req), prev_fingerprint, updater::Validator::kEtag,
                                     "lucid-alpine-secdb");
  }

  Status Parse(updater::FetchResult& fetched, updater::VulnerabilitySink* vulns,
               updater::EnrichmentSink* /*enrichments*/) override {
    if (fetched.body == nullptr) return InvalidArgument(source_.updater + ": nothing fetched to parse");
    if (vulns == nullptr) return InvalidArgument(source_.updater + ": no vulnerability sink");
    LUCID_ASSIGN_OR_RETURN(auto reader, FileReader::Open(fetched.body->path()));
    SecdbStats stats;
    Status s = ParseSecdb(*reader, source_, vulns, &stats);
    if (!s.ok()) return s.WithContext("parsing " + fetched.url);
    log::Debug("updater", "secdb parsed",
               {{"updater", source_.updater}, {"packages", stats.packages}, {"vulnerabilities", stats.emitted}});
    return Status::Ok();
  }

 private:
  std::string url_;
  SecdbSource source_;
};

class Factory final : public updater::UpdaterSetFactory {
 public:
  std::string_view name() const override { return "alpine"; }

  Result<std::vector<std::unique_ptr<updater::Updater>>> Create(const std::string& config_json,
                                                                net::HttpClient& http) const override {
    LUCID_ASSIGN_OR_RETURN(UpdaterConfig cfg, ParseUpdaterConfig(config_json));
    auto releases = DiscoverReleases(http, cfg.url);
    if (!releases.ok()) return releases.status().WithContext("alpine: discovering secdb releases");
    std::vector<std::unique_ptr<updater::Updater>> out;
    for (const auto& rel : *releases) {
      for (std::string_view repo : kRepos) {
        std::string url = cfg.url + rel + "/" + std::string(repo) + ".json";
        auto exists = Exists(http, url);
        if (!exists.ok()) return exists.status().WithContext("alpine: probing " + url);
        if (!*exists) continue;  // e.g. v3.2 has no community repository
        out.push_back(NewSecdbUpdater(cfg.url, rel, std::string(repo)));
      }
    }
    return out;
  }

  std::vector<std::string> Urls(const std::string& config_json) const override {
    auto cfg = ParseUpdaterConfig(config_json);
    return {cfg.ok() ? cfg->url : std::string(kDefaultSecdbUrl)};
  }
};

}  // namespace

Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json) {
  UpdaterConfig cfg;
  if (TrimSpace(config_json).empty()) return cfg;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(config_json, ec);
  if (ec) return InvalidArgument("alpine updater config: " + ec.message());
  if (v.is_null()) return cfg;
  if (!v.is_object()) return InvalidArgument("alpine updater config: expected an object");
  if (const boost::json::value* u = v.as_object().if_contains("url"); u != nullptr && !u->is_null()) {
    if (!u->is_string()) return InvalidArgument("alpine updater config: url must be a string");
    cfg.url = std::string(u->as_string());
  }
  if (cfg.url.empty()) cfg.url = std::string(kDefaultSecdbUrl);
  if (!StartsWith(cfg.url, "http://") && !StartsWith(cfg.url, "https://")) {
    return InvalidArgument("alpine updater config: url must be an http(s) URL: " + cfg.url);
  }
  if (cfg.url.back() != '/') cfg.url += '/';
  return cfg;
}

Result<std::vector<std::string>> DiscoverReleases(net::HttpClient& http, const std::string& base_url) {
  std::string base = base_url;
  if (base.empty() || base.back() != '/') base += '/';
  std::vector<std::string> out;
  for (int major = 3; major <= kMaxMajor; ++major) {
    int minor = major == 3 ? 2 : 0;
    // Mirrors may have dropped the oldest releases: tolerate a short gap at
    // the very start.
    int leading_misses_allowed = major == 3 ? 3 : 0;
    bool found = false;
    for (; minor <= kMaxMinor; ++minor) {
      std::string rel("v");  // appended piecewise: g++ 12 warns falsely (-Wrestrict) on "v" + to_string(...)
      rel += std::to_string(major);
      rel += '.';
      rel += std::to_string(minor);
      LUCID_ASSIGN_OR_RETURN(bool exists, Exists(http, base + rel + "/"));
      if (!exists) {
        if (!found && leading_misses_allowed-- > 0) continue;
        break;
      }
      found = true;
      out.push_back(rel);
    }
    if (!found) break;
  }
  LUCID_ASSIGN_OR_RETURN(bool edge, Exists(http, base + "edge/"));
  if (edge) out.push_back("edge");
  return out;
}

std::unique_ptr<updater::Updater> NewSecdbUpdater(const std::string& base_url, const std::string& release,
                                                  const std::string& repo) {
  std::string base = base_url;
  if (base.empty() || base.back() != '/') base += '/';
  return std::make_unique<SecdbUpdater>(base + release + "/" + repo + ".json", release, repo);
}

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory() { return std::make_shared<Factory>(); }

}  // namespace lucid::alpine
