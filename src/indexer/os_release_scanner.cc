#include "indexer/os_release_scanner.h"

#include <map>

#include "base/strings.h"
#include "indexer/os_release.h"

namespace lucid::indexer {
namespace {

constexpr std::string_view kEtc = "etc/os-release";
constexpr std::string_view kUsrLib = "usr/lib/os-release";
constexpr size_t kMaxOsRelease = 64 << 10;

class Session final : public ScanSession {
 public:
  bool Wants(const FileEntry& e) override { return e.path == kEtc || e.path == kUsrLib; }

  Status Consume(const FileEntry& e, Reader& content) override {
    auto text = ReadAll(content, kMaxOsRelease);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kTooLarge) return Status::Ok();  // the distribution scanners say so
      return text.status();
    }
    files_[e.path] = std::move(*text);
    return Status::Ok();
  }

  Status Finish(const LayerFiles& files, LayerArtifacts* out) override {
    std::string path;
    if (auto r = files.Resolve(kEtc); r.ok() && files_.count(*r)) {
      path = *r;
    } else if (files_.count(std::string(kEtc))) {
      path = kEtc;
    } else if (files_.count(std::string(kUsrLib))) {
      path = kUsrLib;
    } else {
      return Status::Ok();
    }
    auto kv = ParseOsRelease(files_[path]);
    Distribution d;
    d.did = SanitizeUtf8(kv["ID"]);
    d.name = SanitizeUtf8(kv["NAME"]);
    d.version_id = SanitizeUtf8(kv["VERSION_ID"]);
    d.pretty_name = SanitizeUtf8(kv["PRETTY_NAME"]);
    d.version = SanitizeUtf8(kv["VERSION"]);
    out->distributions.push_back(std::move(d));
    out->notes.push_back(
        {"", std::string(kOsReleaseScannerName), std::string(kOsReleaseObservedCode), "os-release found", path});
    return Status::Ok();
  }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace

std::unique_ptr<ScanSession> OsReleaseScanner::NewSession() const { return std::make_unique<Session>(); }

}  // namespace lucid::indexer
