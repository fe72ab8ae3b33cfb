#include <boost/json.hpp>
#include <filesystem>

#include "image/manifest_json.h"
#include "image/sources.h"

namespace lucid::image {

namespace {

constexpr size_t kMaxDocument = 16u << 20;
constexpr int kMaxIndexDepth = 4;
constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";

class OciLayoutSource final : public ImageSource {
 public:
  OciLayoutSource(std::string dir, std::string tag, SourceOptions options)
      : dir_(std::move(dir)), tag_(std::move(tag)), options_(std::move(options)) {}

  Result<ImageInfo> Resolve() override {
    std::string where = "oci:" + dir_ + (tag_.empty() ? "" : ":" + tag_);
    auto r = DoResolve();
    if (!r.ok()) return r.status().WithContext(where);
    r->reference = where;
    return r;
  }

  Status CheckLayer(const LayerInfo& layer) override {
    std::error_code ec;
    const std::string path = BlobPath(layer.digest);
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return NotFound("layer " + layer.digest.str() + ": blob " + path + ": " + ec.message());
    if (layer.size >= 0 && size != static_cast<uint64_t>(layer.size)) {
      return Corrupt("layer " + layer.digest.str() + ": blob " + path + " is " + std::to_string(size) +
                     " bytes but the manifest says " + std::to_string(layer.size) +
                     ", so it cannot match the manifest's digest (damaged or replaced)");
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<Reader>> OpenLayer(const Digest& digest) override {
    if (digest.empty()) return InvalidArgument("empty layer digest");
    LUCID_ASSIGN_OR_RETURN(auto r, FileReader::Open(BlobPath(digest)));
    return std::unique_ptr<Reader>(std::move(r));
  }

 private:
  // Digest::Parse admits only hex, so the path cannot escape blobs/.
  std::string BlobPath(const Digest& d) const { return dir_ + "/blobs/" + d.algorithm() + "/" + d.hex(); }

  Result<std::string> ReadBlob(const Descriptor& d) {
    auto data = ReadFile(BlobPath(d.digest), kMaxDocument);
    if (!data.ok()) return data.status();
    LUCID_RETURN_IF_ERROR(VerifyDigest(*data, d.digest, "blob " + d.digest.str()));
    return data;
  }

  Result<ImageInfo> DoResolve() {
    LUCID_ASSIGN_OR_RETURN(std::string index_json, ReadFile(dir_ + "/index.json", kMaxDocument));
    LUCID_ASSIGN_OR_RETURN(ManifestDoc index, ParseManifestDoc(index_json, kOciIndex));
    if (!index.is_index) return Corrupt("index.json is not an image index");
    Descriptor chosen;
    bool found = false;
    std::string tags;
    for (const auto& d : index.manifests) {
      auto it = d.annotations.find(std::string(kRefName));
      std::string name = it == d.annotations.end() ? "" : it->second;
      if (!name.empty()) tags += (tags.empty() ? "" : ", ") + name;
      if (!tag_.empty() && name == tag_) {
        chosen = d;
        found = true;
        break;
      }
    }
    if (!found) {
      if (!tag_.empty()) return NotFound("no image tagged \"" + tag_ + "\" (tags: " + tags + ")");
      if (index.manifests.size() != 1) {
        return InvalidArgument("the layout holds " + std::to_string(index.manifests.size()) +
                               " images; name one with :TAG (tags: " + tags + ")");
      }
      chosen = index.manifests[0];
    }
    for (int depth = 0; depth < kMaxIndexDepth; ++depth) {
      LUCID_ASSIGN_OR_RETURN(std::string body, ReadBlob(chosen));
      LUCID_ASSIGN_OR_RETURN(ManifestDoc doc, ParseManifestDoc(body, chosen.media_type));
      if (doc.is_index) {
        LUCID_ASSIGN_OR_RETURN(chosen, SelectPlatform(doc, options_.platform));
        continue;
      }
      ImageInfo info;
      info.manifest_digest = chosen.digest;
      info.manifest_media_type = doc.media_type;
      info.config_digest = doc.config.digest;
      for (const auto& l : doc.layers) info.layers.push_back({l.digest, l.media_type, l.size});
      return info;
    }
    return Corrupt("image indexes nested deeper than " + std::to_string(kMaxIndexDepth));
  }

  std::string dir_;
  std::string tag_;
  SourceOptions options_;
};

}  // namespace

std::unique_ptr<ImageSource> NewOciLayoutSource(std::string dir, std::string tag, SourceOptions options) {
  return std::make_unique<OciLayoutSource>(std::move(dir), std::move(tag), std::move(options));
}

}  // namespace lucid::image
