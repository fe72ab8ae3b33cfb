// A short-lived cache of serialised vulnerability reports (M1).
//
// Building a report means reading the index report, querying candidates for
// every package and serialising ~100 KiB of JSON: tens of milliseconds. Quay
// and dashboards poll the same manifests over and over, so M1 keeps each 200
// body for `ttl` (default 2 s). Local events that change the answer (index,
// delete, update-operation delete) drop entries at once; changes made by other
// processes (another indexer deleting a manifest, another matcher's updater
// run) show up after at most `ttl` — far inside the max-age Clair itself
// advertises on M1.
//
// Concurrency: one computation per key at a time. While a refresh runs,
// other requests get the previous body (if it is younger than ttl + max_stale)
// or wait for the computation instead of repeating it.
//
//   auto t = cache.Begin(digest);
//   if (t.body) return t.body->identity();       // hit
//   ReportCache::Filler fill(cache, digest, t);  // must compute; Fill() or drop
//   ... build body ...; fill.Fill(body);
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/result.h"

namespace lucid::http {

// One serialised report and its compressed forms, made on first use. Every
// form is an immutable shared string: responses reference it, never copy it.
class CachedBody {
 public:
  explicit CachedBody(std::string identity) : identity_(std::make_shared<const std::string>(std::move(identity))) {}
  const std::string& identity() const { return *identity_; }
  const std::shared_ptr<const std::string>& shared_identity() const { return identity_; }
  // The body in `coding` ("identity", "gzip", "zstd", "deflate").
  Result<std::shared_ptr<const std::string>> Encoded(const std::string& coding) const;
  // Same, but only if already made (never compresses; for io threads).
  std::shared_ptr<const std::string> PeekEncoded(const std::string& coding) const;

 private:
  std::shared_ptr<const std::string> identity_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const std::string>> encoded_;
};

class ReportCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Body = std::shared_ptr<const CachedBody>;

  struct Options {
    std::chrono::milliseconds ttl{2000};  // 0 disables the cache
    std::chrono::milliseconds max_stale{30000};
    size_t max_bytes = 64u << 20;
  };

  struct Ticket {
    Body body;           // set: serve it
    uint64_t token = 0;  // !body: this caller computes and must Finish(token)
  };

  explicit ReportCache(Options options);

  // A fresh (or, during a refresh, stale-but-bounded) body, or a ticket to
  // compute it. May wait while another thread computes the same key.
  Ticket Begin(const std::string& key);
  // What Begin() would serve, without waiting or starting a computation.
  Body Peek(const std::string& key);
  // Ends a computation: `body` null = nothing cacheable (the entry is dropped).
  void Finish(const std::string& key, uint64_t token, Body body);
  void Erase(const std::string& key);
  void Clear();
  bool enabled() const { return options_.ttl.count() > 0; }

  // Calls Finish(nullptr) unless Fill() ran (error paths, exceptions).
  class Filler {
   public:
    Filler(ReportCache& cache, std::string key, uint64_t token) : cache_(cache), key_(std::move(key)), token_(token) {}
    ~Filler() {
      if (token_ != 0) cache_.Finish(key_, token_, nullptr);
    }
    Filler(const Filler&) = delete;
    Filler& operator=(const Filler&) = delete;
    void Fill(Body body) {
      if (token_ != 0) cache_.Finish(key_, token_, std::move(body));
      token_ = 0;
    }

   private:
    ReportCache& cache_;
    std::string key_;
    uint64_t token_;
  };

 private:
  struct Entry {
    Body body;
    Clock::time_point made;
    uint64_t computing = 0;  // token of the running computation, 0 = none
  };
  void EvictLocked(Clock::time_point now);

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Entry> entries_;
  size_t bytes_ = 0;
  uint64_t next_token_ = 0;
};

}  // namespace lucid::http
