#include "doctor/memory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace lucid::doctor {
namespace {

std::optional<std::string> ReadSmall(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (text.size() > 4096) text.resize(4096);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// "max" (v2) or a huge v1 sentinel (PAGE_COUNTER_MAX) both mean unlimited.
std::optional<uint64_t> ParseLimit(const std::string& text) {
  if (text.empty() || text == "max") return std::nullopt;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  if (v >= (1ull << 62)) return std::nullopt;
  return v;
}

uint64_t StatusField(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(k, 0) != 0) continue;
    return std::strtoull(line.c_str() + k.size(), nullptr, 10) * 1024;  // kB
  }
  return 0;
}

}  // namespace

CgroupLimit ReadCgroupLimit(const std::string& root, const std::string& proc_self_cgroup) {
  CgroupLimit out;
  std::string v2_path, v1_path;
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  while (std::getline(lines, line)) {
    // "hierarchy-ID:controllers:path"
    auto a = line.find(':');
    auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string id = line.substr(0, a), ctl = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (id == "0" && ctl.empty()) v2_path = path;
    std::stringstream cs(ctl);
    std::string c;
    while (std::getline(cs, c, ',')) {
      if (c == "memory") v1_path = path;
    }
  }
  // Innermost first, then the root of the (possibly namespaced) hierarchy.
  std::vector<std::pair<std::string, int>> candidates;
  if (!v2_path.empty() && v2_path != "/") candidates.push_back({root + v2_path + "/memory.max", 2});
  candidates.push_back({root + "/memory.max", 2});
  if (!v1_path.empty() && v1_path != "/")
    candidates.push_back({root + "/memory" + v1_path + "/memory.limit_in_bytes", 1});
  candidates.push_back({root + "/memory/memory.limit_in_bytes", 1});
  candidates.push_back({root + "/memory.limit_in_bytes", 1});
  for (const auto& [path, version] : candidates) {
    auto text = ReadSmall(path);
    if (!text) continue;
    out.file = path;
    out.version = version;
    out.bytes = ParseLimit(*text);
    return out;
  }
  return out;
}

CgroupLimit CurrentCgroupLimit() {
  const char* env = std::getenv("LUCID_CGROUP_ROOT");
  std::string root = env != nullptr && *env != '\0' ? env : "/sys/fs/cgroup";
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return ReadCgroupLimit(root, ReadSmall("/proc/self/cgroup").value_or(""));
}

uint64_t ResidentBytes() { return StatusField("VmRSS"); }
uint64_t PeakResidentBytes() { return StatusField("VmHWM"); }

MemoryEstimate EstimateMemory(const std::vector<std::string>& sets) {
  // Measured: `lucid update` with one set against the test feeds
  // (tests/integration harness feed server) peaks at 92 MiB (alpine), 91 MiB
  // (debian), 89 MiB (osv) and 41 MiB (clair.cvss) of process RSS; a server
  // at rest is about 20 MiB. Parsers stream (bounded state), but the
  // upstream feeds are larger than the test excerpts, so each set gets
  // headroom over its measured share (peak minus ~35 MiB of process base).
  static const std::map<std::string, uint64_t> kPerSet = {
      {"alpine", 64ull << 20},
      {"debian", 96ull << 20},
      {"osv", 128ull << 20},
      {"clair.cvss", 32ull << 20},
  };
  constexpr uint64_t kUnknownSet = 128ull << 20;
  MemoryEstimate e;
  e.base_bytes = 64ull << 20;  // server, stores and index requests in flight
  uint64_t largest = 0;
  for (const auto& s : sets) {
    auto it = kPerSet.find(s);
    uint64_t b = it == kPerSet.end() ? kUnknownSet : it->second;
    e.per_set.push_back({s, b});
    largest = std::max(largest, b);
  }
  e.total_bytes = e.base_bytes + largest;
  return e;
}

std::string FormatBytes(uint64_t b) {
  char buf[64];
  if (b >= (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(b) / (1ull << 30));
  } else if (b >= (1ull << 20)) {
    std::snprintf(buf, sizeof buf, "%llu MiB", static_cast<unsigned long long>(b >> 20));
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(b >> 10));
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  }
  return buf;
}

}  // namespace lucid::doctor
