#include "cli/report_format.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <vector>

#include "core/clair_json.h"

namespace lucid::cli {
namespace {

std::string Shorten(const std::string& digest) {
  // "sha256:0123456789ab" is enough for a person to tell layers apart.
  auto colon = digest.find(':');
  if (colon == std::string::npos) return digest;
  return digest.substr(0, std::min(digest.size(), colon + 13));
}

struct Row {
  std::string package, installed, fixed, vuln, severity, layer;
  Severity sev;
};

}  // namespace

std::string RenderTable(const VulnerabilityReport& r, const std::string& image) {
  std::vector<Row> rows;
  for (const auto& [pid, vids] : r.package_vulnerabilities) {
    const Package& p = r.packages.at(pid);
    std::string layer;
    auto envs = r.environments.find(pid);
    if (envs != r.environments.end() && !envs->second.empty())
      layer = Shorten(envs->second.front().introduced_in.str());
    for (const auto& vid : vids) {
      const Vulnerability& v = r.vulnerabilities.at(vid);
      std::string fixed = v.fixed_in_version;
      // OSV-style fixed versions are URL-encoded key=value lists; show the fix only.
      if (auto pos = fixed.find("fixed="); pos != std::string::npos) {
        fixed = fixed.substr(pos + 6);
        fixed = fixed.substr(0, fixed.find('&'));
      } else if (fixed.find('=') != std::string::npos) {
        fixed.clear();
      }
      rows.push_back({p.name, p.version, fixed, v.name, std::string(SeverityName(v.normalized_severity)), layer,
                      v.normalized_severity});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.sev != b.sev) return a.sev > b.sev;
    if (a.package != b.package) return a.package < b.package;
    return a.vuln < b.vuln;
  });
  const char* headers[] = {"PACKAGE", "INSTALLED", "FIXED IN", "VULNERABILITY", "SEVERITY", "LAYER"};
  size_t w[6];
  for (int i = 0; i < 6; ++i) w[i] = std::char_traits<char>::length(headers[i]);
  for (const auto& row : rows) {
    const std::string* cols[] = {&row.package, &row.installed, &row.fixed, &row.vuln, &row.severity, &row.layer};
    for (int i = 0; i < 6; ++i) w[i] = std::max(w[i], cols[i]->size());
  }
  std::string out;
  auto line = [&](const std::string* cols[6]) {
    for (int i = 0; i < 6; ++i) {
      out += *cols[i];
      if (i < 5) out += std::string(w[i] - cols[i]->size() + 2, ' ');
    }
    out += "\n";
  };
  std::string hs[6];
  for (int i = 0; i < 6; ++i) hs[i] = headers[i];
  const std::string* hp[] = {&hs[0], &hs[1], &hs[2], &hs[3], &hs[4], &hs[5]};
  if (!rows.empty()) line(hp);
  for (const auto& row : rows) {
    const std::string* cols[] = {&row.package, &row.installed, &row.fixed, &row.vuln, &row.severity, &row.layer};
    line(cols);
  }
  std::map<Severity, int> by_sev;
  for (const auto& row : rows) by_sev[row.sev]++;
  std::string dist = "no distribution detected";
  if (!r.distributions.empty()) dist = r.distributions.begin()->second.pretty_name;
  out += "\n" + image + " (" + r.manifest_hash.str() + ")\n";
  out += "  distribution: " + dist + "\n";
  out += "  packages: " + std::to_string(r.packages.size()) +
         ", vulnerable packages: " + std::to_string(r.package_vulnerabilities.size()) +
         ", findings: " + std::to_string(rows.size());
  if (!rows.empty()) {
    out += " (";
    bool first = true;
    for (auto it = by_sev.rbegin(); it != by_sev.rend(); ++it) {
      if (!first) out += ", ";
      first = false;
      out += std::string(SeverityName(it->first)) + " " + std::to_string(it->second);
    }
    out += ")";
  }
  out += "\n";
  out += RenderNotes(r.notes);
  return out;
}

std::string RenderNotes(const std::vector<ScanNote>& notes) {
  if (notes.empty()) return "";
  std::string out = "  notes:\n";
  for (const auto& n : notes) {
    out += "    - [" + n.code + "] " + n.message;
    if (!n.path.empty()) out += " (" + n.path + ")";
    if (!n.layer.empty()) out += " in layer " + Shorten(n.layer);
    out += "\n";
  }
  return out;
}

std::string RenderFailureJson(const IndexReport& failed, const std::string& image) {
  boost::json::object o;
  o["image"] = image;
  o["manifest_hash"] = failed.manifest_hash.str();
  o["state"] = std::string(IndexStateName(failed.state));
  o["success"] = false;
  o["err"] = failed.err;
  boost::json::array notes;
  for (const auto& n : failed.notes) {
    notes.push_back(boost::json::object{
        {"layer", n.layer}, {"scanner", n.scanner}, {"code", n.code}, {"message", n.message}, {"path", n.path}});
  }
  o["notes"] = std::move(notes);
  return json::Pretty(o);
}

std::string RenderLucidJson(const VulnerabilityReport& r, const std::string& image) {
  auto v = json::EncodeVulnerabilityReport(r, {.lucid_extras = true});
  v.as_object()["image"] = image;
  return json::Pretty(v);
}

std::string RenderClairJson(const VulnerabilityReport& r) {
  return json::Serialize(json::EncodeVulnerabilityReport(r)) + "\n";
}

}  // namespace lucid::cli
