// The indexer controller: Manifest -> IndexReport.
//
// Steps (claircore's controller states): CheckManifest (a stored report made
// under the current scanner set is returned as is), FetchLayers + ScanLayers
// (only layers some scanner has not yet seen are fetched; each layer is
// streamed once through every missing scanner; results are stored per
// (layer, scanner)), Coalesce, IndexManifest (store the report).
// Concurrency: a lock per manifest and per layer (in the store, so it also
// holds across processes) makes identical concurrent requests do the work
// once; at most `layer_scan_concurrency` layers are scanned at a time.
#pragma once

#include <memory>
#include <semaphore>
#include <string>
#include <vector>

#include "indexer/coalescer.h"
#include "indexer/layer_fetcher.h"
#include "indexer/scanner.h"
#include "layer/layer_reader.h"
#include "services/indexer_service.h"
#include "store/store.h"

namespace lucid::indexer {

struct IndexerOptions {
  int layer_scan_concurrency = 10;
  std::chrono::seconds lock_timeout{3600};
  layer::LayerLimits limits;
};

struct IndexerStats {
  std::atomic<int64_t> manifests_indexed{0};
  std::atomic<int64_t> manifests_cached{0};
  std::atomic<int64_t> layers_scanned{0};
  std::atomic<int64_t> layers_reused{0};
};

class Indexer final : public services::IndexerService {
 public:
  Indexer(std::shared_ptr<store::IndexerStore> store, std::vector<std::shared_ptr<const Scanner>> scanners,
          std::shared_ptr<LayerFetcher> fetcher, IndexerOptions options = {});

  std::string State() const override { return state_; }
  Result<IndexReport> Index(const Manifest& manifest, services::CancelFlag cancel) override;
  // Same, reading layers through `fetcher` (local image sources in the CLI).
  Result<IndexReport> IndexWith(const Manifest& manifest, LayerFetcher& fetcher, services::CancelFlag cancel);
  Result<std::optional<IndexReport>> GetIndexReport(const Digest& manifest) override;
  Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) override;
  Result<services::AffectedManifests> GetAffectedManifests(const std::vector<Vulnerability>& vulns) override;

  // Matchers are needed to decide whether an indexed package is affected.
  void SetMatchers(std::vector<std::shared_ptr<const class matcher::Matcher>> matchers) {
    matchers_ = std::move(matchers);
  }
  const IndexerStats& stats() const { return stats_; }
  // The index state token for a scanner set (Clair's formula: MD5 over
  // "libindex number: 2\n" and name+version+kind per scanner sorted by name).
  static std::string ComputeState(const std::vector<std::shared_ptr<const Scanner>>& scanners);

 private:
  Result<LayerResults> ScanOneLayer(const Layer& layer, LayerFetcher& fetcher, const services::CancelFlag& cancel);
  // Stores a failed report (err = error, notes = why each layer failed) and returns `error`.
  Status StoreError(const Manifest& manifest, const Status& error, std::vector<ScanNote> notes = {});

  std::shared_ptr<store::IndexerStore> store_;
  std::vector<std::shared_ptr<const Scanner>> scanners_;  // includes the whiteout scanner
  std::shared_ptr<LayerFetcher> fetcher_;
  IndexerOptions options_;
  std::string state_;
  std::unique_ptr<std::counting_semaphore<1024>> layer_slots_;
  std::vector<std::shared_ptr<const matcher::Matcher>> matchers_;
  IndexerStats stats_;
};

}  // namespace lucid::indexer
