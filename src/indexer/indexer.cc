#include "indexer/indexer.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>

#include "base/hash.h"
#include "base/log.h"
#include "http/metrics.h"
#include "indexer/artifacts_codec.h"
#include "indexer/coalescer.h"
#include "indexer/layer_notes.h"
#include "indexer/os_release_scanner.h"
#include "layer/layer_reader.h"
#include "layer/whiteout_scanner.h"
#include "matcher/matcher.h"

namespace lucid::indexer {

namespace {
bool IsCancelled(const services::CancelFlag& c) { return c && c->load(); }
constexpr std::string_view kFetchContext = "fetching layer ";

// Clair's dashboards chart index requests answered from the store against new
// work with this counter (name and label as claircore's).
void CountScannedManifest(bool scanned_before) {
  static auto& family = metrics::Registry::Default().AddCounter(
      "claircore_indexer_scanned_manifests", "Index requests by whether the manifest was already indexed.",
      {"scanned_before"});
  family.With({scanned_before ? "true" : "false"}).Inc();
}
}  // namespace

Indexer::Indexer(std::shared_ptr<store::IndexerStore> store, std::vector<std::shared_ptr<const Scanner>> scanners,
                 std::shared_ptr<LayerFetcher> fetcher, IndexerOptions options)
    : store_(std::move(store)), scanners_(std::move(scanners)), fetcher_(std::move(fetcher)), options_(options) {
  bool has_whiteout = std::any_of(scanners_.begin(), scanners_.end(), [](const auto& s) {
    return s->kind() == ScannerKind::kFile && s->name() == "whiteout";
  });
  if (!has_whiteout) scanners_.push_back(std::make_shared<layer::WhiteoutScanner>());
  bool has_os_release =
      std::any_of(scanners_.begin(), scanners_.end(), [](const auto& s) { return s->name() == kOsReleaseScannerName; });
  if (!has_os_release) scanners_.push_back(std::make_shared<OsReleaseScanner>());
  state_ = ComputeState(scanners_);
  int slots = std::clamp(options_.layer_scan_concurrency <= 0 ? 10 : options_.layer_scan_concurrency, 1, 1024);
  layer_slots_ = std::make_unique<std::counting_semaphore<1024>>(slots);
}

std::string Indexer::ComputeState(const std::vector<std::shared_ptr<const Scanner>>& scanners) {
  std::vector<const Scanner*> sorted;
  for (const auto& s : scanners) sorted.push_back(s.get());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Scanner* a, const Scanner* b) { return a->name() < b->name(); });
  std::string text = "libindex number: 2\n";
  for (const auto* s : sorted) {
    text += std::string(s->name()) + std::string(s->version()) + std::string(ScannerKindName(s->kind())) + "\n";
  }
  return Md5Hex(text);
}

Result<IndexReport> Indexer::Index(const Manifest& manifest, services::CancelFlag cancel) {
  return IndexWith(manifest, *fetcher_, std::move(cancel));
}

Status Indexer::StoreError(const Manifest& manifest, const Status& error, std::vector<ScanNote> notes) {
  IndexReport r;
  r.notes = std::move(notes);
  r.manifest_hash = manifest.hash;
  r.state = IndexState::kIndexError;
  r.success = false;
  r.err = error.message();
  std::vector<Digest> layers;
  for (const auto& l : manifest.layers) layers.push_back(l.hash);
  Status s = store_->PutIndexReport(r, layers, state_);
  if (!s.ok())
    log::Warn("indexer", "could not store failed index report",
              {{"manifest", manifest.hash.str()}, {"error", s.message()}});
  return error;
}

