#include "doctor/doctor.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "doctor/checks.h"
#include "doctor/memory.h"
#include "ecosystems/registry.h"
#include "services/components.h"

namespace lucid::doctor {
namespace internal {

AddrState ProbeListenAddr(const std::string& addr) {
  AddrState st;
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    st.error = "not host:port";
    return st;
  }
  std::string host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    st.error = std::string("cannot resolve: ") + gai_strerror(rc);
    return st;
  }
  st.parsed = true;
  // Listen on the first address as the server would; EADDRINUSE means taken.
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) == 0) {
    st.free = true;
  } else {
    int err = errno;
    st.error = std::strerror(err);
    if (err == EADDRINUSE) {
      // Is it answering? Connect to loopback when the address is a wildcard.
      addrinfo* c = nullptr;
      addrinfo h2{};
      h2.ai_socktype = SOCK_STREAM;
      h2.ai_flags = AI_NUMERICSERV;
      if (getaddrinfo(host.empty() || host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host.c_str(), port.c_str(), &h2,
                      &c) == 0) {
        int cfd = socket(c->ai_family, SOCK_STREAM, 0);
        st.in_use = connect(cfd, c->ai_addr, c->ai_addrlen) == 0;
        close(cfd);
        freeaddrinfo(c);
      }
    }
  }
  close(fd);
  freeaddrinfo(res);
  return st;
}

void CheckConfig(Context& ctx, Report& out) {
  const auto& o = ctx.opts;
  std::string mode(config::ModeName(o.mode));
  if (o.config_path.empty()) {
    ctx.cfg = config::Config{};
    out.Add(
        {"config", "file", Verdict::kPass, "no file given: built-in defaults (embedded SQLite, all updaters)", "", {}});
  } else {
    auto loaded = config::Load(o.config_path);
    if (!loaded.ok()) {
      out.Add({"config",
               "file",
               Verdict::kFail,
               loaded.status().message(),
               "fix the file (unknown keys are fatal, as in Clair 4.7+); `lucid check-config " + o.config_path +
                   "` prints the merged document",
               {{"path", o.config_path}}});
      return;
    }
    ctx.cfg = std::move(*loaded);
    out.Add({"config",
             "file",
             Verdict::kPass,
             "parsed " + o.config_path + " (strict keys, drop-ins applied)",
             "",
             {{"path", o.config_path}}});
  }
  config::Config& cfg = *ctx.cfg;
  // Which defaults apply: note the empty keys before validation fills them.
  std::vector<std::string> defaulted;
  if (cfg.http_listen_addr.empty()) defaulted.push_back("http_listen_addr");
  if (cfg.introspection_addr.empty()) defaulted.push_back("introspection_addr");
  if (cfg.indexer.connstring.empty() && o.mode != config::Mode::kMatcher)
    defaulted.push_back("indexer.connstring (embedded SQLite)");
  if (cfg.matcher.connstring.empty() && o.mode != config::Mode::kIndexer)
    defaulted.push_back("matcher.connstring (embedded SQLite)");
  if (cfg.matcher.period.count() == 0) defaulted.push_back("matcher.period");
  if (!cfg.updaters.sets) defaulted.push_back("updaters.sets (all)");
  auto problems = cfg.ValidateForMode(o.mode);
  std::vector<std::string> errors, lints;
  for (const auto& p : problems) (p.severity == config::Severity::kError ? errors : lints).push_back(p.ToString());
  if (!errors.empty()) {
    std::string more = errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "";
    out.Add({"config",
             "validation (" + mode + ")",
             Verdict::kFail,
             errors.front() + more,
             "`lucid check-config FILE` lists every problem",
             {}});
  } else {
    std::string d;
    for (const auto& k : defaulted) d += (d.empty() ? "" : ", ") + k;
    out.Add({"config",
             "validation (" + mode + ")",
             Verdict::kPass,
             d.empty() ? std::string("valid, no defaults needed") : "valid; defaults applied: " + d,
             "",
             {}});
  }
  if (!lints.empty()) {
    std::string more = lints.size() > 1 ? " (and " + std::to_string(lints.size() - 1) + " more)" : "";
    out.Add({"config",
             "lints",
             Verdict::kWarn,
             lints.front() + more,
             "not fatal; `lucid check-config FILE` lists them all",
             {}});
  }
  // Listen addresses: free to bind, or already served (a running lucid?).
  std::vector<std::pair<std::string, std::string>> addrs;
  addrs.push_back({"http_listen_addr", cfg.http_listen_addr});  // every mode serves the API
  addrs.push_back({"introspection_addr", cfg.introspection_addr});
  for (const auto& [key, addr] : addrs) {
    if (addr.empty()) continue;
    AddrState st = ProbeListenAddr(addr);
    if (!st.parsed) {
      out.Add({"config", key, Verdict::kFail, addr + ": " + st.error, "use host:port, e.g. :6060", {{"addr", addr}}});
    } else if (st.free) {
      out.Add({"config", key, Verdict::kPass, addr + " is free to listen on", "", {{"addr", addr}}});
    } else if (st.in_use) {
      out.Add({"config",
               key,
               Verdict::kWarn,
               addr + " is in use and answers (a running lucid?)",
               "fine if that is this server; otherwise stop the other process or pick another port",
               {{"addr", addr}}});
    } else {
      out.Add({"config",
               key,
               Verdict::kFail,
               addr + ": cannot listen: " + st.error,
               "pick an address this host owns and a port above 1023 (or grant CAP_NET_BIND_SERVICE)",
               {{"addr", addr}}});
    }
  }
}

