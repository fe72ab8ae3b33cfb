// The groups of checks RunDoctor() runs (one file each), sharing a context.
#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "doctor/check.h"
#include "doctor/doctor.h"

namespace lucid::doctor::internal {

struct Context {
  const DoctorOptions& opts;
  std::optional<config::Config> cfg;  // nullopt when the configuration did not load
  // Date headers seen by probes, as (url, local clock minus remote clock in seconds).
  std::vector<std::pair<std::string, long long>> skews;
};

void CheckConfig(Context& ctx, Report& out);
void CheckDatabases(Context& ctx, Report& out);
void CheckUpdaters(Context& ctx, Report& out);
void CheckPsk(Context& ctx, Report& out);
void CheckQuay(Context& ctx, Report& out);
void CheckClock(Context& ctx, Report& out);
void CheckMemory(Context& ctx, Report& out);

// "host:port" (empty host = all interfaces) -> can we bind it? is someone listening?
struct AddrState {
  bool parsed = false;
  bool free = false;
  bool in_use = false;  // bind failed with EADDRINUSE and a connect succeeded
  std::string error;
};
AddrState ProbeListenAddr(const std::string& addr);

}  // namespace lucid::doctor::internal
