// Database checks: connect (with a deadline), schema at the version this
// binary expects, size, and free disk for SQLite files and the layer spool.
#include <sys/statvfs.h>

#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "base/strings.h"
#include "doctor/checks.h"
#include "doctor/memory.h"
#include "store/store_factory.h"

namespace lucid::doctor::internal {
namespace {

std::optional<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

struct OpenOutcome {
  Status status;
  int schema_version = 0;
  int64_t size_bytes = -1;
};

// Opens without migrating, on a helper thread so that a silent network
// (SYN to a black hole) cannot outlast the deadline.
OpenOutcome OpenWithDeadline(bool indexer, const std::string& connstring, std::chrono::seconds deadline) {
  auto promise = std::make_shared<std::promise<OpenOutcome>>();
  auto future = promise->get_future();
  std::thread([promise, indexer, connstring] {
    OpenOutcome o;
    if (indexer) {
      auto s = store::OpenIndexerStore(connstring, false);
      o.status = s.ok() ? Status::Ok() : s.status();
    } else {
      auto s = store::OpenMatcherStore(connstring, false);
      if (!s.ok()) {
        o.status = s.status();
      } else if (auto st = (*s)->Stats(); st.ok()) {
        o.schema_version = st->schema_version;
        o.size_bytes = st->size_bytes;
      } else {
        o.status = st.status();
      }
    }
    promise->set_value(std::move(o));
  }).detach();
  if (future.wait_for(deadline) != std::future_status::ready) {
    return {Status(StatusCode::kUnavailable, "no answer within " + std::to_string(deadline.count()) + " s"), 0, -1};
  }
  return future.get();
}

std::optional<std::string> SqlitePath(const std::string& connstring) {
  std::string_view s = TrimSpace(connstring);
  if (s.empty()) {
    auto dir = store::DefaultDataDir();
    return dir.ok() ? *dir + "/lucid.db" : std::string();
  }
  for (std::string_view prefix : {"sqlite://", "sqlite:"}) {
    if (StartsWith(s, prefix)) return std::string(s.substr(prefix.size()));
  }
  return std::nullopt;
}

void CheckOne(Context& ctx, Report& out, bool indexer, const std::string& connstring, bool migrations) {
  const std::string name = indexer ? "indexer" : "matcher";
  const bool embedded = TrimSpace(connstring).empty();
  auto sqlite = SqlitePath(connstring);
  std::map<std::string, std::string> details{{"backend", sqlite ? "sqlite" : "postgres"}};
  std::string where;
  if (sqlite) {
    details["path"] = *sqlite;
    where = "sqlite " + *sqlite;
    std::error_code ec;
    if (!std::filesystem::exists(*sqlite, ec)) {
      out.Add({"database", name, embedded || migrations ? Verdict::kWarn : Verdict::kFail,
               where + " does not exist yet",
               embedded || migrations ? "it is created on first use (`lucid update` or the server)"
                                      : "set " + name + ".migrations: true or run `lucid update` once to create it",
               details});
      return;
    }
  } else {
    where = "postgres";
  }
  auto o = OpenWithDeadline(indexer, connstring, ctx.opts.total_timeout + std::chrono::seconds(5));
  if (!o.status.ok()) {
    const std::string& msg = o.status.message();
    if (msg.find("enable migrations") != std::string::npos) {
      bool will_migrate = embedded || migrations;
      out.Add({"database", name, will_migrate ? Verdict::kWarn : Verdict::kFail, where + ": " + msg,
               will_migrate ? "migrations run at start-up (" + name + ".migrations is on)"
                            : "set " + name + ".migrations: true (or run `lucid update`, which migrates)",
               details});
    } else if (msg.find("newer than this") != std::string::npos) {
      out.Add({"database", name, Verdict::kFail, where + ": " + msg, "upgrade lucid or point it at another database",
               details});
    } else {
      out.Add({"database", name, Verdict::kFail,
               msg.find("cannot connect") != std::string::npos ? msg : where + ": cannot connect: " + msg,
               sqlite ? "check the file's permissions and that no other program holds it locked"
                      : "is PostgreSQL running and reachable? check host/port/user/dbname in " + name +
                            ".connstring (try `pg_isready`)",
               details});
    }
    return;
  }
  std::string reason = where + ": connected, schema current";
  if (o.schema_version > 0) {
    reason += " (v" + std::to_string(o.schema_version) + ")";
    details["schema_version"] = std::to_string(o.schema_version);
  }
  int64_t size = o.size_bytes;
  if (size < 0 && sqlite) {
    std::error_code ec;
    auto fs = std::filesystem::file_size(*sqlite, ec);
    if (!ec) size = static_cast<int64_t>(fs);
  }
  if (size >= 0) {
    reason += ", " + FormatBytes(static_cast<uint64_t>(size));
    details["size_bytes"] = std::to_string(size);
  }
  Verdict v = Verdict::kPass;
  std::string hint;
  if (sqlite) {
    std::string dir = std::filesystem::path(*sqlite).parent_path().string();
    if (auto free = FreeBytes(dir.empty() ? "." : dir)) {
      reason += ", " + FormatBytes(*free) + " free";
      details["free_bytes"] = std::to_string(*free);
      if (*free < (1ull << 30)) {
        v = Verdict::kWarn;
        hint = "less than 1 GiB free next to the database: updates may fail with 'disk full'";
      }
    }
  }
  out.Add({"database", name, v, reason, hint, details});
}

}  // namespace

void CheckDatabases(Context& ctx, Report& out) {
  const auto& cfg = *ctx.cfg;
  auto mode = ctx.opts.mode;
  if (mode == config::Mode::kCombo || mode == config::Mode::kIndexer) {
    CheckOne(ctx, out, true, cfg.indexer.connstring, cfg.indexer.migrations);
  }
  if (mode == config::Mode::kCombo || mode == config::Mode::kMatcher) {
    CheckOne(ctx, out, false, cfg.matcher.connstring, cfg.matcher.migrations);
  }
  // Layers are spooled to $TMPDIR (default /var/tmp) while they are scanned.
  const char* t = std::getenv("TMPDIR");
  std::string tmp = t != nullptr && *t != '\0' ? t : "/var/tmp";
  if (mode == config::Mode::kCombo || mode == config::Mode::kIndexer) {
    auto free = FreeBytes(tmp);
    if (!free) {
      out.Add({"database",
               "layer spool",
               Verdict::kFail,
               tmp + " is not accessible",
               "set TMPDIR to a writable directory",
               {{"path", tmp}}});
    } else {
      Verdict v = *free < (2ull << 30) ? Verdict::kWarn : Verdict::kPass;
      out.Add({"database",
               "layer spool",
               v,
               tmp + ": " + FormatBytes(*free) + " free",
               v == Verdict::kPass ? "" : "indexing needs about 2x the largest uncompressed layer in $TMPDIR",
               {{"path", tmp}, {"free_bytes", std::to_string(*free)}}});
    }
  }
}

}  // namespace lucid::doctor::internal
