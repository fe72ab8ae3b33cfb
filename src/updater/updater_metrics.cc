#include "updater/updater_metrics.h"

#include <chrono>

namespace lucid::updater {

UpdaterMetrics& UpdaterMetrics::Global() {
  static UpdaterMetrics* m = new UpdaterMetrics;  // never destroyed: read during shutdown
  return *m;
}

void UpdaterMetrics::Record(const std::string& updater, const std::string& status, int64_t records, double seconds,
                            const std::string& error) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> l(mu_);
  UpdaterCounters& c = counters_[updater];
  ++c.runs[status];
  c.records += records;
  c.seconds_total += seconds;
  c.last_status = status;
  c.last_error = error;
  c.last_run_unix = now;
  if (status == "updated" || status == "unchanged") c.last_success_unix = now;
}

std::map<std::string, UpdaterCounters> UpdaterMetrics::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return counters_;
}

int64_t UpdaterMetrics::Total(const std::string& status) const {
  std::lock_guard<std::mutex> l(mu_);
  int64_t n = 0;
  for (const auto& [name, c] : counters_) {
    auto it = c.runs.find(status);
    if (it != c.runs.end()) n += it->second;
  }
  return n;
}

void UpdaterMetrics::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  counters_.clear();
}

}  // namespace lucid::updater
