// Memory facts for doctor and the server's memory watch: the cgroup limit
// of this process (v2 memory.max, v1 memory.limit_in_bytes), its resident
// set size, and how much the configured updater sets need.
//
// The cgroup root is /sys/fs/cgroup unless $LUCID_CGROUP_ROOT names another
// directory (tests point it at a fake tree holding memory.max).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lucid::doctor {

struct CgroupLimit {
  std::optional<uint64_t> bytes;  // nullopt = no limit ("max" or absent)
  std::string file;               // the file the limit was read from ("" if none found)
  int version = 0;                // 1 or 2, 0 when no cgroup memory controller was found
};

// `proc_self_cgroup` is the text of /proc/self/cgroup (injectable for tests).
CgroupLimit ReadCgroupLimit(const std::string& root, const std::string& proc_self_cgroup);
// Same, from $LUCID_CGROUP_ROOT (or /sys/fs/cgroup) and /proc/self/cgroup.
CgroupLimit CurrentCgroupLimit();

// VmRSS and VmHWM of this process from /proc/self/status (0 if unknown).
uint64_t ResidentBytes();
uint64_t PeakResidentBytes();

// Estimated peak resident memory of a server running `sets` (nullopt = every
// registered set): a base for the process plus the largest single set, since
// the update manager parses one updater at a time.
struct MemoryEstimate {
  uint64_t base_bytes = 0;
  uint64_t total_bytes = 0;
  std::vector<std::pair<std::string, uint64_t>> per_set;  // set -> peak parse bytes
};
MemoryEstimate EstimateMemory(const std::vector<std::string>& sets);

std::string FormatBytes(uint64_t bytes);  // "256 MiB", "1.5 GiB"

}  // namespace lucid::doctor
