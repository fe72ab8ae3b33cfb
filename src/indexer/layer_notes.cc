#include "indexer/layer_notes.h"

#include "base/log.h"
#include "http/metrics.h"

namespace lucid::indexer {

ScanNote ExplainLayerFailure(const Layer& layer, const Status& error, bool fetch_failed) {
  ScanNote n;
  n.layer = layer.hash.str();
  n.scanner = "indexer";
  // The note names the layer already; drop the "layer <digest>: " contexts.
  std::string msg = error.message();
  for (const std::string& prefix : {"fetching layer " + n.layer + ": ", "layer " + n.layer + ": "}) {
    while (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
  }
  std::string media = layer.media_type.empty() ? "" : " (media type " + layer.media_type + ")";
  if (fetch_failed) {
    n.code = "layer-fetch-failed";
    n.message = "the layer could not be fetched" + media + ": " + msg +
                "; check that its URI and headers are still valid (registry tokens expire)";
  } else if (error.code() == StatusCode::kUnsupported && msg.find("compressed") != std::string::npos) {
    n.code = "unsupported-compression";
    n.message =
        "layer" + media + " uses an unsupported compression: " + msg +
        "; rebuild or convert the image with gzip or zstd layers (e.g. `skopeo copy --dest-compress-format gzip`)";
  } else if (error.code() == StatusCode::kUnsupported) {
    n.code = "unsupported-media-type";
    n.message = "layer" + media + " is not a tar layer Lucid can read: " + msg;
  } else if (error.code() == StatusCode::kTooLarge) {
    n.code = "layer-too-large";
    n.message = "layer" + media + " was not scanned: " + msg + "; raise LUCID_MAX_LAYER_BYTES if the layer is genuine";
  } else if (error.code() == StatusCode::kCorrupt) {
    n.code = "layer-corrupt";
    n.message = "layer" + media + " is corrupt or truncated: " + msg;
  } else {
    n.code = "layer-scan-failed";
    n.message = "layer" + media + " could not be scanned: " + msg;
  }
  return n;
}

void PublishNotes(const std::string& manifest, const std::vector<ScanNote>& notes) {
  auto& counter = metrics::Registry::Default().AddCounter("lucid_indexer_notes_total",
                                                          "Index report notes (why less was found) by code.", {"code"});
  for (const auto& n : notes) {
    counter.With({n.code}).Inc();
    log::Info("indexer", "index note",
              {{"manifest", manifest},
               {"layer", n.layer},
               {"scanner", n.scanner},
               {"code", n.code},
               {"path", n.path},
               {"note", n.message}});
  }
}

}  // namespace lucid::indexer