void CheckClock(Context& ctx, Report& out) {
  if (ctx.skews.empty()) {
    out.Add({"clock",
             "skew",
             Verdict::kSkip,
             "no reachable endpoint sent a Date header to compare with",
             "compare `date -u` with a trusted clock; JWTs allow only 15 s of skew",
             {}});
    return;
  }
  // The median resists one badly set server.
  auto s = ctx.skews;
  std::sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  const auto& [url, skew] = s[s.size() / 2];
  long long abs = skew < 0 ? -skew : skew;
  std::string dir = skew > 0 ? "ahead of" : "behind";
  std::string reason = abs <= 2 ? "local clock agrees with " + url + " (within " + std::to_string(abs) + " s)"
                                : "local clock is " + std::to_string(abs) + " s " + dir + " " + url;
  Verdict v = abs <= 5 ? Verdict::kPass : abs <= 15 ? Verdict::kWarn : Verdict::kFail;
  out.Add({"clock",
           "skew",
           v,
           reason,
           v == Verdict::kPass ? ""
                               : "PSK JWTs (iat/nbf/exp) allow 15 s of skew: sync the clock (chrony/systemd-timesyncd)",
           {{"seconds", std::to_string(skew)}, {"compared_with", url}}});
}

void CheckMemory(Context& ctx, Report& out) {
  std::vector<std::string> sets;
  bool updaters_run = ctx.opts.mode == config::Mode::kCombo || ctx.opts.mode == config::Mode::kMatcher;
  if (ctx.cfg && updaters_run) {
    updater::UpdateManager m(ecosystems::AllUpdaterSets(), services::UpdaterConfigFrom(*ctx.cfg));
    sets = m.SelectedSets();
  } else if (!ctx.cfg) {
    for (const auto& f : ecosystems::AllUpdaterSets()) sets.push_back(std::string(f->name()));
  }
  MemoryEstimate est = EstimateMemory(sets);
  std::string breakdown = "base " + FormatBytes(est.base_bytes);
  for (const auto& [set, b] : est.per_set) breakdown += ", " + set + " " + FormatBytes(b);
  CgroupLimit lim = CurrentCgroupLimit();
  std::map<std::string, std::string> details{
      {"estimate_bytes", std::to_string(est.total_bytes)}, {"estimate", breakdown}, {"cgroup_file", lim.file}};
  if (!lim.bytes) {
    out.Add(
        {"memory", "cgroup limit", Verdict::kPass,
         std::string(lim.version == 0 ? "no cgroup memory controller found" : "no memory limit (" + lim.file + ")") +
             "; updaters need about " + FormatBytes(est.total_bytes) + " (" + breakdown + ")",
         "", details});
    return;
  }
  details["limit_bytes"] = std::to_string(*lim.bytes);
  std::string reason = "cgroup v" + std::to_string(lim.version) + " limit " + FormatBytes(*lim.bytes) + " (" +
                       lim.file + "), estimated peak " + FormatBytes(est.total_bytes) + " (" + breakdown +
                       "; updaters parse one at a time)";
  if (*lim.bytes < est.total_bytes) {
    out.Add({"memory", "cgroup limit", Verdict::kFail, reason,
             "raise the container memory limit to at least " + FormatBytes(est.total_bytes + est.total_bytes / 4) +
                 ", or run fewer updater sets (updaters.sets)",
             details});
  } else if (*lim.bytes < est.total_bytes + est.total_bytes / 4) {
    out.Add({"memory", "cgroup limit", Verdict::kWarn, reason,
             "less than 25% headroom; large layers or feeds may hit the limit", details});
  } else {
    out.Add({"memory", "cgroup limit", Verdict::kPass, reason, "", details});
  }
}

}  // namespace internal

Report RunDoctor(const DoctorOptions& opts) {
  Report out;
  out.Add({"version", "lucid", Verdict::kPass, "lucid " + opts.version, "", {{"version", opts.version}}});
  internal::Context ctx{opts, std::nullopt, {}};
  internal::CheckConfig(ctx, out);
  if (ctx.cfg) {
    internal::CheckDatabases(ctx, out);
    internal::CheckUpdaters(ctx, out);
    internal::CheckPsk(ctx, out);
  } else {
    for (const char* g : {"database", "updater", "psk"}) {
      out.Add({g, "-", Verdict::kSkip, "the configuration did not load", "fix the configuration first", {}});
    }
  }
  if (!opts.quay_config_path.empty()) internal::CheckQuay(ctx, out);
  internal::CheckClock(ctx, out);
  internal::CheckMemory(ctx, out);
  return out;
}

}  // namespace lucid::doctor
