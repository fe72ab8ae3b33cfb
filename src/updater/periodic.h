// Runs the update manager at start-up and then every matcher.period until
// stopped (the matcher/combo server's background updater), garbage-collecting
// old update operations after each run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "updater/update_manager.h"

namespace lucid::updater {

class PeriodicUpdater {
 public:
  PeriodicUpdater(std::shared_ptr<UpdateManager> manager, std::shared_ptr<store::MatcherStore> store,
                  std::shared_ptr<store::IndexerStore> locks, std::chrono::nanoseconds period, int retention);
  ~PeriodicUpdater();  // Stop()s

  void Start();
  // Cancels retries in flight and joins the thread.
  void Stop();
  int64_t runs() const;
  // Called after every run (tests, notifier wake-ups).
  void OnRun(std::function<void(const RunSummary&)> cb) { on_run_ = std::move(cb); }

 private:
  void Loop();

  std::shared_ptr<UpdateManager> manager_;
  std::shared_ptr<store::MatcherStore> store_;
  std::shared_ptr<store::IndexerStore> locks_;
  std::chrono::nanoseconds period_;
  int retention_;
  std::function<void(const RunSummary&)> on_run_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace lucid::updater
