// docker-archive: a `docker save` tarball (plain or gzipped). Members are read
// with libarchive straight from the file; a layer is streamed out of the
// archive on demand (for a gzipped archive this re-inflates up to the member).
#include <archive.h>
#include <archive_entry.h>

#include <boost/json.hpp>
#include <map>

#include "base/strings.h"
#include "image/manifest_json.h"
#include "image/sources.h"

namespace lucid::image {

namespace json = boost::json;

namespace {

constexpr size_t kMaxDocument = 16u << 20;
constexpr size_t kMaxJsonTotal = 64u << 20;

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

Status ArchiveError(struct archive* a, const std::string& file) {
  const char* m = archive_error_string(a);
  return Corrupt("docker-archive " + file + ": " + (m != nullptr ? m : "unknown libarchive error"));
}

Result<ArchivePtr> OpenArchive(const std::string& file) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_none(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 20) != ARCHIVE_OK) {
    if (archive_errno(a.get()) == ENOENT) return NotFound("docker-archive " + file + ": no such file");
    return ArchiveError(a.get(), file);
  }
  return a;
}

Result<std::string> ReadMember(struct archive* a, size_t limit, const std::string& file) {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) return ArchiveError(a, file);
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > limit) return TooLarge("docker-archive member larger than limit");
    out.append(buf, static_cast<size_t>(n));
  }
}

// A member's content, streamed from its own libarchive handle.
class MemberReader final : public Reader {
 public:
  MemberReader(ArchivePtr a, std::string file) : a_(std::move(a)), file_(std::move(file)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    la_ssize_t r = archive_read_data(a_.get(), buf, n);
    if (r < 0) return ArchiveError(a_.get(), file_);
    return static_cast<size_t>(r);
  }

 private:
  ArchivePtr a_;
  std::string file_;
};

struct Member {
  bool symlink = false;
  std::string target;  // symlink target, normalised inside the archive
  std::string magic;   // "gzip", "zstd" or "" for a regular member's first bytes
};

class DockerArchiveSource final : public ImageSource {
 public:
  DockerArchiveSource(std::string file, std::string ref, SourceOptions options)
      : file_(std::move(file)), ref_(std::move(ref)), options_(std::move(options)) {}

  Result<ImageInfo> Resolve() override {
    std::string where = "docker-archive:" + file_ + (ref_.empty() ? "" : ":" + ref_);
    auto r = DoResolve();
    if (!r.ok()) return r.status().WithContext(where);
    r->reference = where;
    return r;
  }

  Result<std::unique_ptr<Reader>> OpenLayer(const Digest& digest) override {
    auto it = layer_members_.find(digest);
    if (it == layer_members_.end()) return NotFound("docker-archive " + file_ + ": no layer " + digest.str());
    LUCID_ASSIGN_OR_RETURN(ArchivePtr a, OpenArchive(file_));
    archive_entry* e = nullptr;
    while (true) {
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) return NotFound("docker-archive " + file_ + ": member " + it->second + " vanished");
      if (rc < ARCHIVE_WARN) return ArchiveError(a.get(), file_);
      auto name = layer::NormalizeMemberPath(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      if (name.ok() && *name == it->second) return std::unique_ptr<Reader>(new MemberReader(std::move(a), file_));
    }
  }

 private:
  // Follows member symlinks (e.g. "<v1-id>/layer.tar" -> "../<diffid>.tar").
  Result<std::string> ResolveMember(std::string name) const {
    LUCID_ASSIGN_OR_RETURN(name, layer::NormalizeMemberPath(name));
    for (int hops = 0; hops < 16; ++hops) {
      auto it = members_.find(name);
      if (it == members_.end()) return Corrupt("member " + name + " is missing");
      if (!it->second.symlink) return name;
      name = it->second.target;
    }
    return Corrupt("member symlink loop at " + name);
  }

