// MatcherService over HTTP for a notifier in split mode: reads update
// operations and diffs from `notifier.matcher_addr`, signing requests with a
// PSK JWT when auth is configured (as RemoteIndexer does for the indexer).
#pragma once

#include <string>

#include "net/http_client.h"
#include "services/matcher_service.h"

namespace lucid::services {

class RemoteMatcher final : public MatcherService {
 public:
  // `psk_key` = decoded PSK bytes, "" for unsigned requests.
  RemoteMatcher(std::string base_url, std::string psk_key);

  Result<bool> Initialized() override;
  // Vulnerability reports are not needed by the notifier.
  Result<VulnerabilityReport> Scan(const IndexReport& report) override;
  Result<std::map<std::string, std::vector<UpdateOperation>>> UpdateOperations(const std::string& kind,
                                                                               bool latest_only) override;
  Result<std::string> LatestUpdateRef(const std::string& kind) override;
  Result<store::UpdateDiff> UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) override;
  Status DeleteUpdateOperation(const std::string& ref) override;

 private:
  Result<net::Response> Call(const std::string& method, const std::string& path) const;

  std::string base_;  // scheme://host[:port]
  std::string psk_key_;
};

}  // namespace lucid::services
