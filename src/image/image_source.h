// Image sources, named like skopeo transports:
//   oci:DIR[:TAG]                 OCI image layout (index.json; TAG matches the
//                                 org.opencontainers.image.ref.name annotation;
//                                 optional when the index holds one image)
//   docker-archive:FILE[:REF]     `docker save` tarball, plain or gzipped; REF
//                                 ("name:tag" from RepoTags) picks one of several images
//   docker://HOST[:PORT]/REPO[:TAG|@DIGEST]   Registry v2 API (anonymous or
//                                 bearer-token auth; plain HTTP only for
//                                 loopback hosts or with `insecure`)
//
//   LUCID_ASSIGN_OR_RETURN(auto src, image::OpenImageSource("oci:/images:debian-app", {}));
//   LUCID_ASSIGN_OR_RETURN(ImageInfo info, src->Resolve());
//   for (auto& l : info.layers) layer::ScanLayer(src->Opener(l.digest), l.digest, ...);
//
// Manifest lists / OCI indexes pick options.platform (default linux/amd64).
// Every manifest read is checked against the digest that named it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "core/digest.h"
#include "core/model.h"
#include "layer/layer_reader.h"

namespace lucid::image {

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;  // "" matches any
  // Parses "os/arch[/variant]".
  static Result<Platform> Parse(std::string_view text);
  std::string str() const;
};

struct LayerInfo {
  // Digest of the blob as stored/transferred, i.e. what ScanLayer verifies.
  // docker-archive layers are uncompressed tars: this is then their diff_id.
  Digest digest;
  std::string media_type;
  int64_t size = -1;  // -1 when unknown
};

struct ImageInfo {
  std::string reference;  // the source string
  // oci / docker://: the digest of the image manifest (after platform selection).
  // docker-archive: there is no manifest blob, so this is the config digest
  // (sha256 of the config JSON, Docker's image ID) — stable across re-saves.
  Digest manifest_digest;
  std::string manifest_media_type;
  Digest config_digest;
  std::vector<LayerInfo> layers;
  // docker:// only: a Lucid manifest (layer uri = blob URL, headers =
  // Authorization when a token was needed) for indexing over the HTTP API.
  std::optional<Manifest> lucid_manifest;
};

struct SourceOptions {
  Platform platform;
  bool insecure = false;           // docker://: allow plain HTTP for any host
  std::string username, password;  // docker://: basic credentials (also for the token service)
  uint64_t max_blob_bytes = 16ull << 30;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual Result<ImageInfo> Resolve() = 0;
  // The blob of a layer listed by Resolve() (which must have been called).
  virtual Result<std::unique_ptr<Reader>> OpenLayer(const Digest& digest) = 0;
  // Cheap check that a listed layer's blob is there and of the listed size.
  // A layer already scanned is known by its digest and never re-read, so
  // without this a local image with a missing or truncated blob would still
  // be reported as if it were whole.
  virtual Status CheckLayer(const LayerInfo& /*layer*/) { return Status::Ok(); }
  // A re-openable source for layer::ScanLayer. The source must outlive it.
  layer::BlobOpener Opener(const Digest& digest) {
    return [this, digest] { return OpenLayer(digest); };
  }
};

Result<std::unique_ptr<ImageSource>> OpenImageSource(std::string_view reference, const SourceOptions& options = {});

}  // namespace lucid::image
