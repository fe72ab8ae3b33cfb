// Where layer bytes come from. The HTTP API hands the indexer URIs (with
// the registry credentials Quay passes as headers); the CLI hands it local
// image sources. Both produce a BlobOpener, which may be called more than
// once (the layer reader takes a second pass only when links need it).
#pragma once

#include <functional>
#include <memory>

#include "base/io.h"
#include "base/result.h"
#include "core/model.h"
#include "net/http_client.h"
#include "services/indexer_service.h"

namespace lucid::indexer {

using BlobOpener = std::function<Result<std::unique_ptr<Reader>>()>;

struct FetchedLayer {
  BlobOpener open;
  std::shared_ptr<void> keepalive;  // e.g. the spool file, removed when released
};

class LayerFetcher {
 public:
  virtual ~LayerFetcher() = default;
  virtual Result<FetchedLayer> Fetch(const Layer& layer, const services::CancelFlag& cancel) = 0;
};

// Downloads `layer.uri` with `layer.headers` to a spool file under $TMPDIR
// (only HTTP 200 is accepted, as in Clair). Only http:// and https:// are
// accepted, as in Clair: layer URIs come from API clients, and a file:// URI
// would let any client make the server read (and probe for) its own files.
// Tests and single-host benchmarks may opt in to file:// with the
// environment variable LUCID_ALLOW_FILE_LAYER_URIS=1.
class HttpLayerFetcher final : public LayerFetcher {
 public:
  explicit HttpLayerFetcher(bool airgap = false);
  Result<FetchedLayer> Fetch(const Layer& layer, const services::CancelFlag& cancel) override;

 private:
  bool airgap_;
  bool allow_file_uris_;
};

}  // namespace lucid::indexer
