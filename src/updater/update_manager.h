// Runs updaters: for each configured set, creates its updaters; for each
// updater, fetches with the previous fingerprint (unchanged sources are
// neither downloaded nor parsed), streams the parse into one update
// operation, and commits it atomically. A failing updater is logged, counted
// (updater_metrics.h) and retried with backoff; it never blocks the others
// nor touches the data stored by earlier runs.
//
// Downloads run concurrently (network waits dominate); parsing and storing
// run one updater at a time, which keeps peak memory to one parser's state.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "store/store.h"
#include "updater/updater.h"

namespace lucid::updater {

struct UpdaterConfig {
  // nullopt = every registered set (Clair's default); empty = none.
  std::optional<std::vector<std::string>> sets;
  std::map<std::string, std::string> set_config;  // set name -> JSON object text
  int retries = 2;                                // extra attempts after a failure
  std::chrono::seconds retry_backoff{2};          // doubled per attempt
  // Whole run of one updater (all attempts, download and parse).
  std::chrono::seconds timeout{std::chrono::minutes(30)};
  // Abort a download receiving < 1 byte/s for this long.
  std::chrono::seconds stall_timeout{60};
  // Largest body one request may download (spooled to disk, not memory).
  uint64_t max_body_bytes = 4ull << 30;
  int concurrency = 4;  // updaters downloading at once
};

struct UpdaterOutcome {
  std::string updater;
  std::string status;  // "updated", "unchanged", "failed", "skipped"
  std::string error;
  std::string url;
  std::string proxy;
  std::string fingerprint;
  std::string ref;  // the new update operation, when "updated"
  int64_t records = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  int attempts = 0;
};

struct RunSummary {
  std::vector<UpdaterOutcome> outcomes;
  bool all_ok() const;
};

// Destination for a run: the store (normal runs) or an export bundle.
class UpdateDestination {
 public:
  virtual ~UpdateDestination() = default;
  virtual Result<std::string> PreviousFingerprint(const std::string& updater) = 0;
  virtual Result<std::unique_ptr<store::UpdateWriter>> Begin(const std::string& updater, const std::string& fingerprint,
                                                             const std::string& kind) = 0;
  // Whether a run may be skipped because another process holds it.
  virtual Result<std::unique_ptr<store::Lock>> TryLock(const std::string& updater) {
    (void)updater;
    return std::unique_ptr<store::Lock>();
  }
};

class StoreDestination final : public UpdateDestination {
 public:
  StoreDestination(std::shared_ptr<store::MatcherStore> store, std::shared_ptr<store::IndexerStore> locks = nullptr)
      : store_(std::move(store)), locks_(std::move(locks)) {}
  Result<std::string> PreviousFingerprint(const std::string& updater) override;
  Result<std::unique_ptr<store::UpdateWriter>> Begin(const std::string& updater, const std::string& fingerprint,
                                                     const std::string& kind) override {
    return store_->BeginUpdate(updater, fingerprint, kind);
  }
  Result<std::unique_ptr<store::Lock>> TryLock(const std::string& updater) override;

 private:
  std::shared_ptr<store::MatcherStore> store_;
  std::shared_ptr<store::IndexerStore> locks_;
};

class UpdateManager {
 public:
  UpdateManager(std::vector<std::shared_ptr<const UpdaterSetFactory>> factories, UpdaterConfig config);

  // Runs every configured updater once into `dest`.
  RunSummary RunOnce(UpdateDestination& dest);
  // Every URL each configured set will contact (for `lucid updaters list`).
  std::map<std::string, std::vector<std::string>> ListUrls() const;
  // Same, after discovery (sets such as osv contact their index): updater
  // name -> URLs. Sets whose discovery fails map "<set>" to the static URLs
  // and report the error in `errors`.
  std::map<std::string, std::vector<std::string>> ResolveUrls(std::map<std::string, std::string>* errors);
  std::vector<std::string> SelectedSets() const;
  const UpdaterConfig& config() const { return config_; }

  // Stops retries and waits early (a server shutting down).
  void Cancel() { cancelled_ = true; }

 private:
  UpdaterOutcome RunUpdater(Updater& u, UpdateDestination& dest, net::HttpClient& http);
  void ConfigureClient(net::HttpClient& http) const;
  std::string SetConfig(const std::string& name) const;

  std::vector<std::shared_ptr<const UpdaterSetFactory>> factories_;
  UpdaterConfig config_;
  std::mutex parse_mu_;  // one parse/store at a time
  std::atomic<bool> cancelled_{false};
};

// Summary line per outcome, for CLI output.
std::string DescribeOutcome(const UpdaterOutcome& o);

}  // namespace lucid::updater
