#include "indexer/coalescer.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "indexer/os_release_scanner.h"
#include "layer/whiteout.h"

namespace lucid::indexer {
namespace {

struct Found {
  size_t layer;
  const Package* pkg;
  std::vector<const Repository*> repos;
};

std::string GroupKey(const Package& p) { return p.filepath.empty() ? "db:" + p.package_db : "file:" + p.filepath; }
std::string GroupPath(const Package& p) {
  if (!p.filepath.empty()) return p.filepath;
  // Databases may carry a "kind:" prefix (e.g. "maven:..."); the path follows it.
  auto colon = p.package_db.find(':');
  return colon == std::string::npos ? p.package_db : p.package_db.substr(colon + 1);
}

bool HasNote(const IndexReport& r, const std::string& layer, std::initializer_list<std::string_view> codes) {
  for (const auto& n : r.notes) {
    if (n.layer != layer) continue;
    for (auto c : codes) {
      if (n.code == c) return true;
    }
  }
  return false;
}

// Why no distribution was found, per layer: an os-release naming a
// distribution no scanner supports, or no os-release at all under packages.
void ExplainMissingDistribution(const std::vector<LayerResults>& layers,
                                const std::vector<const Distribution*>& observed,
                                const std::vector<std::string>& observed_path, IndexReport* report) {
  if (!report->distributions.empty()) return;
  // The os-release in effect is the one of the newest layer that has one.
  for (size_t k = layers.size(); k-- > 0;) {
    if (observed[k] == nullptr) continue;
    const std::string layer = layers[k].layer.str();
    if (HasNote(*report, layer, {"unsupported-distribution", "bad-os-release"})) return;
    const Distribution& d = *observed[k];
    std::string id = d.did.empty() ? "unknown" : d.did;
    std::string label = !d.name.empty() ? d.name : d.pretty_name;
    std::string version = d.version_id.empty() ? "" : " " + d.version_id;
    report->notes.push_back(
        {layer, std::string(kOsReleaseScannerName), "unsupported-distribution",
         "distribution '" + id + "'" + (label.empty() ? "" : " (" + label + version + ")") +
             " is not supported: its OS packages are not listed or matched; language packages still are",
         observed_path[k]});
    return;
  }
  // No os-release anywhere: say so on each layer that contributed packages.
  std::set<std::string> with_packages;
  for (const auto& [id, envs] : report->environments) {
    for (const auto& e : envs) with_packages.insert(e.introduced_in.str());
  }
  for (const auto& l : layers) {
    const std::string layer = l.layer.str();
    if (!with_packages.erase(layer)) continue;
    report->notes.push_back({layer, "indexer", "no-os-release",
                             "no os-release in this image (e.g. a static binary or scratch image): packages found in "
                             "this layer cannot be tied to a distribution; only language packages (Go binaries, jars, "
                             "...) are matched",
                             ""});
  }
}

}  // namespace

void Coalesce(const std::vector<LayerResults>& layers, IndexReport* report) {
  const size_t n = layers.size();
  // First distribution per layer.
  std::vector<const Distribution*> layer_dist(n, nullptr);
  std::vector<std::vector<std::string>> layer_whiteouts(n);
  std::map<std::string, std::vector<Found>> groups;
  // What the os-release observation scanner saw per layer (not distributions).
  std::vector<const Distribution*> observed(n, nullptr);
  std::vector<std::string> observed_path(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& sr : layers[i].results) {
      const auto& a = sr.artifacts;
      if (sr.scanner == kOsReleaseScannerName) {
        if (!a.distributions.empty()) observed[i] = &a.distributions.front();
        for (const auto& note : a.notes) {
          if (note.code == kOsReleaseObservedCode) observed_path[i] = note.path;
        }
        continue;
      }
      if (layer_dist[i] == nullptr && !a.distributions.empty()) layer_dist[i] = &a.distributions.front();
      layer_whiteouts[i].insert(layer_whiteouts[i].end(), a.whiteouts.begin(), a.whiteouts.end());
      std::vector<const Repository*> repos;
      for (const auto& r : a.repositories) repos.push_back(&r);
      for (const auto& p : a.packages) groups[GroupKey(p)].push_back({i, &p, repos});
      for (const auto& note : a.notes) {
        ScanNote copy = note;
        if (copy.layer.empty()) copy.layer = layers[i].layer.str();
        if (copy.scanner.empty()) copy.scanner = sr.scanner;
        report->notes.push_back(std::move(copy));
      }
    }
  }