  Status Scan() {
    LUCID_ASSIGN_OR_RETURN(ArchivePtr a, OpenArchive(file_));
    archive_entry* e = nullptr;
    size_t json_total = 0;
    while (true) {
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return ArchiveError(a.get(), file_);
      const char* raw = archive_entry_pathname(e);
      auto name = layer::NormalizeMemberPath(raw != nullptr ? raw : "");
      if (!name.ok() || name->empty()) continue;
      Member m;
      if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e) != nullptr) {
        m.symlink = true;
        auto slash = name->rfind('/');
        std::string dir = slash == std::string::npos ? "" : name->substr(0, slash + 1);
        auto t = layer::NormalizeMemberPath(dir + archive_entry_symlink(e));
        if (t.ok()) m.target = *t;
      } else if (archive_entry_filetype(e) == AE_IFREG) {
        int64_t size = archive_entry_size(e);
        // Docker >= 25 keeps configs (and manifests) as small blobs/<algo>/<hex> members.
        bool small_blob = StartsWith(*name, "blobs/") && size >= 0 && size <= (1 << 20);
        if (EndsWith(*name, ".json") || *name == "repositories" || small_blob) {
          if (size > static_cast<int64_t>(kMaxDocument) || json_total + size > kMaxJsonTotal) {
            return TooLarge("docker-archive " + file_ + ": JSON member " + *name + " is too large");
          }
          LUCID_ASSIGN_OR_RETURN(std::string body, ReadMember(a.get(), kMaxDocument, file_));
          json_total += body.size();
          if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
              static_cast<unsigned char>(body[1]) == 0x8b) {
            m.magic = "gzip";
          }
          jsons_[*name] = std::move(body);
        } else {
          unsigned char head[4] = {0, 0, 0, 0};
          la_ssize_t n = archive_read_data(a.get(), head, sizeof head);
          if (n < 0) return ArchiveError(a.get(), file_);
          if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) m.magic = "gzip";
          if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) m.magic = "zstd";
        }
      }
      members_[*name] = std::move(m);
    }
    return Status::Ok();
  }

  bool TagMatches(std::string_view tag) const {
    auto strip = [](std::string_view t) {
      for (std::string_view p : {"docker.io/library/", "docker.io/"}) {
        if (StartsWith(t, p)) t.remove_prefix(p.size());
      }
      return std::string(t);
    };
    std::string want = strip(ref_);
    if (want.find(':', want.rfind('/') == std::string::npos ? 0 : want.rfind('/')) == std::string::npos) {
      want += ":latest";
    }
    return strip(tag) == want;
  }

  Result<ImageInfo> DoResolve() {
    members_.clear();
    jsons_.clear();
    layer_members_.clear();
    LUCID_RETURN_IF_ERROR(Scan());
    auto mj = jsons_.find("manifest.json");
    if (mj == jsons_.end()) return Corrupt("no manifest.json (not a docker save archive)");
    boost::system::error_code ec;
    json::value doc = json::parse(mj->second, ec);
    if (ec || !doc.is_array()) return Corrupt("manifest.json is not a JSON array");
    const json::object* chosen = nullptr;
    std::string all_tags;
    for (const auto& v : doc.as_array()) {
      if (!v.is_object()) return Corrupt("manifest.json entry is not an object");
      const auto& o = v.as_object();
      if (auto* tags = o.if_contains("RepoTags"); tags != nullptr && tags->is_array()) {
        for (const auto& t : tags->as_array()) {
          if (!t.is_string()) continue;
          all_tags += (all_tags.empty() ? "" : ", ") + std::string(t.as_string());
          if (!ref_.empty() && chosen == nullptr && TagMatches(t.as_string())) chosen = &o;
        }
      }
    }
    if (chosen == nullptr) {
      if (!ref_.empty()) return NotFound("no image tagged \"" + ref_ + "\" (tags: " + all_tags + ")");
      if (doc.as_array().size() != 1) {
        return InvalidArgument("the archive holds " + std::to_string(doc.as_array().size()) +
                               " images; name one with :NAME:TAG (tags: " + all_tags + ")");
      }
      chosen = &doc.as_array()[0].as_object();
    }
    auto* cfg_name = chosen->if_contains("Config");
    auto* layers = chosen->if_contains("Layers");
    if (cfg_name == nullptr || !cfg_name->is_string() || layers == nullptr || !layers->is_array()) {
      return Corrupt("manifest.json entry lacks Config or Layers");
    }
    LUCID_ASSIGN_OR_RETURN(std::string cfg_member, ResolveMember(std::string(cfg_name->as_string())));
    auto cfg = jsons_.find(cfg_member);
    if (cfg == jsons_.end()) return Corrupt("config " + cfg_member + " is missing or too large");
    json::value config = json::parse(cfg->second, ec);
    if (ec || !config.is_object()) return Corrupt("config " + cfg_member + " is not a JSON object");
    std::vector<Digest> diff_ids;
    if (auto* rootfs = config.as_object().if_contains("rootfs"); rootfs != nullptr && rootfs->is_object()) {
      if (auto* ids = rootfs->as_object().if_contains("diff_ids"); ids != nullptr && ids->is_array()) {
        for (const auto& id : ids->as_array()) {
          auto d = Digest::Parse(id.is_string() ? std::string_view(id.as_string()) : std::string_view());
          if (!d.ok()) return Corrupt("config diff_id: " + d.status().message());
          diff_ids.push_back(*d);
        }
      }
    }
    if (diff_ids.size() != layers->as_array().size()) {
      return Corrupt("config lists " + std::to_string(diff_ids.size()) + " diff_ids but manifest.json " +
                     std::to_string(layers->as_array().size()) + " layers");
    }
    ImageInfo info;
    info.config_digest = ComputeDigest(cfg->second);
    info.manifest_digest = info.config_digest;
    info.manifest_media_type = "application/vnd.docker.distribution.manifest.v2+json";
    for (size_t i = 0; i < diff_ids.size(); ++i) {
      const auto& l = layers->as_array()[i];
      if (!l.is_string()) return Corrupt("manifest.json layer is not a string");
      LUCID_ASSIGN_OR_RETURN(std::string member, ResolveMember(std::string(l.as_string())));
      const Member& m = members_[member];
      LayerInfo li;
      li.digest = diff_ids[i];
      // A Docker >= 25 archive stores layers as blobs/<algo>/<hex>, possibly compressed.
      if (StartsWith(member, "blobs/")) {
        auto parts = SplitString(member, '/');
        if (parts.size() == 3) {
          auto d = Digest::Parse(std::string(parts[1]) + ":" + std::string(parts[2]));
          if (d.ok()) li.digest = *d;
        }
      }
      li.media_type = m.magic == "gzip"   ? "application/vnd.oci.image.layer.v1.tar+gzip"
                      : m.magic == "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                          : "application/vnd.oci.image.layer.v1.tar";
      layer_members_[li.digest] = member;
      info.layers.push_back(std::move(li));
    }
    return info;
  }

  std::string file_;
  std::string ref_;
  SourceOptions options_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> jsons_;
  std::map<Digest, std::string> layer_members_;
};

}  // namespace

std::unique_ptr<ImageSource> NewDockerArchiveSource(std::string file, std::string ref, SourceOptions options) {
  return std::make_unique<DockerArchiveSource>(std::move(file), std::move(ref), std::move(options));
}

}  // namespace lucid::image
