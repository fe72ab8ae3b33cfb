#include "ecosystems/debian/updater.h"

#include <boost/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/debian/tracker_parser.h"

namespace lucid::debian {
namespace {

class TrackerUpdater final : public updater::Updater {
 public:
  explicit TrackerUpdater(UpdaterConfig c) : config_(std::move(c)) {}
  std::string_view name() const override { return kUpdaterName; }
  std::vector<std::string> Urls() const override { return {config_.json_url}; }

  Result<updater::FetchResult> Fetch(net::HttpClient& http, const std::string& prev_fingerprint) override {
    // The tracker sends Last-Modified; some mirrors ignore If-Modified-Since.
    net::Request req;
    req.url = config_.json_url;
    return updater::ConditionalFetch(http, std::move(req), prev_fingerprint, updater::Validator::kLastModified,
                                     "lucid-debian-tracker");
  }

  Status Parse(updater::FetchResult& fetched, updater::VulnerabilitySink* vulns,
               updater::EnrichmentSink* /*enrichments*/) override {
    if (fetched.body == nullptr) return InvalidArgument("debian/updater: nothing fetched to parse");
    if (vulns == nullptr) return InvalidArgument("debian/updater: no vulnerability sink");
    return ParseTrackerFile(fetched.body->path(), vulns).WithContext("parsing " + fetched.url);
  }

 private:
  UpdaterConfig config_;
};

class Factory final : public updater::UpdaterSetFactory {
 public:
  std::string_view name() const override { return "debian"; }

  Result<std::vector<std::unique_ptr<updater::Updater>>> Create(const std::string& config_json,
                                                                net::HttpClient& /*http*/) const override {
    LUCID_ASSIGN_OR_RETURN(UpdaterConfig cfg, ParseUpdaterConfig(config_json));
    std::vector<std::unique_ptr<updater::Updater>> out;
    out.push_back(NewTrackerUpdater(std::move(cfg)));
    return out;
  }

  std::vector<std::string> Urls(const std::string& config_json) const override {
    auto cfg = ParseUpdaterConfig(config_json);
    return {cfg.ok() ? cfg->json_url : std::string(kDefaultJsonUrl)};
  }
};

}  // namespace

Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json) {
  UpdaterConfig cfg;
  if (TrimSpace(config_json).empty()) return cfg;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(config_json, ec);
  if (ec) return InvalidArgument("debian updater config: " + ec.message());
  if (v.is_null()) return cfg;
  if (!v.is_object()) return InvalidArgument("debian updater config: expected an object");
  auto get = [&](std::string_view key, std::string* dst) -> Status {
    const boost::json::value* f = v.as_object().if_contains(key);
    if (f == nullptr || f->is_null()) return Status::Ok();
    if (!f->is_string()) return InvalidArgument("debian updater config: " + std::string(key) + " must be a string");
    *dst = std::string(f->as_string());
    return Status::Ok();
  };
  LUCID_RETURN_IF_ERROR(get("json_url", &cfg.json_url));
  LUCID_RETURN_IF_ERROR(get("mirror_url", &cfg.mirror_url));
  LUCID_RETURN_IF_ERROR(get("archive_url", &cfg.archive_url));
  LUCID_RETURN_IF_ERROR(get("oval_url", &cfg.oval_url));
  if (cfg.json_url.empty()) cfg.json_url = std::string(kDefaultJsonUrl);
  if (!StartsWith(cfg.json_url, "http://") && !StartsWith(cfg.json_url, "https://") &&
      !StartsWith(cfg.json_url, "file://")) {
    return InvalidArgument("debian updater config: json_url must be an http(s) or file URL: " + cfg.json_url);
  }
  return cfg;
}

std::unique_ptr<updater::Updater> NewTrackerUpdater(UpdaterConfig config) {
  return std::make_unique<TrackerUpdater>(std::move(config));
}

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory() { return std::make_shared<Factory>(); }

}  // namespace lucid::debian
