// Runs the updaters in the background of a matcher: once at start-up, then
// every `period` (matcher.period, Lucid default 30 minutes), followed by
// garbage collection. Stop() interrupts the wait (not a running fetch,
// which has its own timeouts) and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "updater/update_manager.h"

namespace lucid::services {

class UpdateScheduler {
 public:
  UpdateScheduler(std::shared_ptr<updater::UpdateManager> manager, std::shared_ptr<store::MatcherStore> store,
                  std::shared_ptr<store::IndexerStore> locks, std::chrono::nanoseconds period, int retention);
  ~UpdateScheduler();
  void Start();
  void Stop();
  int64_t runs() const { return runs_; }

 private:
  void Loop();

  std::shared_ptr<updater::UpdateManager> manager_;
  std::shared_ptr<store::MatcherStore> store_;
  std::shared_ptr<store::IndexerStore> locks_;
  std::chrono::nanoseconds period_;
  int retention_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<int64_t> runs_{0};
};

}  // namespace lucid::services
