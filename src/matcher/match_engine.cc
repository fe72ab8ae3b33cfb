#include "matcher/match_engine.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "base/log.h"

namespace lucid::matcher {

std::vector<IndexRecord> RecordsOf(const IndexReport& report) {
  std::vector<IndexRecord> out;
  for (const auto& [pid, pkg] : report.packages) {
    auto envs = report.environments.find(pid);
    if (envs == report.environments.end()) continue;
    for (const auto& env : envs->second) {
      IndexRecord rec;
      rec.package_id = pid;
      rec.package = &pkg;
      auto d = report.distributions.find(env.distribution_id);
      rec.distribution = d == report.distributions.end() ? nullptr : &d->second;
      if (!env.repository_ids || env.repository_ids->empty()) {
        out.push_back(rec);
        continue;
      }
      for (const auto& rid : *env.repository_ids) {
        auto r = report.repositories.find(rid);
        IndexRecord copy = rec;
        copy.repository = r == report.repositories.end() ? nullptr : &r->second;
        out.push_back(copy);
      }
    }
  }
  return out;
}

namespace {
// Identity of a vulnerability inside one report, so that the same advisory
// matched through several records gets one id.
std::string VulnKey(const Vulnerability& v) {
  std::string k = v.updater + "\x1f" + v.name + "\x1f" + v.fixed_in_version + "\x1f";
  if (v.package) k += v.package->name + "\x1f" + std::string(PackageKindName(v.package->kind));
  if (v.distribution) k += "\x1f" + v.distribution->did + "\x1f" + v.distribution->version_id;
  if (v.repository) k += "\x1f" + v.repository->name;
  if (v.range) k += "\x1f" + v.range->lower + "\x1f" + v.range->upper;
  return k;
}
}  // namespace

Result<VulnerabilityReport> Match(const IndexReport& report, store::MatcherStore& store,
                                  const std::vector<std::shared_ptr<const Matcher>>& matchers) {
  VulnerabilityReport out;
  out.manifest_hash = report.manifest_hash;
  out.packages = report.packages;
  out.distributions = report.distributions;
  out.repositories = report.repositories;
  out.environments = report.environments;
  out.source_ids = report.source_ids;
  out.notes = report.notes;

  std::vector<IndexRecord> records = RecordsOf(report);
  // Every matcher's records go to the store in one call (queries carry their
  // own constraints): one freshness check, and one PostgreSQL round trip, per
  // report instead of per matcher.
  std::vector<store::VulnQuery> queries;
  std::vector<size_t> first_query;  // per matcher, plus the end
  for (const auto& m : matchers) {
    first_query.push_back(queries.size());
    auto constraints = m->Query();
    for (const auto& r : records) {
      if (m->Filter(r)) queries.push_back({&r, constraints});
    }
  }
  first_query.push_back(queries.size());
  if (queries.empty()) return out;
  auto candidates = store.GetCandidates(queries);
  if (!candidates.ok()) return candidates.status().WithContext("candidate lookup");

  std::map<std::string, std::string> ids;                       // VulnKey -> id
  std::unordered_map<const Vulnerability*, std::string> id_of;  // candidate -> id, skips VulnKey on repeats
  std::map<std::string, std::set<std::string>> per_package;
  for (size_t mi = 0; mi < matchers.size(); ++mi) {
    const Matcher& m = *matchers[mi];
    for (size_t qi = first_query[mi]; qi < first_query[mi + 1]; ++qi) {
      const IndexRecord& rec = *queries[qi].record;
      for (const auto& candidate : (*candidates)[qi]) {
        const Vulnerability& v = *candidate;
        auto hit = m.Vulnerable(rec, v);
        if (!hit.ok()) {
          // claircore aborts the matcher on a version it cannot parse; we
          // skip the pair and say so, so one bad version cannot hide the rest.
          log::Warn("matcher", "could not compare versions",
                    {{"matcher", std::string(m.name())},
                     {"package", rec.package->name},
                     {"vulnerability", v.name},
                     {"error", hit.status().message()}});
          continue;
        }
        if (!*hit) continue;
        auto known = id_of.find(&v);
        if (known == id_of.end()) {
          std::string key = VulnKey(v);
          auto it = ids.find(key);
          if (it == ids.end()) {
            std::string id = std::to_string(ids.size() + 1);
            it = ids.emplace(std::move(key), id).first;
            // The one copy: candidates are shared with the store's cache.
            Vulnerability& copy = out.vulnerabilities[id] = v;
            copy.id = std::move(id);
          }
          known = id_of.emplace(&v, it->second).first;
        }
        per_package[rec.package_id].insert(known->second);
      }
    }
  }
  for (auto& [pid, set] : per_package) {
    std::vector<std::string> list(set.begin(), set.end());
    std::sort(list.begin(), list.end(), [&](const std::string& a, const std::string& b) {
      const auto& va = out.vulnerabilities[a];
      const auto& vb = out.vulnerabilities[b];
      if (va.normalized_severity != vb.normalized_severity) return va.normalized_severity > vb.normalized_severity;
      return va.name < vb.name;
    });
    out.package_vulnerabilities[pid] = std::move(list);
  }
  return out;
}

Result<VulnerabilityReport> LocalMatcher::Scan(const IndexReport& report) {
  LUCID_ASSIGN_OR_RETURN(VulnerabilityReport out, Match(report, *store_, matchers_));
  for (const auto& e : enrichers_) {
    Status s = e->Enrich(*store_, out);
    if (!s.ok())
      log::Warn("matcher", "enricher failed", {{"enricher", std::string(e->name())}, {"error", s.message()}});
  }
  return out;
}

Result<std::map<std::string, std::vector<UpdateOperation>>> LocalMatcher::UpdateOperations(const std::string& kind,
                                                                                           bool latest_only) {
  LUCID_ASSIGN_OR_RETURN(auto ops, store_->GetUpdateOperations(kind));
  if (latest_only) {
    for (auto& [name, list] : ops) {
      if (list.size() > 1) list.resize(1);
    }
  }
  return ops;
}

Result<std::string> LocalMatcher::LatestUpdateRef(const std::string& kind) {
  LUCID_ASSIGN_OR_RETURN(auto ops, store_->GetUpdateOperations(kind));
  std::string best_ref, best_date;
  for (const auto& [name, list] : ops) {
    if (!list.empty() && list.front().date > best_date) {
      best_date = list.front().date;
      best_ref = list.front().ref;
    }
  }
  return best_ref;
}

}  // namespace lucid::matcher
