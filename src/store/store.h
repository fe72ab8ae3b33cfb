// Storage interfaces used by the indexer, matcher, updaters and notifier.
// Two backends implement them: SQLite (embedded default) and PostgreSQL.
// A backend is chosen per service from its connstring (store_factory.h).
//
// Thread safety: every method may be called from any thread concurrently.
// Atomicity: every write method is one transaction; a crash leaves either
// the old or the new state visible, never a mix.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/model.h"
#include "matcher/matcher.h"

namespace lucid::store {

// Database statistics for `lucid admin stats`.
struct StoreStats {
  std::map<std::string, int64_t> counts;  // table/entity -> rows
  int64_t size_bytes = -1;
  int schema_version = 0;
  int schema_version_known = 0;  // the version this binary migrates to
  std::string backend;
  std::string location;  // SQLite path or PostgreSQL host/port/dbname (never a password)
  // Matcher only: stored operations per updater and the newest one's date.
  struct UpdaterOps {
    int64_t operations = 0;
    std::string latest_date;
    std::string latest_ref;
  };
  std::map<std::string, UpdaterOps> updaters;
};

// Held while a manifest or layer is being indexed, so two indexers (threads
// or processes) never do the same work twice. Released on destruction.
class Lock {
 public:
  virtual ~Lock() = default;
};

class IndexerStore {
 public:
  virtual ~IndexerStore() = default;

  // Per-(layer, scanner) results; `scanner_key` is Scanner::key(). The blob
  // is opaque to the store (the indexer's artifacts encoding).
  virtual Result<std::optional<std::string>> GetLayerArtifacts(const Digest& layer, const std::string& scanner_key) = 0;
  virtual Status PutLayerArtifacts(const Digest& layer, const std::string& scanner_key, const std::string& blob) = 0;

  // The stored report and the indexer state it was produced under.
  struct StoredReport {
    IndexReport report;
    std::string state;
  };
  virtual Result<std::optional<StoredReport>> GetIndexReport(const Digest& manifest) = 0;
  // Stores the report, its ordered layer list and, for finished reports, the
  // searchable package index used by AffectedManifests.
  virtual Status PutIndexReport(const IndexReport& report, const std::vector<Digest>& layers,
                                const std::string& state) = 0;
  // Deletes manifests and every layer artifact no other manifest references.
  // Returns the digests that existed.
  virtual Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) = 0;
  // Forgets every stored index report (admin reindex-all); layers stay.
  virtual Result<int64_t> DeleteAllIndexReports() = 0;

  // Manifests whose finished report contains a package named `name` (binary
  // or source) – the coarse step of the affected-manifest lookup.
  virtual Result<std::vector<Digest>> ManifestsWithPackage(const std::string& name) = 0;

  // Blocks (polling with backoff) until the lock on `key` is held, or the
  // timeout passes (DeadlineExceeded).
  virtual Result<std::unique_ptr<Lock>> LockKey(const std::string& key, std::chrono::seconds timeout) = 0;
  // Returns a null Lock (not an error) when another thread or process holds `key`.
  virtual Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) = 0;

  // Row counts, size and schema version of the indexer tables.
  virtual Result<StoreStats> Stats() { return Unsupported("this indexer store keeps no statistics"); }
};

// Candidate lookup for one index record: every stored vulnerability of the
// latest update operation of each updater whose package name/kind equals the
// record's binary (name, kind) or source (name, "source"), and whose columns
// named by `constraints` equal the record's.
struct VulnQuery {
  const matcher::IndexRecord* record = nullptr;
  std::vector<matcher::Constraint> constraints;
};

// Candidates are shared and read-only: one decoded record serves every
// query, report and thread that needs it, so a report copies only the
// vulnerabilities that actually match. `id` is the store's row id.
using VulnPtr = std::shared_ptr<const Vulnerability>;
// One list per query, in query order: the candidates of the binary, then
// those of the source, each in row id order.
using Candidates = std::vector<std::vector<VulnPtr>>;

class UpdateWriter {
 public:
  virtual ~UpdateWriter() = default;
  virtual Status Add(const Vulnerability& v) = 0;
  virtual Status AddEnrichment(const std::vector<std::string>& tags, const std::string& json) = 0;
  // Makes the whole operation visible at once; returns its ref.
  virtual Result<UpdateOperation> Commit() = 0;
  // Discards everything added (also done by the destructor if not committed).
  virtual void Abort() = 0;
};

struct UpdateDiff {
  UpdateOperation prev;
  UpdateOperation cur;
  std::vector<Vulnerability> added;
  std::vector<Vulnerability> removed;
};

class MatcherStore {
 public:
  virtual ~MatcherStore() = default;

  virtual Result<bool> HasVulnerabilities() = 0;
  // Always reflects the newest committed operations, also those committed by
  // other processes; queries may mix constraint lists (one call per report).
  virtual Result<Candidates> GetCandidates(const std::vector<VulnQuery>& queries) = 0;

  // Newest operation of an updater (any kind), if any.
  virtual Result<std::optional<UpdateOperation>> LatestUpdateOperation(const std::string& updater) = 0;
  virtual Result<std::unique_ptr<UpdateWriter>> BeginUpdate(const std::string& updater, const std::string& fingerprint,
                                                            const std::string& kind) = 0;
  // All operations of `kind` grouped by updater, newest first.
  virtual Result<std::map<std::string, std::vector<UpdateOperation>>> GetUpdateOperations(const std::string& kind) = 0;
  virtual Result<UpdateDiff> GetUpdateDiff(const std::string& prev_ref, const std::string& cur_ref) = 0;
  virtual Status DeleteUpdateOperation(const std::string& ref) = 0;
  // Keeps the newest `retention` operations per updater; deletes unreferenced
  // vulnerabilities. Returns the number of operations removed.
  virtual Result<int64_t> GarbageCollect(int retention) = 0;

  // Enrichment records of the latest operation of `updater` tagged with any of `tags`.
  virtual Result<std::map<std::string, std::vector<std::string>>> GetEnrichments(
      const std::string& updater, const std::vector<std::string>& tags) = 0;
  virtual Result<StoreStats> Stats() = 0;
};

}  // namespace lucid::store
