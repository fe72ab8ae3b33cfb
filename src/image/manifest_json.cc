#include "image/manifest_json.h"

#include <boost/json.hpp>

#include "base/hash.h"
#include "base/strings.h"

namespace lucid::image {

namespace json = boost::json;

namespace {
std::string Str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

Result<Descriptor> ParseDescriptor(const json::value& v, std::string_view what) {
  if (!v.is_object()) return Corrupt(std::string(what) + ": descriptor is not an object");
  const auto& o = v.as_object();
  Descriptor d;
  d.media_type = Str(o, "mediaType");
  auto digest = Digest::Parse(Str(o, "digest"));
  if (!digest.ok()) return Corrupt(std::string(what) + ": " + digest.status().message());
  d.digest = *digest;
  if (auto* s = o.if_contains("size"); s != nullptr && s->is_int64()) d.size = s->as_int64();
  if (auto* s = o.if_contains("size"); s != nullptr && s->is_uint64()) d.size = static_cast<int64_t>(s->as_uint64());
  if (auto* a = o.if_contains("annotations"); a != nullptr && a->is_object()) {
    for (const auto& [k, val] : a->as_object()) {
      if (val.is_string()) d.annotations[std::string(k)] = std::string(val.as_string());
    }
  }
  if (auto* p = o.if_contains("platform"); p != nullptr && p->is_object()) {
    d.has_platform = true;
    d.platform.os = Str(p->as_object(), "os");
    d.platform.architecture = Str(p->as_object(), "architecture");
    d.platform.variant = Str(p->as_object(), "variant");
  }
  return d;
}
}  // namespace

Result<Platform> Platform::Parse(std::string_view text) {
  auto parts = SplitString(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return InvalidArgument("platform \"" + std::string(text) + "\" is not os/arch[/variant]");
  }
  Platform p;
  p.os = std::string(parts[0]);
  p.architecture = std::string(parts[1]);
  if (parts.size() == 3) p.variant = std::string(parts[2]);
  return p;
}

std::string Platform::str() const { return os + "/" + architecture + (variant.empty() ? "" : "/" + variant); }

Result<ManifestDoc> ParseManifestDoc(std::string_view text, std::string_view media_type_hint) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Corrupt("manifest is not JSON: " + ec.message());
  if (!v.is_object()) return Corrupt("manifest is not a JSON object");
  const auto& o = v.as_object();
  ManifestDoc doc;
  doc.media_type = Str(o, "mediaType");
  if (doc.media_type.empty()) doc.media_type = std::string(media_type_hint);
  if (auto* sv = o.if_contains("schemaVersion"); sv != nullptr && sv->is_int64() && sv->as_int64() == 1) {
    return Unsupported("Docker schema 1 manifests are not supported");
  }
  if (auto* m = o.if_contains("manifests"); m != nullptr) {
    if (!m->is_array()) return Corrupt("index: \"manifests\" is not an array");
    doc.is_index = true;
    if (doc.media_type.empty()) doc.media_type = std::string(kOciIndex);
    for (const auto& e : m->as_array()) {
      LUCID_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(e, "index entry"));
      doc.manifests.push_back(std::move(d));
    }
    return doc;
  }
  auto* layers = o.if_contains("layers");
  auto* config = o.if_contains("config");
  if (layers == nullptr || !layers->is_array() || config == nullptr) {
    return Corrupt("manifest has neither \"manifests\" nor \"config\" and \"layers\"");
  }
  if (doc.media_type.empty()) doc.media_type = std::string(kOciManifest);
  LUCID_ASSIGN_OR_RETURN(doc.config, ParseDescriptor(*config, "manifest config"));
  for (const auto& e : layers->as_array()) {
    LUCID_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(e, "manifest layer"));
    doc.layers.push_back(std::move(d));
  }
  return doc;
}

Result<Descriptor> SelectPlatform(const ManifestDoc& index, const Platform& want) {
  std::string seen;
  for (const auto& d : index.manifests) {
    if (!d.has_platform) continue;
    if (d.platform.os == want.os && d.platform.architecture == want.architecture &&
        (want.variant.empty() || d.platform.variant == want.variant)) {
      return d;
    }
    seen += (seen.empty() ? "" : ", ") + d.platform.str();
  }
  // An index without platforms (e.g. an OCI layout's nested index) with one entry: take it.
  if (seen.empty() && index.manifests.size() == 1) return index.manifests[0];
  return NotFound("no manifest for platform " + want.str() + " (available: " + (seen.empty() ? "none" : seen) + ")");
}

Digest ComputeDigest(std::string_view data) { return Digest::Sha256FromHex(Sha256Hex(data)); }

Status VerifyDigest(std::string_view data, const Digest& digest, std::string_view what) {
  std::string hex;
  if (digest.algorithm() == "sha512") {
    Hasher h(HashAlgorithm::kSha512);
    h.Update(data);
    hex = h.FinishHex();
  } else {
    hex = Sha256Hex(data);
  }
  if (hex != digest.hex()) {
    return Corrupt(std::string(what) + ": digest mismatch: expected " + digest.str() + ", got " + digest.algorithm() +
                   ":" + hex);
  }
  return Status::Ok();
}

}  // namespace lucid::image
