#include "indexer/layer_fetcher.h"

#include <cstdlib>

#include "base/log.h"
#include "base/strings.h"

namespace lucid::indexer {

HttpLayerFetcher::HttpLayerFetcher(bool airgap) : airgap_(airgap) {
  const char* v = std::getenv("LUCID_ALLOW_FILE_LAYER_URIS");
  allow_file_uris_ = v != nullptr && std::string_view(v) == "1";
}

Result<FetchedLayer> HttpLayerFetcher::Fetch(const Layer& layer, const services::CancelFlag& cancel) {
  if (layer.uri.empty()) return InvalidArgument("layer " + layer.hash.str() + " has no uri");
  if (allow_file_uris_ && StartsWith(layer.uri, "file://")) {
    std::string path = layer.uri.substr(7);
    return FetchedLayer{[path]() -> Result<std::unique_ptr<Reader>> {
                          auto r = FileReader::Open(path);
                          if (!r.ok()) return r.status();
                          return std::unique_ptr<Reader>(std::move(*r));
                        },
                        nullptr};
  }
  if (!StartsWith(layer.uri, "http://") && !StartsWith(layer.uri, "https://")) {
    return InvalidArgument("layer " + layer.hash.str() + ": unsupported uri scheme in \"" + layer.uri +
                           "\" (only http and https)");
  }
  (void)airgap_;
  LUCID_ASSIGN_OR_RETURN(auto spool, TempFile::Create("lucid-layer"));
  auto file = std::make_shared<TempFile>(std::move(spool));
  net::HttpClient http;
  net::Request req;
  req.url = layer.uri;
  for (const auto& [k, vs] : layer.headers) {
    for (const auto& v : vs) req.headers.emplace_back(k, v);
  }
  req.timeout = std::chrono::seconds(3600);
  auto resp = http.FetchTo(
      req, [&, path = file->path(), fd = std::shared_ptr<FILE>(std::fopen(file->path().c_str(), "wb"), [](FILE* f) {
                                      if (f) std::fclose(f);
                                    })](const char* data, size_t n) {
        if (cancel && cancel->load()) return false;
        return fd && std::fwrite(data, 1, n, fd.get()) == n;
      });
  // The indexer names the layer ("fetching layer <digest>: ...").
  if (!resp.ok()) return resp.status();
  if (resp->status != 200) return Unavailable("GET " + layer.uri + ": HTTP " + std::to_string(resp->status));
  log::Debug("indexer", "layer fetched", {{"layer", layer.hash.str()}, {"bytes", resp->bytes}});
  std::string path = file->path();
  return FetchedLayer{[path]() -> Result<std::unique_ptr<Reader>> {
                        auto r = FileReader::Open(path);
                        if (!r.ok()) return r.status();
                        return std::unique_ptr<Reader>(std::move(*r));
                      },
                      file};
}

}  // namespace lucid::indexer
