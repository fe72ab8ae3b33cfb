// Matching: IndexReport + stored vulnerabilities -> VulnerabilityReport.
//
// The records each matcher is interested in, with that matcher's constraints,
// go to the store in one batch for all matchers (coarse filter by
// package/source name and the constraints, latest update operation of each
// updater only); the matcher's Vulnerable() makes the final call on the
// shared candidates, and only the matches are copied into the report. Always
// computed against current data.
#pragma once

#include <memory>
#include <vector>

#include "matcher/enricher.h"
#include "matcher/matcher.h"
#include "services/matcher_service.h"
#include "store/store.h"

namespace lucid::matcher {

std::vector<IndexRecord> RecordsOf(const IndexReport& report);

Result<VulnerabilityReport> Match(const IndexReport& report, store::MatcherStore& store,
                                  const std::vector<std::shared_ptr<const Matcher>>& matchers);

// The MatcherService used in combo/matcher mode and by the CLI.
class LocalMatcher final : public services::MatcherService {
 public:
  // `enrichers` run at the end of every Scan (empty = matcher.disable_enrichment).
  LocalMatcher(std::shared_ptr<store::MatcherStore> store, std::vector<std::shared_ptr<const Matcher>> matchers,
               std::vector<std::shared_ptr<const Enricher>> enrichers = {})
      : store_(std::move(store)), matchers_(std::move(matchers)), enrichers_(std::move(enrichers)) {}

  Result<bool> Initialized() override { return store_->HasVulnerabilities(); }
  Result<VulnerabilityReport> Scan(const IndexReport& report) override;
  Result<std::map<std::string, std::vector<UpdateOperation>>> UpdateOperations(const std::string& kind,
                                                                               bool latest_only) override;
  Result<std::string> LatestUpdateRef(const std::string& kind) override;
  Result<store::UpdateDiff> UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) override {
    return store_->GetUpdateDiff(prev_ref, cur_ref);
  }
  Status DeleteUpdateOperation(const std::string& ref) override { return store_->DeleteUpdateOperation(ref); }

 private:
  std::shared_ptr<store::MatcherStore> store_;
  std::vector<std::shared_ptr<const Matcher>> matchers_;
  std::vector<std::shared_ptr<const Enricher>> enrichers_;
};

}  // namespace lucid::matcher
