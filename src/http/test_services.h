// Small in-memory IndexerService / MatcherService used by the HTTP tests.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "services/indexer_service.h"
#include "services/matcher_service.h"

namespace lucid::http::testing {

inline constexpr const char* kState = "0123456789abcdef0123456789abcdef";
inline constexpr const char* kRef1 = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kRef2 = "66666666-7777-8888-9999-000000000000";

// A digest of 64 hex digits built from `c`.
std::string TestDigest(char c);

class MemoryIndexer : public services::IndexerService {
 public:
  std::string State() const override { return kState; }
  Result<IndexReport> Index(const Manifest& manifest, services::CancelFlag cancel) override;
  Result<std::optional<IndexReport>> GetIndexReport(const Digest& manifest) override;
  Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) override;
  Result<services::AffectedManifests> GetAffectedManifests(const std::vector<Vulnerability>& vulns) override;

  void Put(IndexReport r);
  std::chrono::milliseconds index_delay{0};  // Index() sleeps this long, polling its cancel flag
  std::atomic<int> index_calls{0};
  std::atomic<int> cancelled{0};
  std::atomic<int> max_concurrent{0};

 private:
  std::atomic<int> concurrent_{0};
  std::mutex mu_;
  std::map<Digest, IndexReport> reports_;
};

class MemoryMatcher : public services::MatcherService {
 public:
  Result<bool> Initialized() override { return initialized.load(); }
  Result<VulnerabilityReport> Scan(const IndexReport& report) override;
  Result<std::map<std::string, std::vector<UpdateOperation>>> UpdateOperations(const std::string& kind,
                                                                               bool latest_only) override;
  Result<std::string> LatestUpdateRef(const std::string& kind) override;
  Result<store::UpdateDiff> UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) override;
  Status DeleteUpdateOperation(const std::string& ref) override;

  std::atomic<bool> initialized{true};
  std::mutex mu;
  std::set<std::string> deleted;  // guarded by mu
};

Vulnerability TestVulnerability();

}  // namespace lucid::http::testing