Result<LayerResults> Indexer::ScanOneLayer(const Layer& layer, LayerFetcher& fetcher,
                                           const services::CancelFlag& cancel) {
  LayerResults out;
  out.layer = layer.hash;
  auto load = [&](std::vector<const Scanner*>* missing) -> Status {
    out.results.clear();
    missing->clear();
    for (const auto& s : scanners_) {
      LUCID_ASSIGN_OR_RETURN(auto blob, store_->GetLayerArtifacts(layer.hash, s->key()));
      if (!blob) {
        missing->push_back(s.get());
        continue;
      }
      auto a = DecodeArtifacts(*blob);
      if (!a.ok()) {
        missing->push_back(s.get());  // unreadable record: rescan
        continue;
      }
      out.results.push_back({std::string(s->name()), std::move(*a)});
    }
    return Status::Ok();
  };
  std::vector<const Scanner*> missing;
  LUCID_RETURN_IF_ERROR(load(&missing));
  if (missing.empty()) {
    stats_.layers_reused++;
    return out;
  }
  // Another request (or process) may be scanning the same layer right now.
  LUCID_ASSIGN_OR_RETURN(auto lock, store_->LockKey("layer:" + layer.hash.str(), options_.lock_timeout));
  LUCID_RETURN_IF_ERROR(load(&missing));
  if (missing.empty()) {
    stats_.layers_reused++;
    return out;
  }
  if (IsCancelled(cancel)) return Cancelled("index request cancelled");

  layer_slots_->acquire();
  struct Release {
    std::counting_semaphore<1024>* s;
    ~Release() { s->release(); }
  } release{layer_slots_.get()};

  auto started = std::chrono::steady_clock::now();
  auto fetch = fetcher.Fetch(layer, cancel);
  if (!fetch.ok()) return fetch.status().WithContext(std::string(kFetchContext) + layer.hash.str());
  auto& fetched = *fetch;
  std::vector<std::unique_ptr<ScanSession>> sessions;
  std::vector<ScanSession*> raw;
  for (const auto* s : missing) {
    sessions.push_back(s->NewSession());
    raw.push_back(sessions.back().get());
  }
  LayerFiles files;
  layer::LayerStats stats;
  Status scan = layer::ScanLayer(fetched.open, layer.hash, raw, &files, options_.limits, &stats);
  if (!scan.ok()) {
    // The layer reader usually names the layer already.
    if (scan.message().rfind("layer " + layer.hash.str(), 0) == 0) return scan;
    return scan.WithContext("layer " + layer.hash.str());
  }
  for (size_t i = 0; i < missing.size(); ++i) {
    LayerArtifacts a;
    Status f = sessions[i]->Finish(files, &a);
    if (!f.ok()) return f.WithContext("layer " + layer.hash.str() + ": scanner " + std::string(missing[i]->name()));
    for (auto& n : a.notes) {
      if (n.layer.empty()) n.layer = layer.hash.str();
      if (n.scanner.empty()) n.scanner = std::string(missing[i]->name());
    }
    LUCID_RETURN_IF_ERROR(store_->PutLayerArtifacts(layer.hash, missing[i]->key(), EncodeArtifacts(a)));
    out.results.push_back({std::string(missing[i]->name()), std::move(a)});
  }
  stats_.layers_scanned++;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log::Info("indexer", "layer scanned",
            {{"layer", layer.hash.str()}, {"scanners", static_cast<int64_t>(missing.size())}, {"duration_ms", ms}});
  // Keep a stable scanner order regardless of which results came from the store.
  std::sort(out.results.begin(), out.results.end(), [](const auto& a, const auto& b) { return a.scanner < b.scanner; });
  return out;
}

Result<IndexReport> Indexer::IndexWith(const Manifest& manifest, LayerFetcher& fetcher, services::CancelFlag cancel) {
  if (manifest.hash.empty() || manifest.layers.empty()) return InvalidArgument("bogus manifest");
  const std::string digest = manifest.hash.str();
  LUCID_ASSIGN_OR_RETURN(auto lock, store_->LockKey(digest, options_.lock_timeout));

  // CheckManifest.
  LUCID_ASSIGN_OR_RETURN(auto stored, store_->GetIndexReport(manifest.hash));
  if (stored && stored->state == state_ && stored->report.state == IndexState::kIndexFinished) {
    stats_.manifests_cached++;
    CountScannedManifest(true);
    log::Debug("indexer", "manifest already indexed", {{"manifest", digest}});
    return stored->report;
  }
  CountScannedManifest(false);

  auto started = std::chrono::steady_clock::now();
  // FetchLayers + ScanLayers: distinct layers in parallel, bounded by the semaphore.
  std::vector<Digest> order;
  std::vector<const Layer*> unique;
  std::set<Digest> seen;
  for (const auto& l : manifest.layers) {
    order.push_back(l.hash);
    if (seen.insert(l.hash).second) unique.push_back(&l);
  }
  std::vector<std::future<Result<LayerResults>>> futures;
  for (const Layer* l : unique) {
    futures.push_back(
        std::async(std::launch::async, [this, l, &fetcher, &cancel] { return ScanOneLayer(*l, fetcher, cancel); }));
  }
  std::map<Digest, LayerResults> by_digest;
  Status first_error;
  std::vector<ScanNote> failure_notes;
  for (size_t i = 0; i < futures.size(); ++i) {
    auto r = futures[i].get();
    if (!r.ok()) {
      if (first_error.ok()) first_error = r.status();
      // Explain every failed layer, not just the first (cancellation is not a layer's fault).
      const auto code = r.status().code();
      if (code != StatusCode::kCancelled) {
        bool fetch_failed = r.status().message().rfind(kFetchContext, 0) == 0 || code == StatusCode::kNotFound ||
                            code == StatusCode::kUnavailable || code == StatusCode::kPermissionDenied;
        failure_notes.push_back(ExplainLayerFailure(*unique[i], r.status(), fetch_failed));
      }
      continue;
    }
    by_digest.emplace(unique[i]->hash, std::move(*r));
  }
  if (!first_error.ok()) {
    PublishNotes(digest, failure_notes);
    return StoreError(manifest, first_error, std::move(failure_notes));
  }
  if (IsCancelled(cancel)) return StoreError(manifest, Cancelled("index request cancelled"));

  // Coalesce.
  std::vector<LayerResults> ordered;
  for (const auto& d : order) ordered.push_back(by_digest.at(d));
  IndexReport report;
  report.manifest_hash = manifest.hash;
  Coalesce(ordered, &report);
  if (report.distributions.empty()) {
    report.notes.push_back({"", "indexer", "no-distribution",
                            "no layer has a supported os-release (or equivalent); OS packages cannot be matched", ""});
  }
  if (report.packages.empty()) {
    report.notes.push_back({"", "indexer", "no-packages", "no package database or language package was found", ""});
  }
  report.state = IndexState::kIndexFinished;
  report.success = true;
  PublishNotes(digest, report.notes);

  // IndexManifest.
  Status put = store_->PutIndexReport(report, order, state_);
  if (!put.ok()) return put.WithContext("storing index report");
  stats_.manifests_indexed++;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log::Info("indexer", "manifest indexed",
            {{"manifest", digest},
             {"layers", static_cast<int64_t>(unique.size())},
             {"packages", static_cast<int64_t>(report.packages.size())},
             {"duration_ms", ms}});
  return report;
}

