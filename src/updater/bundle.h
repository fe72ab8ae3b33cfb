// Clair's airgap bundle (contract §7.3): newline-delimited JSON, one line per
// vulnerability or enrichment record, records of one update operation
// contiguous and sharing "Ref"; optionally gzip- or zstd-compressed as a
// whole. Both directions stream: export spools each operation to a temp file
// (so a failing updater leaves no partial operation in the bundle) and
// import reads one line at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/io.h"
#include "net/http_client.h"
#include "store/store.h"
#include "updater/update_manager.h"

namespace lucid::updater {

enum class Compression { kNone, kGzip, kZstd };
// Flags win; else the suffix of `path` (.gz / .zst); else none.
Compression CompressionFor(const std::string& path, bool gzip, bool zstd);

// An UpdateDestination writing a bundle to `path` ("" or "-" = stdout).
class BundleWriter final : public UpdateDestination {
 public:
  static Result<std::unique_ptr<BundleWriter>> Open(const std::string& path, Compression c);
  ~BundleWriter() override;

  // Exports always fetch fresh data: no previous fingerprint.
  Result<std::string> PreviousFingerprint(const std::string&) override { return std::string(); }
  Result<std::unique_ptr<store::UpdateWriter>> Begin(const std::string& updater, const std::string& fingerprint,
                                                     const std::string& kind) override;
  // Flushes and closes the output; required for a complete bundle.
  Status Close();

  int64_t operations() const { return operations_; }
  int64_t records() const { return records_; }

  // Used by the per-operation writers.
  Status AppendFile(const std::string& path, int64_t records);

 private:
  BundleWriter() = default;
  struct Out;
  std::unique_ptr<Out> out_;
  std::mutex mu_;
  int64_t operations_ = 0;
  int64_t records_ = 0;
};

struct ImportStats {
  int64_t operations = 0;  // operations created
  int64_t skipped = 0;     // operations whose fingerprint was already stored
  int64_t records = 0;
};

// Loads a bundle from `in`: a file path, "-" (stdin) or an http(s) URL
// (spooled to a temp file first). Compression is detected from the data.
Result<ImportStats> ImportBundle(const std::string& in, store::MatcherStore& store, net::HttpClient& http);
// Same, from an open (already decompressed) reader.
Result<ImportStats> ImportBundleFrom(Reader& in, store::MatcherStore& store);

}  // namespace lucid::updater
