#include "doctor/check.h"

#include <algorithm>
#include <boost/json.hpp>

namespace lucid::doctor {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kSkip:
      return "skip";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
  }
  return "fail";
}

namespace {
std::string OneLine(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}
}  // namespace

void Report::Add(CheckResult r) {
  r.reason = OneLine(r.reason);
  r.hint = OneLine(r.hint);
  checks.push_back(std::move(r));
}

Verdict Report::Worst() const {
  Verdict w = Verdict::kPass;
  for (const auto& c : checks) w = std::max(w, c.verdict);
  return w;
}

int Report::Count(Verdict v) const {
  return static_cast<int>(
      std::count_if(checks.begin(), checks.end(), [v](const CheckResult& c) { return c.verdict == v; }));
}

int ExitCode(const Report& r, bool strict) {
  Verdict w = r.Worst();
  if (w == Verdict::kFail) return 1;
  if (strict && w == Verdict::kWarn) return 1;
  return 0;
}

std::string RenderText(const Report& r) {
  size_t wg = 0, wn = 0;
  for (const auto& c : r.checks) {
    wg = std::max(wg, c.group.size());
    wn = std::max(wn, c.name.size());
  }
  std::string out;
  for (const auto& c : r.checks) {
    std::string v(VerdictName(c.verdict));
    for (auto& ch : v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out += v + "  " + c.group + std::string(wg - c.group.size() + 2, ' ') + c.name +
           std::string(wn - c.name.size() + 2, ' ') + c.reason + "\n";
    if (!c.hint.empty() && c.verdict != Verdict::kPass) {
      out += std::string(6 + wg + 2 + wn + 2, ' ') + "hint: " + c.hint + "\n";
    }
  }
  out += "\n" + std::to_string(r.Count(Verdict::kPass)) + " passed, " + std::to_string(r.Count(Verdict::kWarn)) +
         " warnings, " + std::to_string(r.Count(Verdict::kFail)) + " failed, " +
         std::to_string(r.Count(Verdict::kSkip)) + " skipped\n";
  return out;
}

std::string RenderJson(const Report& r, bool strict) {
  boost::json::array checks;
  for (const auto& c : r.checks) {
    boost::json::object o;
    o["group"] = c.group;
    o["name"] = c.name;
    o["verdict"] = std::string(VerdictName(c.verdict));
    o["reason"] = c.reason;
    o["hint"] = c.hint;
    boost::json::object d;
    for (const auto& [k, v] : c.details) d[k] = v;
    o["details"] = std::move(d);
    checks.push_back(std::move(o));
  }
  boost::json::object top;
  top["verdict"] = std::string(VerdictName(r.Worst()));
  top["exit_code"] = ExitCode(r, strict);
  top["summary"] = boost::json::object{{"pass", r.Count(Verdict::kPass)},
                                       {"warn", r.Count(Verdict::kWarn)},
                                       {"fail", r.Count(Verdict::kFail)},
                                       {"skip", r.Count(Verdict::kSkip)}};
  top["checks"] = std::move(checks);
  return boost::json::serialize(top) + "\n";
}

}  // namespace lucid::doctor
