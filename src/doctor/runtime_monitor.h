// Background watch for a running server: every interval it publishes the
// resident set size and the cgroup memory limit as Prometheus gauges, logs a
// warning when RSS crosses 80% of the limit (once per crossing), and mirrors
// the updaters' outcome counters (updater::UpdaterMetrics) into /metrics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace lucid::doctor {

class RuntimeMonitor {
 public:
  // $LUCID_MONITOR_INTERVAL (seconds) overrides `interval` when set.
  explicit RuntimeMonitor(std::chrono::seconds interval = std::chrono::seconds(15));
  ~RuntimeMonitor();
  void Start();
  void Stop();
  // One round (exposed for tests). Returns true when a warning was logged.
  bool Tick();

 private:
  std::chrono::seconds interval_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool warned_ = false;
  std::map<std::pair<std::string, std::string>, double> runs_seen_;
};

}  // namespace lucid::doctor
