#include "updater/periodic.h"

#include "base/log.h"

namespace lucid::updater {

PeriodicUpdater::PeriodicUpdater(std::shared_ptr<UpdateManager> manager, std::shared_ptr<store::MatcherStore> store,
                                 std::shared_ptr<store::IndexerStore> locks, std::chrono::nanoseconds period,
                                 int retention)
    : manager_(std::move(manager)), store_(std::move(store)), locks_(std::move(locks)), period_(period),
      retention_(retention) {
  // Clair treats periods under a minute as the default; keep a floor so a
  // typo cannot hammer the sources (tests use the env override below).
  if (period_ <= std::chrono::nanoseconds(0)) period_ = std::chrono::minutes(30);
}

PeriodicUpdater::~PeriodicUpdater() { Stop(); }

void PeriodicUpdater::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicUpdater::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  manager_->Cancel();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t PeriodicUpdater::runs() const {
  std::lock_guard<std::mutex> l(mu_);
  return runs_;
}

void PeriodicUpdater::Loop() {
  for (;;) {
    StoreDestination dest(store_, locks_);
    RunSummary summary = manager_->RunOnce(dest);
    if (retention_ >= 0) {
      auto gc = store_->GarbageCollect(retention_ > 1 ? retention_ : 10);
      if (!gc.ok()) log::Warn("updater", "garbage collection failed", {{"error", gc.status().message()}});
    }
    if (on_run_) on_run_(summary);
    std::unique_lock<std::mutex> l(mu_);
    ++runs_;
    if (cv_.wait_for(l, period_, [this] { return stop_; })) return;
  }
}

}  // namespace lucid::updater
