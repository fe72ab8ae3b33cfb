// Runs the updaters in the background of a matcher: once at start-up, then
// every `period` (matcher.period, Lucid default 30 minutes), followed by
// garbage collection. Stop() interrupts the wait (not a running fetch,
// which has its own timeouts) and joins the thread. A server shutting down
// calls RequestStop() first and Join()s with a deadline, so that a feed
// download in progress cannot hold the process past its grace period.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
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
  // Runs after every update run (e.g. to drop cached vulnerability reports).
  void SetAfterRun(std::function<void()> f) { after_run_ = std::move(f); }
  void Start();
  // Asks the loop to end and cancels the manager's retries; does not wait.
  void RequestStop();
  // Waits up to `timeout` for the loop to end; false if it is still running
  // (then the thread is left running and must not be joined by Stop()).
  bool Join(std::chrono::milliseconds timeout);
  void Stop();  // RequestStop() + unbounded join
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
  bool finished_ = false;
  std::function<void()> after_run_;
  std::thread thread_;
  std::atomic<int64_t> runs_{0};
};

}  // namespace lucid::services
