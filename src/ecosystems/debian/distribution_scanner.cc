#include "ecosystems/debian/distribution_scanner.h"

#include <map>

#include "base/strings.h"
#include "ecosystems/debian/releases.h"
#include "indexer/os_release.h"

namespace lucid::debian {
namespace {

constexpr std::string_view kScannerName = "debian";
constexpr std::string_view kEtcOsRelease = "etc/os-release";
constexpr std::string_view kUsrLibOsRelease = "usr/lib/os-release";
// os-release files are a few hundred bytes; anything bigger is not one.
constexpr size_t kMaxOsRelease = 64 << 10;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The last "(word)" in VERSION, e.g. "Debian GNU/Linux 10 (buster)".
std::string CodenameFromVersion(std::string_view version) {
  size_t close = version.rfind(')');
  if (close == std::string_view::npos) return "";
  size_t open = version.rfind('(', close);
  if (open == std::string_view::npos) return "";
  std::string word(TrimSpace(version.substr(open + 1, close - open - 1)));
  for (char c : word) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return "";
  }
  return ToLower(word);
}

class Session final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override { return e.path == kEtcOsRelease || e.path == kUsrLibOsRelease; }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    auto text = ReadAll(content, kMaxOsRelease);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kTooLarge) {
        too_large_[e.path] = true;
        return Status::Ok();
      }
      return text.status();
    }
    files_[e.path] = std::move(*text);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles& files, indexer::LayerArtifacts* out) override {
    // etc/os-release wins; when it is a link, use what it points to.
    std::string path;
    if (auto r = files.Resolve(kEtcOsRelease); r.ok() && (files_.count(*r) || too_large_.count(*r))) {
      path = *r;
    } else if (files_.count(std::string(kEtcOsRelease)) || too_large_.count(std::string(kEtcOsRelease))) {
      path = kEtcOsRelease;
    } else if (files_.count(std::string(kUsrLibOsRelease)) || too_large_.count(std::string(kUsrLibOsRelease))) {
      path = kUsrLibOsRelease;
    } else {
      return Status::Ok();  // no os-release in this layer: the indexer reports image-level notes
    }
    if (too_large_.count(path)) {
      out->notes.push_back({"", std::string(kScannerName), "bad-os-release",
                            "os-release is larger than " + std::to_string(kMaxOsRelease) + " bytes", path});
      return Status::Ok();
    }
    OsReleaseVerdict v = DistributionFromOsRelease(files_[path]);
    if (v.distribution) out->distributions.push_back(std::move(*v.distribution));
    if (!v.note_code.empty()) {
      out->notes.push_back({"", std::string(kScannerName), v.note_code, v.note_message, path});
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
  std::string_view version() const override { return "3"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kDistribution; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

OsReleaseVerdict DistributionFromOsRelease(std::string_view text) {
  OsReleaseVerdict v;
  auto kv = indexer::ParseOsRelease(text);
  if (kv.empty()) {
    v.note_code = "bad-os-release";
    v.note_message = "os-release has no KEY=VALUE assignments";
    return v;
  }
  if (kv["ID"] != "debian") return v;  // another distribution's scanner may claim it

  std::string version_id = kv["VERSION_ID"];
  std::string codename = ToLower(TrimSpace(kv["VERSION_CODENAME"]));
  if (codename.empty()) codename = CodenameFromVersion(kv["VERSION"]);

  if (!version_id.empty() && !AllDigits(version_id)) {
    v.note_code = "bad-os-release";
    v.note_message = "Debian os-release has a non-integer VERSION_ID \"" + SanitizeUtf8(version_id) + "\"";
    return v;
  }
  if (version_id.empty() && !codename.empty()) {
    // Testing images carry a codename but no VERSION_ID.
    if (auto r = ReleaseByCodename(codename)) version_id = std::string(r->version_id);
  }
  if (codename.empty() && !version_id.empty()) {
    if (auto r = ReleaseByVersionId(version_id)) codename = std::string(r->codename);
  }
  if (version_id.empty() || codename.empty()) {
    v.note_code = "unsupported-distribution";
    v.note_message = "Debian release not recognised (VERSION_ID \"" + SanitizeUtf8(kv["VERSION_ID"]) +
                     "\", codename \"" + SanitizeUtf8(codename) + "\")";
    return v;
  }
  v.distribution = CanonicalDistribution(version_id, codename);
  return v;
}

std::shared_ptr<const indexer::Scanner> NewDistributionScanner() { return std::make_shared<DistributionScanner>(); }

}  // namespace lucid::debian
