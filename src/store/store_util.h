// Helpers shared by the SQLite and PostgreSQL stores: lock keys, refs,
// timestamps, the queryable columns of a vulnerability, and the in-process
// half of the lock implementation.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "core/model.h"
#include "matcher/matcher.h"
#include "store/store.h"

namespace lucid::store::internal {

// 64-bit FNV-1a, as Clair derives advisory lock ids from key strings.
uint64_t Fnv1a64(std::string_view s);
inline int64_t AdvisoryLockId(std::string_view key) { return static_cast<int64_t>(Fnv1a64(key)); }

std::string NewUuidV4();

// Replaces invalid UTF-8 and NUL bytes with U+FFFD. PostgreSQL rejects both in
// text columns, and one odd byte in a feed or a layer must not fail a whole
// update or index report; applied to serialised JSON it keeps the JSON valid
// (such bytes can only sit inside strings).
std::string ScrubUtf8(std::string_view s);
// Current time, RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.123456Z").
std::string NowRfc3339();

// The stored form of a vulnerability: content hash, canonical JSON and the
// columns GetCandidates filters on. Order of `cols` is kVulnColumns.
inline constexpr std::string_view kVulnColumns[] = {
    "updater",          "name",      "package_name", "package_kind",    "package_module",
    "dist_did",         "dist_name", "dist_version", "dist_version_id", "dist_version_code_name",
    "dist_pretty_name", "repo_name", "repo_key"};
inline constexpr size_t kNumVulnColumns = std::size(kVulnColumns);
struct VulnRow {
  std::string hash;
  std::string json;
  std::vector<std::string> cols;  // kNumVulnColumns values
};
// `updater` fills Vulnerability::updater when the record has none.
VulnRow MakeVulnRow(const Vulnerability& v, const std::string& updater);
// Decodes a stored vulnerability; its id becomes the row id.
Result<Vulnerability> DecodeStoredVuln(std::string_view json, int64_t id);

// Decoded vulnerabilities by row id, so that hot candidate lookups neither
// fetch nor decode the JSON of records seen before. An entry is reused only
// when the row's content hash matches the one it was decoded from, so a
// reused row id (SQLite may reuse ids after garbage collection) can never
// return a stale record.
//
// It also memoises whole candidate lists per lookup (CandidateLookup::key),
// tagged with the state of the latest update operations they were read under
// (LatestState). Committed operations never change and their refs are
// never reused, so a list is exact for as long as that state is current; a
// caller that reads the state first (one cheap query) knows whether a list
// still answers, even when another process has committed since.
//
// Bounded by bytes (records and lists together); when full it starts over
// (simple, and the working set refills in one request).
class DecodedVulnCache {
 public:
  using List = std::shared_ptr<const std::vector<VulnPtr>>;

  explicit DecodedVulnCache(size_t max_bytes = size_t{96} << 20) : max_bytes_(max_bytes) {}
  VulnPtr Lookup(int64_t id, std::string_view hash);
  Result<VulnPtr> Insert(int64_t id, std::string hash, std::string_view json);

  // The list memoised for `key` under `state`, or null.
  List FindList(std::string_view state, std::string_view key);
  // Memoises `list` for `key` under `state`; a new state drops the lists of
  // the previous one.
  void PutList(const std::string& state, std::string key, List list);

 private:
  struct Entry {
    std::string hash;
    VulnPtr vuln;
    size_t cost = 0;
  };
  void MakeRoom(size_t cost);  // with mu_ held

  std::mutex mu_;
  std::unordered_map<int64_t, Entry> entries_;
  std::string lists_state_;
  std::unordered_map<std::string, List> lists_;
  size_t bytes_ = 0;
  const size_t max_bytes_;
};

// Enrichment records by (updater, tag), memoised for one latest enrichment
// operation of that updater (named by `state`, its id and ref: committed
// operations never change), so a report's CVSS lookup is one cheap query
// for the current operation. Tags without records are memoised too. Bounded
// by bytes; starts over when full.
class EnrichmentMemo {
 public:
  using Records = std::shared_ptr<const std::vector<std::string>>;

  explicit EnrichmentMemo(size_t max_bytes = size_t{32} << 20) : max_bytes_(max_bytes) {}
  // Records of `tag` memoised for `updater` under `state`, or null.
  Records Find(const std::string& updater, std::string_view state, const std::string& tag);
  // A new state for `updater` drops what was memoised under its previous one.
  void Put(const std::string& updater, const std::string& state, const std::string& tag, Records records);

 private:
  struct PerUpdater {
    std::string state;
    std::unordered_map<std::string, Records> tags;
    size_t bytes = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, PerUpdater> updaters_;
  size_t bytes_ = 0;
  const size_t max_bytes_;
};

// The latest operations of one kind: their ids (for the lookup SQL) and a
// string naming them exactly (ids and refs), the key of memoised results.
struct LatestState {
  std::vector<int64_t> uos;
  std::string key;
};

// One distinct candidate lookup: the rows whose package (name, kind) and the
// columns named by `constraints` equal these values. A record needs one for
// its binary and, usually, one for its source; the binaries built from one
// source share the source's lookup.
struct CandidateLookup {
  std::vector<matcher::Constraint> constraints;
  std::string name;                 // scrubbed like the stored column
  std::string kind;                 // PackageKindName
  std::vector<std::string> values;  // one per constraint, scrubbed
  std::string key;                  // all of the above, unambiguously
};

struct EnrichmentRow {
  std::string hash;
  std::vector<std::string> tags;
  std::string tags_json;
  std::string json;
};
EnrichmentRow MakeEnrichmentRow(const std::string& updater, const std::vector<std::string>& tags,
                                const std::string& json);

// Column a constraint compares, and the record's value for it ("" when the
// record has no distribution / repository).
std::string_view ConstraintColumn(matcher::Constraint c);
std::string ConstraintValue(const matcher::IndexRecord& r, matcher::Constraint c);

// Exclusive ownership of keys among the threads of one process. The
// cross-process half (fcntl record locks / advisory locks) is layered on top
// by each backend; this table makes sure one process never asks twice.
class LocalLockTable {
 public:
  bool TryAcquire(const std::string& key);
  void Release(const std::string& key);
  // Bumped on every release, so a waiter cannot miss one that happens
  // between its failed attempt and its wait.
  uint64_t Generation();
  // Sleeps until a release after `gen` or until `d` passes.
  void Wait(uint64_t gen, std::chrono::milliseconds d);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> held_;
  uint64_t gen_ = 0;
};

// LockKey on top of a TryLockKey: retries with backoff 0.5 s doubling to
// 10 s (woken early by local releases) until `timeout`.
Result<std::unique_ptr<Lock>> LockWithBackoff(const std::function<Result<std::unique_ptr<Lock>>()>& try_lock,
                                              LocalLockTable* local, const std::string& key,
                                              std::chrono::seconds timeout);

}  // namespace lucid::store::internal
