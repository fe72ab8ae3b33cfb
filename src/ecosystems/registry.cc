#include "ecosystems/registry.h"

#include "ecosystems/alpine/alpine.h"
#include "ecosystems/debian/debian.h"
#include "ecosystems/gobin/gobin.h"
#include "ecosystems/java/java.h"
#include "ecosystems/nodejs/nodejs.h"
#include "ecosystems/nvd/nvd.h"
#include "ecosystems/osv/osv.h"
#include "ecosystems/python/python.h"
#include "ecosystems/rpm/rpm.h"
#include "ecosystems/ruby/ruby.h"

namespace lucid::ecosystems {

const std::vector<Ecosystem>& All() {
  static const std::vector<Ecosystem> kAll = [] {
    std::vector<Ecosystem> v;
    v.push_back(debian::MakeEcosystem());
    v.push_back(alpine::MakeEcosystem());
    v.push_back(rpm::MakeEcosystem());
    v.push_back(nodejs::MakeEcosystem());
    v.push_back(python::MakeEcosystem());
    v.push_back(java::MakeEcosystem());
    v.push_back(gobin::MakeEcosystem());
    v.push_back(ruby::MakeEcosystem());
    v.push_back(osv::MakeEcosystem());
    v.push_back(nvd::MakeEcosystem());
    return v;
  }();
  return kAll;
}

std::vector<std::shared_ptr<const indexer::Scanner>> AllScanners() {
  std::vector<std::shared_ptr<const indexer::Scanner>> out;
  for (const auto& e : All()) out.insert(out.end(), e.scanners.begin(), e.scanners.end());
  return out;
}

std::vector<std::shared_ptr<const matcher::Matcher>> AllMatchers() {
  std::vector<std::shared_ptr<const matcher::Matcher>> out;
  for (const auto& e : All()) out.insert(out.end(), e.matchers.begin(), e.matchers.end());
  return out;
}

std::vector<std::shared_ptr<const updater::UpdaterSetFactory>> AllUpdaterSets() {
  std::vector<std::shared_ptr<const updater::UpdaterSetFactory>> out;
  for (const auto& e : All()) out.insert(out.end(), e.updater_sets.begin(), e.updater_sets.end());
  return out;
}

std::vector<std::shared_ptr<const matcher::Enricher>> AllEnrichers() {
  std::vector<std::shared_ptr<const matcher::Enricher>> out;
  for (const auto& e : All()) out.insert(out.end(), e.enrichers.begin(), e.enrichers.end());
  return out;
}

}  // namespace lucid::ecosystems
