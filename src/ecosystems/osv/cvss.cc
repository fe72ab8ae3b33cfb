#include "ecosystems/osv/cvss.h"

#include <cmath>
#include <map>
#include <string>

#include "base/strings.h"

namespace lucid::osv {
namespace {

// Metric -> value, from "K:V/K:V"; nullopt on a malformed or repeated metric.
std::optional<std::map<std::string, std::string>> Metrics(std::string_view v) {
  std::map<std::string, std::string> out;
  for (auto part : SplitString(v, '/')) {
    auto colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == part.size()) return std::nullopt;
    if (!out.emplace(std::string(part.substr(0, colon)), std::string(part.substr(colon + 1))).second) {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<double> Pick(const std::map<std::string, std::string>& m, const char* key,
                           std::initializer_list<std::pair<const char*, double>> table) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  for (const auto& [k, val] : table) {
    if (it->second == k) return val;
  }
  return std::nullopt;
}

// CVSS v3.1 "Roundup": smallest one-decimal number >= x, avoiding float noise.
double Roundup(double x) {
  long long i = std::llround(x * 100000.0);
  if (i % 10000 == 0) return static_cast<double>(i) / 100000.0;
  return (std::floor(static_cast<double>(i) / 10000.0) + 1.0) / 10.0;
}

}  // namespace

std::optional<double> CvssV3BaseScore(std::string_view vector) {
  if (!StartsWith(vector, "CVSS:3.0/") && !StartsWith(vector, "CVSS:3.1/")) return std::nullopt;
  auto m = Metrics(vector.substr(9));
  if (!m) return std::nullopt;
  auto scope = m->find("S");
  if (scope == m->end() || (scope->second != "U" && scope->second != "C")) return std::nullopt;
  bool changed = scope->second == "C";
  auto av = Pick(*m, "AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  auto ac = Pick(*m, "AC", {{"L", 0.77}, {"H", 0.44}});
  auto pr = Pick(*m, "PR", {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  auto ui = Pick(*m, "UI", {{"N", 0.85}, {"R", 0.62}});
  auto c = Pick(*m, "C", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  auto i = Pick(*m, "I", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  auto a = Pick(*m, "A", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  if (!av || !ac || !pr || !ui || !c || !i || !a) return std::nullopt;
  double iss = 1.0 - (1.0 - *c) * (1.0 - *i) * (1.0 - *a);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double expl = 8.22 * *av * *ac * *pr * *ui;
  if (impact <= 0) return 0.0;
  return changed ? Roundup(std::min(1.08 * (impact + expl), 10.0)) : Roundup(std::min(impact + expl, 10.0));
}

std::optional<double> CvssV2BaseScore(std::string_view vector) {
  if (StartsWith(vector, "(") && EndsWith(vector, ")")) vector = vector.substr(1, vector.size() - 2);
  auto m = Metrics(vector);
  if (!m) return std::nullopt;
  auto av = Pick(*m, "AV", {{"L", 0.395}, {"A", 0.646}, {"N", 1.0}});
  auto ac = Pick(*m, "AC", {{"H", 0.35}, {"M", 0.61}, {"L", 0.71}});
  auto au = Pick(*m, "Au", {{"M", 0.45}, {"S", 0.56}, {"N", 0.704}});
  auto c = Pick(*m, "C", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  auto i = Pick(*m, "I", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  auto a = Pick(*m, "A", {{"N", 0.0}, {"P", 0.275}, {"C", 0.660}});
  if (!av || !ac || !au || !c || !i || !a) return std::nullopt;
  double impact = 10.41 * (1.0 - (1.0 - *c) * (1.0 - *i) * (1.0 - *a));
  double expl = 20.0 * *av * *ac * *au;
  double f = impact == 0 ? 0.0 : 1.176;
  double base = ((0.6 * impact) + (0.4 * expl) - 1.5) * f;
  return std::round(base * 10.0) / 10.0;
}

Severity SeverityForScore(double score) {
  if (score <= 0) return Severity::kNegligible;
  if (score < 4) return Severity::kLow;
  if (score < 7) return Severity::kMedium;
  if (score < 9) return Severity::kHigh;
  return Severity::kCritical;
}

}  // namespace lucid::osv