Result<std::optional<IndexReport>> Indexer::GetIndexReport(const Digest& manifest) {
  LUCID_ASSIGN_OR_RETURN(auto stored, store_->GetIndexReport(manifest));
  if (!stored) return std::optional<IndexReport>();
  return std::optional<IndexReport>(std::move(stored->report));
}

Result<std::vector<Digest>> Indexer::DeleteManifests(const std::vector<Digest>& manifests) {
  return store_->DeleteManifests(manifests);
}

Result<services::AffectedManifests> Indexer::GetAffectedManifests(const std::vector<Vulnerability>& vulns) {
  services::AffectedManifests out;
  int next_id = 1;
  for (const auto& v : vulns) {
    if (!v.package || v.package->name.empty()) continue;
    LUCID_ASSIGN_OR_RETURN(auto manifests, store_->ManifestsWithPackage(v.package->name));
    std::string vid;
    for (const auto& m : manifests) {
      LUCID_ASSIGN_OR_RETURN(auto stored, store_->GetIndexReport(m));
      if (!stored || stored->report.state != IndexState::kIndexFinished) continue;
      const IndexReport& r = stored->report;
      bool hit = false;
      for (const auto& [pid, pkg] : r.packages) {
        bool name_match = (pkg.name == v.package->name && pkg.kind == v.package->kind) ||
                          (v.package->kind == PackageKind::kSource && pkg.source.name == v.package->name);
        if (!name_match) continue;
        auto envs = r.environments.find(pid);
        if (envs == r.environments.end()) continue;
        for (const auto& env : envs->second) {
          matcher::IndexRecord rec;
          rec.package_id = pid;
          rec.package = &pkg;
          auto d = r.distributions.find(env.distribution_id);
          rec.distribution = d == r.distributions.end() ? nullptr : &d->second;
          if (v.distribution && rec.distribution &&
              (v.distribution->did != rec.distribution->did ||
               v.distribution->version_id != rec.distribution->version_id)) {
            continue;
          }
          for (const auto& m2 : matchers_) {
            if (!m2->Filter(rec)) continue;
            auto vuln = m2->Vulnerable(rec, v);
            if (vuln.ok() && *vuln) {
              hit = true;
              break;
            }
          }
          if (hit) break;
        }
        if (hit) break;
      }
      if (!hit) continue;
      if (vid.empty()) {
        vid = v.id.empty() ? std::to_string(next_id++) : v.id;
        out.vulnerabilities[vid] = v;
        out.vulnerabilities[vid].id = vid;
      }
      out.vulnerable_manifests[m.str()].push_back(vid);
    }
  }
  for (auto& [m, ids] : out.vulnerable_manifests) {
    std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
      return out.vulnerabilities[a].normalized_severity > out.vulnerabilities[b].normalized_severity;
    });
  }
  return out;
}

}  // namespace lucid::indexer
