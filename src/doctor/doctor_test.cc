#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "doctor/check.h"
#include "doctor/checks.h"
#include "doctor/doctor.h"
#include "doctor/memory.h"
#include "doctor/probe.h"
#include "http/metrics.h"

namespace lucid::doctor {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("doctor-test-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void Write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
};

TEST(Memory, CgroupV2RootFile) {
  TempDir d;
  d.Write("memory.max", "268435456\n");
  auto lim = ReadCgroupLimit(d.path.string(), "0::/\n");
  ASSERT_TRUE(lim.bytes.has_value());
  EXPECT_EQ(*lim.bytes, 268435456u);
  EXPECT_EQ(lim.version, 2);
}

TEST(Memory, CgroupV2NestedPathWins) {
  TempDir d;
  d.Write("memory.max", "max\n");
  d.Write("kubepods/pod1/memory.max", "1073741824\n");
  auto lim = ReadCgroupLimit(d.path.string(), "0::/kubepods/pod1\n");
  ASSERT_TRUE(lim.bytes.has_value());
  EXPECT_EQ(*lim.bytes, 1073741824u);
}

TEST(Memory, CgroupV2Unlimited) {
  TempDir d;
  d.Write("memory.max", "max\n");
  auto lim = ReadCgroupLimit(d.path.string(), "0::/\n");
  EXPECT_FALSE(lim.bytes.has_value());
  EXPECT_EQ(lim.version, 2);
}

TEST(Memory, CgroupV1) {
  TempDir d;
  d.Write("memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  auto lim = ReadCgroupLimit(d.path.string(), "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n");
  ASSERT_TRUE(lim.bytes.has_value());
  EXPECT_EQ(*lim.bytes, 536870912u);
  EXPECT_EQ(lim.version, 1);
  d.Write("memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");  // v1 "unlimited"
  EXPECT_FALSE(ReadCgroupLimit(d.path.string(), "12:memory:/docker/abc\n").bytes.has_value());
}

TEST(Memory, NoController) {
  TempDir d;
  auto lim = ReadCgroupLimit(d.path.string(), "");
  EXPECT_EQ(lim.version, 0);
  EXPECT_FALSE(lim.bytes.has_value());
}

TEST(Memory, EstimateIsBasePlusLargestSet) {
  auto e = EstimateMemory({"alpine", "osv"});
  EXPECT_EQ(e.total_bytes, e.base_bytes + (128ull << 20));  // osv dominates
  EXPECT_EQ(EstimateMemory({}).total_bytes, e.base_bytes);
  EXPECT_GT(ResidentBytes(), 0u);
}

TEST(Check, ExitCodes) {
  Report r;
  r.Add({"a", "x", Verdict::kPass, "ok", "", {}});
  r.Add({"a", "y", Verdict::kSkip, "n/a", "", {}});
  EXPECT_EQ(ExitCode(r, false), 0);
  r.Add({"a", "z", Verdict::kWarn, "hmm", "do this", {}});
  EXPECT_EQ(ExitCode(r, false), 0);
  EXPECT_EQ(ExitCode(r, true), 1);
  r.Add({"a", "w", Verdict::kFail, "bad", "fix", {}});
  EXPECT_EQ(ExitCode(r, false), 1);
  EXPECT_NE(RenderText(r).find("FAIL  a  w  bad"), std::string::npos) << RenderText(r);
  EXPECT_NE(RenderJson(r, false).find("\"verdict\":\"fail\""), std::string::npos);
}

TEST(Probe, ClosedPortFailsFastAtTcp) {
  // Bind and close to find a port nobody listens on.
  auto st = internal::ProbeListenAddr("127.0.0.1:0");
  EXPECT_TRUE(st.free);
  ::unsetenv("http_proxy");
  ::unsetenv("all_proxy");
  ::unsetenv("ALL_PROXY");
  ProbeOptions po;
  po.connect_timeout = std::chrono::seconds(2);
  po.total_timeout = std::chrono::seconds(3);
  auto r = Probe("http://127.0.0.1:1/", po);
  EXPECT_EQ(r.phase, "tcp") << r.error;
}

TEST(Probe, ProxyRefusing) {
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ProbeOptions po;
  po.connect_timeout = std::chrono::seconds(2);
  po.total_timeout = std::chrono::seconds(3);
  auto r = Probe("http://example.invalid/", po);
  ::unsetenv("http_proxy");
  EXPECT_EQ(r.phase, "proxy") << r.error;
  EXPECT_EQ(r.proxy, "http://127.0.0.1:1");
}

TEST(Probe, ResolveHasADeadline) {
  auto r = Resolve("localhost", std::chrono::milliseconds(3000));
  EXPECT_TRUE(r.ok) << r.error;
  auto bad = Resolve("no-such-host.invalid", std::chrono::milliseconds(3000));
  EXPECT_FALSE(bad.ok);
}

TEST(Probe, UrlHost) {
  EXPECT_EQ(UrlHost("https://user@deb.debian.org:443/x"), "deb.debian.org");
  EXPECT_EQ(UrlHost("http://[::1]:8080/"), "::1");
}

TEST(Doctor, BadConfigFailsAndSkipsDependents) {
  TempDir d;
  d.Write("config.yaml", "http_listen_addr: ':6060'\nnot_a_key: 1\n");
  DoctorOptions o;
  o.config_path = (d.path / "config.yaml").string();
  o.version = "test";
  auto r = RunDoctor(o);
  bool config_fail = false, db_skip = false;
  for (const auto& c : r.checks) {
    if (c.group == "config" && c.verdict == Verdict::kFail && c.reason.find("not_a_key") != std::string::npos)
      config_fail = true;
    if (c.group == "database" && c.verdict == Verdict::kSkip) db_skip = true;
  }
  EXPECT_TRUE(config_fail) << RenderText(r);
  EXPECT_TRUE(db_skip) << RenderText(r);
  EXPECT_EQ(ExitCode(r, false), 1);
}

TEST(Doctor, ShortPskWarnsBadPskFails) {
  TempDir d;
  ::setenv("LUCID_DATA_DIR", (d.path / "data").c_str(), 1);
  d.Write("short.yaml", "auth:\n  psk:\n    key: c2hvcnQ=\n    iss: [quay]\nupdaters:\n  sets: []\n");
  d.Write("bad.yaml", "auth:\n  psk:\n    key: '%%%notbase64'\n    iss: [quay]\nupdaters:\n  sets: []\n");
  auto verdict_of = [&](const std::string& file) {
    DoctorOptions o;
    o.config_path = (d.path / file).string();
    auto r = RunDoctor(o);
    for (const auto& c : r.checks) {
      if (c.group == "psk") return c.verdict;
    }
    return Verdict::kSkip;
  };
  EXPECT_EQ(verdict_of("short.yaml"), Verdict::kWarn);
  // A key that does not decode is refused already by config validation or by the PSK check.
  DoctorOptions o;
  o.config_path = (d.path / "bad.yaml").string();
  EXPECT_EQ(RunDoctor(o).Worst(), Verdict::kFail);
  ::unsetenv("LUCID_DATA_DIR");
}

TEST(Doctor, MemoryCheckAgainstFakeCgroup) {
  TempDir d;
  d.Write("cg/memory.max", "268435456\n");
  ::setenv("LUCID_CGROUP_ROOT", (d.path / "cg").c_str(), 1);
  ::setenv("LUCID_DATA_DIR", (d.path / "data").c_str(), 1);
  d.Write("c.yaml", "updaters:\n  sets: [osv]\n");
  DoctorOptions o;
  o.config_path = (d.path / "c.yaml").string();
  o.connect_timeout = std::chrono::seconds(1);
  o.total_timeout = std::chrono::seconds(2);
  auto r = RunDoctor(o);
  ::unsetenv("LUCID_CGROUP_ROOT");
  ::unsetenv("LUCID_DATA_DIR");
  const CheckResult* mem = nullptr;
  for (const auto& c : r.checks) {
    if (c.group == "memory") mem = &c;
  }
  ASSERT_NE(mem, nullptr);
  // 256 MiB against base + osv: enough, but with less than 25% headroom.
  EXPECT_NE(mem->reason.find("256 MiB"), std::string::npos) << mem->reason;
  EXPECT_EQ(mem->details.at("limit_bytes"), "268435456");
}

}  // namespace
}  // namespace lucid::doctor
