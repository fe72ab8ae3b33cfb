// Parsing of OCI / Docker v2 manifests and indexes (manifest lists), shared by
// the image sources.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/digest.h"
#include "image/image_source.h"

namespace lucid::image {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = -1;
  std::map<std::string, std::string> annotations;
  bool has_platform = false;
  Platform platform;
};

struct ManifestDoc {
  bool is_index = false;
  std::string media_type;
  std::vector<Descriptor> manifests;  // index
  Descriptor config;                  // manifest
  std::vector<Descriptor> layers;     // manifest
};

// `media_type_hint` (e.g. a Content-Type) is used when the document has no mediaType.
Result<ManifestDoc> ParseManifestDoc(std::string_view json, std::string_view media_type_hint = "");
// The entry of an index matching `want` (variant ignored when empty).
Result<Descriptor> SelectPlatform(const ManifestDoc& index, const Platform& want);
// Checks that `data` hashes to `digest` (sha256/sha512).
Status VerifyDigest(std::string_view data, const Digest& digest, std::string_view what);
Digest ComputeDigest(std::string_view data);

}  // namespace lucid::image
