#include "ecosystems/registry.h"

#include "ecosystems/debian/debian.h"

namespace lucid::ecosystems {

const std::vector<Ecosystem>& All() {
  static const std::vector<Ecosystem> kAll = [] {
    std::vector<Ecosystem> v;
    v.push_back(debian::MakeEcosystem());
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

}  // namespace lucid::ecosystems
