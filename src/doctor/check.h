// The result model of `lucid doctor`: every check yields one line with a
// verdict, a one-line reason and, unless it passed, a hint saying what to do.
// Rendered as an aligned text table for people or as JSON for automation.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lucid::doctor {

// Ordered by badness; kSkip (not applicable / depends on a failed check)
// never changes the exit code.
enum class Verdict { kPass, kSkip, kWarn, kFail };
std::string_view VerdictName(Verdict v);

struct CheckResult {
  std::string group;  // config, database, updater, psk, quay, clock, memory, version
  std::string name;   // e.g. "indexer database", "https://deb.debian.org"
  Verdict verdict = Verdict::kPass;
  std::string reason;                          // one line: what was found
  std::string hint;                            // one line: what to do (empty on pass)
  std::map<std::string, std::string> details;  // machine-readable extras (url, proxy, bytes, ...)
};

struct Report {
  std::vector<CheckResult> checks;
  // Keeps reason and hint on one line each (libpq and curl messages span lines).
  void Add(CheckResult r);
  Verdict Worst() const;
  int Count(Verdict v) const;
};

// Exit codes of `lucid doctor`: 0 when nothing failed (warnings too, unless
// `strict`), 1 when a check failed (or, with `strict`, warned).
int ExitCode(const Report& r, bool strict);

std::string RenderText(const Report& r);
std::string RenderJson(const Report& r, bool strict);

}  // namespace lucid::doctor
