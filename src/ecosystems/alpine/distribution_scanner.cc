#include "ecosystems/alpine/distribution_scanner.h"

#include <map>

#include "base/strings.h"
#include "indexer/os_release.h"

namespace lucid::alpine {
namespace {

constexpr std::string_view kScannerName = "alpine";
constexpr std::string_view kEtcOsRelease = "etc/os-release";
constexpr std::string_view kUsrLibOsRelease = "usr/lib/os-release";
constexpr std::string_view kAlpineRelease = "etc/alpine-release";
// Both files are a few hundred bytes; anything bigger is not one of them.
constexpr size_t kMaxReleaseFile = 64 << 10;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

class Session final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override {
    return e.path == kEtcOsRelease || e.path == kUsrLibOsRelease || e.path == kAlpineRelease;
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    auto text = ReadAll(content, kMaxReleaseFile);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kTooLarge) return text.status().WithContext(e.path);
      too_large_[e.path] = true;
      return Status::Ok();
    }
    files_[e.path] = std::move(*text);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles& files, indexer::LayerArtifacts* out) override {
    auto have = [&](const std::string& p) { return files_.count(p) > 0 || too_large_.count(p) > 0; };
    std::string os_path;
    if (auto r = files.Resolve(kEtcOsRelease); r.ok() && have(*r)) {
      os_path = *r;
    } else if (have(std::string(kEtcOsRelease))) {
      os_path = kEtcOsRelease;
    } else if (have(std::string(kUsrLibOsRelease))) {
      os_path = kUsrLibOsRelease;
    }
    std::string rel_path;
    if (auto r = files.Resolve(kAlpineRelease); r.ok() && have(*r)) {
      rel_path = *r;
    } else if (have(std::string(kAlpineRelease))) {
      rel_path = kAlpineRelease;
    }
    if (os_path.empty() && rel_path.empty()) return Status::Ok();

    std::optional<std::string> os_text, rel_text;
    for (const auto& [path, text] : {std::pair{&os_path, &os_text}, std::pair{&rel_path, &rel_text}}) {
      if (path->empty()) continue;
      if (too_large_.count(*path)) {
        out->notes.push_back({"", std::string(kScannerName), "bad-os-release",
                              "file is larger than " + std::to_string(kMaxReleaseFile) + " bytes", *path});
        continue;
      }
      *text = files_[*path];
    }
    DistributionVerdict v = DistributionFromFiles(os_text, rel_text, os_path.empty() ? kEtcOsRelease : os_path);
    if (v.distribution) out->distributions.push_back(std::move(*v.distribution));
    if (!v.note_code.empty()) {
      out->notes.push_back({"", std::string(kScannerName), v.note_code, v.note_message,
                            v.note_path.empty() ? (os_path.empty() ? rel_path : os_path) : v.note_path});
    }
    return Status::Ok();
  }

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, bool> too_large_;
};

class DistributionScanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kScannerName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kDistribution; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

Distribution CanonicalDistribution(std::string_view release) {
  Distribution d;
  d.did = "alpine";
  d.name = "Alpine Linux";
  d.version = std::string(release);
  d.version_id = std::string(release);
  d.pretty_name = release == "edge" ? "Alpine Linux edge" : "Alpine Linux v" + std::string(release);
  return d;
}

std::optional<std::string> ReleaseFromVersion(std::string_view version) {
  version = TrimSpace(version);
  if (version == "edge") return std::string("edge");
  if (!version.empty() && version[0] == 'v') version.remove_prefix(1);
  // Development snapshots are versioned "3.19_alpha20230901": that is edge.
  size_t underscore = version.find('_');
  bool prerelease = underscore != std::string_view::npos;
  std::string_view numeric = version.substr(0, underscore);
  auto parts = SplitString(numeric, '.');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  for (auto p : parts) {
    if (!AllDigits(p) || p.size() > 4) return std::nullopt;
  }
  if (prerelease) return std::string("edge");
  return std::string(parts[0]) + "." + std::string(parts[1]);
}

DistributionVerdict DistributionFromFiles(const std::optional<std::string>& os_release,
                                          const std::optional<std::string>& alpine_release,
                                          std::string_view os_release_path) {
  DistributionVerdict v;
  std::optional<std::string> from_release_file;
  std::string release_text;
  if (alpine_release) {
    // The first line, e.g. "3.14.0".
    std::string_view t = *alpine_release;
    release_text = std::string(TrimSpace(t.substr(0, t.find('\n'))));
    from_release_file = ReleaseFromVersion(release_text);
  }
  auto unsupported = [&](std::string msg, std::string_view path) {
    v.note_code = "unsupported-distribution";
    v.note_message = std::move(msg);
    v.note_path = std::string(path);
    return v;
  };

  if (os_release) {
    auto kv = indexer::ParseOsRelease(*os_release);
    auto id = kv.find("ID");
    if (id != kv.end() && id->second != "alpine") return v;  // someone else's distribution
    if (id != kv.end()) {
      if (kv["PRETTY_NAME"] == "Alpine Linux edge") {
        v.distribution = CanonicalDistribution("edge");
        return v;
      }
      const std::string& version_id = kv["VERSION_ID"];
      if (!version_id.empty()) {
        auto rel = ReleaseFromVersion(version_id);
        if (!rel) {
          return unsupported("Alpine os-release has an unrecognised VERSION_ID \"" + SanitizeUtf8(version_id) + "\"",
                             os_release_path);
        }
        v.distribution = CanonicalDistribution(*rel);
        return v;
      }
      if (from_release_file) {
        v.distribution = CanonicalDistribution(*from_release_file);
        return v;
      }
      return unsupported("Alpine os-release has no VERSION_ID and there is no usable etc/alpine-release",
                         os_release_path);
    }
    // A garbled or ID-less os-release is reported by the generic checks (and
    // by every distribution scanner otherwise); without alpine-release it
    // gives us nothing to go on.
    if (!alpine_release) return v;
  }
  // No (usable) os-release: etc/alpine-release alone identifies Alpine.
  if (!alpine_release) return v;
  if (!from_release_file) {
    return unsupported("etc/alpine-release holds an unrecognised version \"" + SanitizeUtf8(release_text) + "\"",
                       kAlpineRelease);
  }
  v.distribution = CanonicalDistribution(*from_release_file);
  return v;
}

std::shared_ptr<const indexer::Scanner> NewDistributionScanner() { return std::make_shared<DistributionScanner>(); }

}  // namespace lucid::alpine
