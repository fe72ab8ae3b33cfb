// Process-wide counters of updater outcomes, so that the HTTP metrics
// endpoint (and tests) can read how each updater has been doing without
// depending on the update manager.
//
//   UpdaterMetrics::Global().Record("osv/npm", "failed", 0, 1.2, "HTTP 500");
//   for (auto& [name, c] : UpdaterMetrics::Global().Snapshot()) ...
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace lucid::updater {

struct UpdaterCounters {
  // Runs by outcome ("updated", "unchanged", "failed", "skipped").
  std::map<std::string, int64_t> runs;
  int64_t records = 0;       // records stored by successful runs, summed
  double seconds_total = 0;  // time spent in runs, summed
  std::string last_status;
  std::string last_error;
  int64_t last_run_unix = 0;  // seconds since the epoch of the last run's end
  int64_t last_success_unix = 0;
};

class UpdaterMetrics {
 public:
  static UpdaterMetrics& Global();

  void Record(const std::string& updater, const std::string& status, int64_t records, double seconds,
              const std::string& error);
  std::map<std::string, UpdaterCounters> Snapshot() const;
  // Total of one outcome over every updater.
  int64_t Total(const std::string& status) const;
  void Reset();  // tests

 private:
  mutable std::mutex mu_;
  std::map<std::string, UpdaterCounters> counters_;
};

}  // namespace lucid::updater
