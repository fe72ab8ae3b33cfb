#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/report_format.h"
#include "image/image_source.h"
#include "services/components.h"

namespace lucid::cli {
namespace {

// Feeds the indexer from a local or registry image source instead of URIs.
class ImageLayerFetcher final : public indexer::LayerFetcher {
 public:
  explicit ImageLayerFetcher(image::ImageSource* source) : source_(source) {}
  Result<indexer::FetchedLayer> Fetch(const Layer& layer, const services::CancelFlag&) override {
    return indexer::FetchedLayer{source_->Opener(layer.hash), nullptr};
  }

 private:
  image::ImageSource* source_;
};

int Fail(const std::string& image, const Status& s, int code) {
  std::cerr << "lucid scan: " << image << ": " << s.message() << "\n";
  return code;
}

// ImageSource::Resolve names the source in its errors already.
int FailResolve(const Status& s) {
  std::cerr << "lucid scan: " << s.message() << "\n";
  return kExitImage;
}

}  // namespace

int RunScan(const ScanOptions& o) {
  auto cfg = LoadConfigOrDefault(o.config_path, config::Mode::kCombo);
  if (!cfg.ok()) {
    std::cerr << "lucid scan: " << cfg.status().message() << "\n";
    return kExitUsage;
  }
  image::SourceOptions so;
  so.insecure = o.insecure;
  if (!o.platform.empty()) {
    auto p = image::Platform::Parse(o.platform);
    if (!p.ok()) {
      std::cerr << "lucid scan: --platform: " << p.status().message() << "\n";
      return kExitUsage;
    }
    so.platform = *p;
  }
  auto source = image::OpenImageSource(o.image, so);
  if (!source.ok()) return Fail(o.image, source.status(), kExitImage);
  auto info = (*source)->Resolve();
  if (!info.ok()) return FailResolve(info.status());
  for (const auto& l : info->layers) {
    Status present = (*source)->CheckLayer(l);
    if (!present.ok()) return Fail(o.image, present, kExitImage);
  }

  services::BuildOptions bo;
  bo.force_migrations = true;
  auto c = services::BuildComponents(*cfg, bo);
  if (!c.ok()) return Fail(o.image, c.status(), kExitStorage);

  Manifest manifest;
  manifest.hash = info->manifest_digest;
  for (const auto& l : info->layers) {
    Layer layer;
    layer.hash = l.digest;
    layer.media_type = l.media_type;
    layer.uri = o.image;
    manifest.layers.push_back(std::move(layer));
  }
  if (manifest.layers.empty()) return Fail(o.image, InvalidArgument("image has no layers"), kExitImage);
  ImageLayerFetcher fetcher(source->get());
  auto report = c->indexer->IndexWith(manifest, fetcher, nullptr);
  if (!report.ok()) {
    int code = report.status().code() == StatusCode::kInternal ? kExitError : kExitImage;
    // The stored failed report says per layer why (unsupported compression, too large, ...).
    auto failed = c->indexer->GetIndexReport(manifest.hash);
    if (failed.ok() && *failed && !(*failed)->notes.empty()) {
      if (o.format == "json") {
        std::cout << RenderFailureJson(**failed, o.image);
      } else {
        std::cerr << RenderNotes((*failed)->notes);
      }
    }
    return Fail(o.image, report.status(), code);
  }

  auto initialized = c->matcher->Initialized();
  if (!initialized.ok()) return Fail(o.image, initialized.status(), kExitStorage);
  auto vr = c->matcher->Scan(*report);
  if (!vr.ok()) return Fail(o.image, vr.status(), kExitStorage);
  if (!*initialized) {
    vr->notes.push_back({"", "matcher", "no-vulnerability-data",
                         "the database holds no vulnerability data yet; run `lucid update` first", ""});
  }
  if (o.format == "clair") {
    std::cout << RenderClairJson(*vr);
  } else if (o.format == "json") {
    std::cout << RenderLucidJson(*vr, o.image);
  } else {
    std::cout << RenderTable(*vr, o.image);
  }
  return kExitOk;
}

}  // namespace lucid::cli
