// The one list of compiled-in ecosystems. Adding an ecosystem = a folder
// under src/ecosystems/ plus one line in registry.cc (and its add_subdirectory).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "indexer/scanner.h"
#include "matcher/enricher.h"
#include "matcher/matcher.h"
#include "updater/updater.h"

namespace lucid::ecosystems {

struct Ecosystem {
  std::string name;
  std::vector<std::shared_ptr<const indexer::Scanner>> scanners;
  std::vector<std::shared_ptr<const matcher::Matcher>> matchers;
  std::vector<std::shared_ptr<const updater::UpdaterSetFactory>> updater_sets;
  std::vector<std::shared_ptr<const matcher::Enricher>> enrichers;
};

const std::vector<Ecosystem>& All();

// Convenience views over All().
std::vector<std::shared_ptr<const indexer::Scanner>> AllScanners();
std::vector<std::shared_ptr<const matcher::Matcher>> AllMatchers();
std::vector<std::shared_ptr<const updater::UpdaterSetFactory>> AllUpdaterSets();
std::vector<std::shared_ptr<const matcher::Enricher>> AllEnrichers();

}  // namespace lucid::ecosystems
