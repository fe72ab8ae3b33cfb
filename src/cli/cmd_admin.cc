// `lucid admin ...`: operator maintenance of the databases.
//   gc [--retention N]        garbage-collect old update operations now
//   reindex-all               forget every stored index report (layers stay)
//   stats [--format F]        backend, schema versions, row counts, size,
//                             update operations per updater
//   pre|post VERSION          Clair's upgrade hooks: Lucid's own migrations
//                             need none, so these are no-ops that exit 0
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "store/store_factory.h"

namespace lucid::cli {
namespace {

namespace bj = boost::json;

bool IsSqlite(const std::string& connstring) {
  return connstring.find_first_not_of(" \t") == std::string::npos || connstring.rfind("sqlite:", 0) == 0;
}

// The CLI owns the embedded SQLite database and migrates it; a PostgreSQL
// schema is migrated only when the configuration allows it, as the server does.
bool Migrate(const std::string& connstring, bool configured) { return configured || IsSqlite(connstring); }

int Fail(const std::string& what, const Status& s, int code) {
  std::cerr << "lucid admin " << what << ": " << s.message() << "\n";
  return code;
}

std::string HumanBytes(int64_t n) {
  if (n < 0) return "unknown";
  char buf[32];
  double v = static_cast<double>(n);
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

bj::object StatsJson(const store::StoreStats& st) {
  bj::object o;
  o["backend"] = st.backend;
  o["location"] = st.location;
  o["schema_version"] = st.schema_version;
  o["schema_version_supported"] = st.schema_version_known;
  o["size_bytes"] = st.size_bytes;
  bj::object counts;
  for (const auto& [t, n] : st.counts) counts[t] = n;
  o["counts"] = std::move(counts);
  return o;
}

void PrintStatsTable(const std::string& what, const store::StoreStats& st) {
  std::cout << what << " database\n";
  std::printf("  %-26s %s\n", "backend", st.backend.c_str());
  std::printf("  %-26s %s\n", "location", st.location.c_str());
  std::printf("  %-26s %d (this binary: %d)\n", "schema version", st.schema_version, st.schema_version_known);
  std::printf("  %-26s %s\n", "size", HumanBytes(st.size_bytes).c_str());
  for (const auto& [t, n] : st.counts) std::printf("  %-26s %lld\n", t.c_str(), static_cast<long long>(n));
}

int RunStats(const AdminOptions& o, const config::Config& cfg) {
  auto is = store::OpenIndexerStore(cfg.indexer.connstring, Migrate(cfg.indexer.connstring, cfg.indexer.migrations));
  if (!is.ok()) return Fail("stats", is.status().WithContext("indexer database"), kExitStorage);
  auto ms = store::OpenMatcherStore(cfg.matcher.connstring, Migrate(cfg.matcher.connstring, cfg.matcher.migrations));
  if (!ms.ok()) return Fail("stats", ms.status().WithContext("matcher database"), kExitStorage);
  auto ist = (*is)->Stats();
  if (!ist.ok()) return Fail("stats", ist.status().WithContext("indexer database"), kExitStorage);
  auto mst = (*ms)->Stats();
  if (!mst.ok()) return Fail("stats", mst.status().WithContext("matcher database"), kExitStorage);

  if (o.format == "json") {
    bj::object out;
    out["indexer"] = StatsJson(*ist);
    bj::object m = StatsJson(*mst);
    bj::object ups;
    for (const auto& [name, u] : mst->updaters) {
      ups[name] = bj::object{{"operations", u.operations}, {"latest_date", u.latest_date}, {"latest_ref", u.latest_ref}};
    }
    m["updaters"] = std::move(ups);
    out["matcher"] = std::move(m);
    std::cout << bj::serialize(out) << "\n";
    return kExitOk;
  }
  PrintStatsTable("indexer", *ist);
  std::cout << "\n";
  PrintStatsTable("matcher", *mst);
  std::cout << "\nupdate operations per updater\n";
  if (mst->updaters.empty()) std::cout << "  (none: run `lucid update`)\n";
  for (const auto& [name, u] : mst->updaters) {
    std::printf("  %-34s %6lld  latest %s\n", name.c_str(), static_cast<long long>(u.operations), u.latest_date.c_str());
  }
  return kExitOk;
}

int RunGc(const AdminOptions& o, const config::Config& cfg) {
  int retention = o.retention;
  if (retention <= 0) retention = cfg.matcher.update_retention > 0 ? static_cast<int>(cfg.matcher.update_retention) : 10;
  auto ms = store::OpenMatcherStore(cfg.matcher.connstring, Migrate(cfg.matcher.connstring, cfg.matcher.migrations));
  if (!ms.ok()) return Fail("gc", ms.status().WithContext("matcher database"), kExitStorage);
  // One GarbageCollect call is bounded (short transactions for a running
  // server); an operator asking for GC now wants all of it.
  int64_t total = 0;
  while (true) {
    auto n = (*ms)->GarbageCollect(retention);
    if (!n.ok()) return Fail("gc", n.status(), kExitStorage);
    total += *n;
    if (*n == 0) break;
  }
  std::cout << "removed " << total << " update operation" << (total == 1 ? "" : "s") << " (keeping the newest "
            << retention << " per updater)\n";
  return kExitOk;
}

int RunReindexAll(const config::Config& cfg) {
  auto is = store::OpenIndexerStore(cfg.indexer.connstring, Migrate(cfg.indexer.connstring, cfg.indexer.migrations));
  if (!is.ok()) return Fail("reindex-all", is.status().WithContext("indexer database"), kExitStorage);
  auto n = (*is)->DeleteAllIndexReports();
  if (!n.ok()) return Fail("reindex-all", n.status(), kExitStorage);
  std::cout << "forgot " << *n << " index report" << (*n == 1 ? "" : "s")
            << "; manifests are re-indexed on their next submission (scanned layers are reused)\n";
  return kExitOk;
}

}  // namespace

int RunAdmin(const AdminOptions& o) {
  // Clair's upgrade hooks prepare Clair's own schema; Lucid's tables are
  // migrated by Lucid, so upgrade scripts may call these unconditionally.
  if (o.action == "pre" || o.action == "post") return kExitOk;

  std::string path = o.config_path;
  if (path.empty()) {
    if (const char* env = std::getenv("CLAIR_CONF"); env != nullptr) path = env;
  }
  auto cfg = LoadConfigOrDefault(path, config::Mode::kCombo);
  if (!cfg.ok()) return Fail(o.action, cfg.status(), kExitUsage);
  if (o.action == "stats") return RunStats(o, *cfg);
  if (o.action == "gc") return RunGc(o, *cfg);
  if (o.action == "reindex-all") return RunReindexAll(*cfg);
  std::cerr << "lucid admin: unknown action " << o.action << "\n";
  return kExitUsage;
}

}  // namespace lucid::cli
