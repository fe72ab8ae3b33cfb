// The matcher as the HTTP layer and the CLI see it (like claircore's libvuln).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/model.h"
#include "store/store.h"

namespace lucid::services {

class MatcherService {
 public:
  virtual ~MatcherService() = default;
  // False until at least one vulnerability is stored (the API answers 202).
  virtual Result<bool> Initialized() = 0;
  virtual Result<VulnerabilityReport> Scan(const IndexReport& report) = 0;
  virtual Result<std::map<std::string, std::vector<UpdateOperation>>> UpdateOperations(const std::string& kind,
                                                                                       bool latest_only) = 0;
  virtual Result<std::string> LatestUpdateRef(const std::string& kind) = 0;  // "" when none
  virtual Result<store::UpdateDiff> UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) = 0;
  virtual Status DeleteUpdateOperation(const std::string& ref) = 0;
};

}  // namespace lucid::services
