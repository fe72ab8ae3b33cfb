#include "ecosystems/alpine/apk_scanner.h"

#include <optional>
#include <string>

#include "base/log.h"
#include "base/strings.h"

namespace lucid::alpine {
namespace {

constexpr std::string_view kScannerName = "apk";

struct Record {
  std::string name, version, arch, origin, commit;
  bool any = false;
};

void Flush(Record* r, std::vector<Package>* out, size_t* skipped) {
  if (!r->any) return;
  if (r->name.empty() || r->version.empty()) {
    ++*skipped;
  } else {
    Package p;
    p.name = std::move(r->name);
    p.version = std::move(r->version);
    p.kind = PackageKind::kBinary;
    p.arch = std::move(r->arch);
    p.package_db = std::string(kInstalledDb);
    p.repository_hint = std::move(r->commit);
    if (!r->origin.empty()) {
      // Secdb advisories name the origin (aports) package; it shares the
      // binary's version.
      p.source.name = std::move(r->origin);
      p.source.version = p.version;
    }
    out->push_back(std::move(p));
  }
  *r = Record{};
}

class Session final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override { return e.path == kInstalledDb; }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    auto text = ReadAll(content, indexer::kMaxBufferedFile);
    if (!text.ok()) return text.status().WithContext(e.path);
    packages_ = ParseInstalledDb(*text);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    for (auto& p : packages_) out->packages.push_back(std::move(p));
    return Status::Ok();
  }

 private:
  std::vector<Package> packages_;
};

class ApkScanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kScannerName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

std::vector<Package> ParseInstalledDb(std::string_view text) {
  std::vector<Package> out;
  Record r;
  size_t skipped = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      Flush(&r, &out, &skipped);
      continue;
    }
    // "K:value"; anything shorter is noise apk itself would not write.
    if (line.size() < 2 || line[1] != ':') continue;
    std::string_view value = line.substr(2);
    r.any = true;
    switch (line[0]) {
      case 'P':
        r.name = std::string(value);
        break;
      case 'V':
        r.version = std::string(value);
        break;
      case 'A':
        r.arch = std::string(value);
        break;
      case 'o':
        r.origin = std::string(value);
        break;
      case 'c':
        r.commit = std::string(value);
        break;
      default:
        break;
    }
  }
  Flush(&r, &out, &skipped);
  if (skipped > 0) {
    log::Debug("apk", "skipped installed-db records without a name or version", {{"records", skipped}});
  }
  return out;
}

std::shared_ptr<const indexer::Scanner> NewApkScanner() { return std::make_shared<ApkScanner>(); }

}  // namespace lucid::alpine
