// The indexer as the HTTP layer and the CLI see it (like claircore's libindex).
// In combo/indexer mode the implementation runs locally; in matcher/notifier
// mode a remote client implements the same interface over HTTP.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/model.h"

namespace lucid::services {

// Checked between steps of long operations; set when the client went away or
// the process is shutting down.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

struct AffectedManifests {
  std::map<std::string, Vulnerability> vulnerabilities;                  // id -> vuln
  std::map<std::string, std::vector<std::string>> vulnerable_manifests;  // digest -> vuln ids, most severe first
};

class IndexerService {
 public:
  virtual ~IndexerService() = default;
  // The opaque scanner-set token served as index_state / ETag.
  virtual std::string State() const = 0;
  // Indexes synchronously (or returns the stored report when nothing changed).
  // Errors: InvalidArgument (bogus manifest, unreadable layer tar),
  // Unavailable/Internal (fetch, database), Cancelled.
  virtual Result<IndexReport> Index(const Manifest& manifest, CancelFlag cancel) = 0;
  virtual Result<std::optional<IndexReport>> GetIndexReport(const Digest& manifest) = 0;
  virtual Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) = 0;
  virtual Result<AffectedManifests> GetAffectedManifests(const std::vector<Vulnerability>& vulns) = 0;
};

}  // namespace lucid::services