  auto dist_for_layer = [&](size_t layer) -> const Distribution* {
    for (size_t k = layer + 1; k-- > 0;) {
      if (layer_dist[k]) return layer_dist[k];
    }
    for (size_t k = layer + 1; k < n; ++k) {
      if (layer_dist[k]) return layer_dist[k];
    }
    return nullptr;
  };

  // Assign ids: distributions and repositories first, then packages.
  std::map<Distribution, std::string> dist_ids;
  std::map<Repository, std::string> repo_ids;
  auto dist_id = [&](const Distribution* d) -> std::string {
    if (d == nullptr) return "";
    auto it = dist_ids.find(*d);
    if (it != dist_ids.end()) return it->second;
    std::string id = std::to_string(dist_ids.size() + 1);
    dist_ids.emplace(*d, id);
    report->distributions[id] = *d;
    return id;
  };
  auto repo_id = [&](const Repository* r) -> std::string {
    auto it = repo_ids.find(*r);
    if (it != repo_ids.end()) return it->second;
    std::string id = std::to_string(repo_ids.size() + 1);
    repo_ids.emplace(*r, id);
    report->repositories[id] = *r;
    return id;
  };
  // Layers that report a distribution get it in the report even if no package uses it.
  for (size_t i = 0; i < n; ++i) dist_id(layer_dist[i]);

  struct Final {
    const Package* pkg;
    Environment env;
  };
  std::vector<Final> finals;
  for (auto& [key, found] : groups) {
    size_t newest = 0;
    for (const auto& f : found) newest = std::max(newest, f.layer);
    const std::string path = GroupPath(*found.front().pkg);
    bool deleted = false;
    for (size_t k = newest + 1; k < n && !deleted; ++k) {
      deleted = layer::IsWhitedOut(path, layer_whiteouts[k]);
    }
    if (deleted) continue;
    for (const auto& f : found) {
      if (f.layer != newest) continue;
      size_t intro = newest;
      for (const auto& g : found) {
        if (g.layer < intro && g.pkg->name == f.pkg->name && g.pkg->version == f.pkg->version) intro = g.layer;
      }
      Environment env;
      env.package_db = f.pkg->package_db;
      env.introduced_in = layers[intro].layer;
      env.distribution_id = dist_id(dist_for_layer(intro));
      if (!f.repos.empty()) {
        std::vector<std::string> ids;
        for (const auto* r : f.repos) ids.push_back(repo_id(r));
        env.repository_ids = std::move(ids);
      }
      finals.push_back({f.pkg, std::move(env)});
    }
  }

  // Deterministic ids: sort by identity, then number sources and packages
  // from one counter (Clair gives source packages their own rows).
  std::sort(finals.begin(), finals.end(), [](const Final& a, const Final& b) {
    return std::tie(a.pkg->name, a.pkg->version, a.pkg->arch, a.env.package_db) <
           std::tie(b.pkg->name, b.pkg->version, b.pkg->arch, b.env.package_db);
  });
  int next = 1;
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::string> pkg_ids;
  std::map<SourcePackage, std::string> src_ids;
  for (auto& f : finals) {
    const Package& p = *f.pkg;
    auto ident = std::make_tuple(p.name, p.version, std::string(PackageKindName(p.kind)), p.module, p.arch);
    auto it = pkg_ids.find(ident);
    std::string id;
    if (it == pkg_ids.end()) {
      auto sit = src_ids.find(p.source);
      std::string sid;
      if (sit == src_ids.end()) {
        sid = std::to_string(next++);
        src_ids.emplace(p.source, sid);
      } else {
        sid = sit->second;
      }
      id = std::to_string(next++);
      pkg_ids.emplace(ident, id);
      report->packages[id] = p;
      report->source_ids[id] = sid;
    } else {
      id = it->second;
    }
    report->environments[id].push_back(std::move(f.env));
  }
  ExplainMissingDistribution(layers, observed, observed_path, report);
}

}  // namespace lucid::indexer
