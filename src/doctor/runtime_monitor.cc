#include "doctor/runtime_monitor.h"

#include <cstdlib>

#include "base/log.h"
#include "doctor/memory.h"
#include "http/metrics.h"
#include "updater/updater_metrics.h"

namespace lucid::doctor {
namespace {
constexpr double kWarnFraction = 0.8;
constexpr double kRearmFraction = 0.7;
}  // namespace

RuntimeMonitor::RuntimeMonitor(std::chrono::seconds interval) : interval_(interval) {
  if (const char* v = std::getenv("LUCID_MONITOR_INTERVAL"); v != nullptr && *v != '\0') {
    long s = std::strtol(v, nullptr, 10);
    if (s > 0) interval_ = std::chrono::seconds(s);
  }
}

RuntimeMonitor::~RuntimeMonitor() { Stop(); }

void RuntimeMonitor::Start() {
  Tick();
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

void RuntimeMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RuntimeMonitor::Tick() {
  auto& reg = metrics::Registry::Default();
  uint64_t rss = ResidentBytes();
  CgroupLimit lim = CurrentCgroupLimit();
  reg.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.")
      .With({})
      .Set(static_cast<double>(rss));
  reg.AddGauge("lucid_memory_limit_bytes", "The cgroup memory limit of the process in bytes (0 = none).")
      .With({})
      .Set(lim.bytes ? static_cast<double>(*lim.bytes) : 0.0);

  bool logged = false;
  if (lim.bytes && *lim.bytes > 0) {
    double used = static_cast<double>(rss) / static_cast<double>(*lim.bytes);
    if (used >= kWarnFraction && !warned_) {
      log::Warn("memory", "resident memory is close to the cgroup limit",
                {{"rss_bytes", static_cast<int64_t>(rss)},
                 {"limit_bytes", static_cast<int64_t>(*lim.bytes)},
                 {"percent", static_cast<int64_t>(used * 100)},
                 {"cgroup_file", lim.file},
                 {"hint", "raise the memory limit or reduce updaters.sets; `lucid doctor` estimates the need"}});
      warned_ = true;
      logged = true;
    } else if (used < kRearmFraction) {
      warned_ = false;
    }
  }

  // Mirror the updater counters (the updater module stays free of the registry).
  auto& runs = reg.AddCounter("lucid_updater_runs_total", "Updater runs by outcome.", {"updater", "outcome"});
  auto& last_ok = reg.AddGauge("lucid_updater_last_success_timestamp_seconds",
                               "Unix time of the last successful (updated or unchanged) run.", {"updater"});
  auto& last_run = reg.AddGauge("lucid_updater_last_run_timestamp_seconds", "Unix time of the last run.", {"updater"});
  for (const auto& [updater, c] : updater::UpdaterMetrics::Global().Snapshot()) {
    for (const auto& [outcome, n] : c.runs) {
      double& seen = runs_seen_[{updater, outcome}];
      if (static_cast<double>(n) > seen) {
        runs.With({updater, outcome}).Inc(static_cast<double>(n) - seen);
        seen = static_cast<double>(n);
      }
    }
    if (c.last_success_unix > 0) last_ok.With({updater}).Set(static_cast<double>(c.last_success_unix));
    if (c.last_run_unix > 0) last_run.With({updater}).Set(static_cast<double>(c.last_run_unix));
  }
  return logged;
}

}  // namespace lucid::doctor
