#include "services/update_scheduler.h"

#include "base/log.h"

namespace lucid::services {

UpdateScheduler::UpdateScheduler(std::shared_ptr<updater::UpdateManager> manager,
                                 std::shared_ptr<store::MatcherStore> store, std::shared_ptr<store::IndexerStore> locks,
                                 std::chrono::nanoseconds period, int retention)
    : manager_(std::move(manager)),
      store_(std::move(store)),
      locks_(std::move(locks)),
      period_(period),
      retention_(retention) {}

UpdateScheduler::~UpdateScheduler() { Stop(); }

void UpdateScheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void UpdateScheduler::RequestStop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  manager_->Cancel();
  cv_.notify_all();
}

bool UpdateScheduler::Join(std::chrono::milliseconds timeout) {
  {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [this] { return finished_ || !thread_.joinable(); })) return false;
  }
  if (thread_.joinable()) thread_.join();
  return true;
}

void UpdateScheduler::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

void UpdateScheduler::Loop() {
  struct Finished {
    UpdateScheduler* s;
    ~Finished() {
      {
        std::lock_guard<std::mutex> l(s->mu_);
        s->finished_ = true;
      }
      s->cv_.notify_all();
    }
  } finished{this};
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return;
    }
    updater::StoreDestination dest(store_, locks_);
    auto summary = manager_->RunOnce(dest);
    runs_++;
    int failed = 0;
    for (const auto& o : summary.outcomes) failed += o.status == "failed";
    if (after_run_) after_run_();
    bool stopping;
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping = stop_;
    }
    if (retention_ > 0 && !stopping) {
      auto gc = store_->GarbageCollect(retention_);
      if (!gc.ok()) log::Warn("updater", "garbage collection failed", {{"error", gc.status().message()}});
    }
    log::Info("updater", "update run finished",
              {{"updaters", static_cast<int64_t>(summary.outcomes.size())},
               {"failed", failed},
               {"next_run_in_s", std::chrono::duration<double>(period_).count()}});
    std::unique_lock<std::mutex> l(mu_);
    if (cv_.wait_for(l, period_, [this] { return stop_; })) return;
  }
}

}  // namespace lucid::services
