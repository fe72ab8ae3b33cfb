// Enricher plug-in interface: runs after matching and adds one entry to a
// VulnerabilityReport's `enrichments` (e.g. clair.cvss). Errors are logged
// and ignored by the match engine, as in Clair.
#pragma once

#include <string_view>

#include "base/status.h"
#include "core/model.h"
#include "store/store.h"

namespace lucid::matcher {

class Enricher {
 public:
  virtual ~Enricher() = default;
  virtual std::string_view name() const = 0;
  virtual Status Enrich(store::MatcherStore& store, VulnerabilityReport& report) const = 0;
};

}  // namespace lucid::matcher
