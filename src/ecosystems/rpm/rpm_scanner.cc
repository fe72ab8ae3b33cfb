#include "ecosystems/rpm/rpm_scanner.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "base/log.h"
#include "ecosystems/rpm/rpm_version.h"

namespace lucid::rpm {
namespace {

constexpr uint32_t kPgpHashSha256 = 8;

std::string ModuleOf(std::string_view label) {
  // name:stream:version:context -> name:stream
  size_t first = label.find(':');
  if (first == std::string_view::npos) return "";
  size_t second = label.find(':', first + 1);
  if (second == std::string_view::npos) return "";
  return std::string(label.substr(0, second));
}

class Session final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override {
    return e.type == indexer::EntryType::kRegular && DbFormatOfPath(e.path).has_value();
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    auto db = CollectedDb::Collect(e.path, *DbFormatOfPath(e.path), e.size, content);
    if (db.ok()) {
      dbs_.push_back(std::move(*db));
      return Status::Ok();
    }
    switch (db.status().code()) {
      case StatusCode::kNotFound:  // only named like a database
        return Status::Ok();
      case StatusCode::kUnsupported:
        notes_.push_back({"", std::string(kScannerName), "rpm-db-unsupported",
                          db.status().message() +
                              ": its packages are not listed, and language packages it owns are not recognised as "
                              "OS-managed",
                          e.path});
        return Status::Ok();
      case StatusCode::kTooLarge:
        notes_.push_back({"", std::string(kScannerName), "rpm-db-too-large",
                          db.status().message() + ": skipped, its packages are not listed", e.path});
        return Status::Ok();
      default:
        return db.status().WithContext(e.path);
    }
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    for (auto& n : notes_) out->notes.push_back(std::move(n));
    for (const auto& db : dbs_) {
      std::vector<Package> pkgs;
      const std::string package_db = db->package_db();
      Status st = db->ForEachHeader([&](const RpmHeader& h) -> Status {
        pkgs.push_back(PackageFromHeader(h.Info(), package_db));
        return Status::Ok();
      });
      const std::string& path = db->layer_path();
      if (!st.ok()) {
        // A damaged database lists nothing rather than a partial set.
        out->notes.push_back({"", std::string(kScannerName), "rpm-db-unreadable",
                              "rpm " + std::string(DbFormatName(db->format())) +
                                  " database could not be read, its packages are not listed: " + st.message(),
                              path});
        continue;
      }
      log::Debug("rpm", "rpm database read", {{"path", path}, {"packages", pkgs.size()}});
      std::sort(pkgs.begin(), pkgs.end(), [](const Package& a, const Package& b) {
        return std::tie(a.name, a.version, a.arch) < std::tie(b.name, b.version, b.arch);
      });
      for (auto& p : pkgs) out->packages.push_back(std::move(p));
    }
    dbs_.clear();  // removes the copies now rather than with the session
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<CollectedDb>> dbs_;
  std::vector<ScanNote> notes_;
};

class Scanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kScannerName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

Package PackageFromHeader(const HeaderInfo& h, std::string_view package_db) {
  Package p;
  p.name = h.name;
  Nevra evr;
  evr.epoch = h.epoch;
  evr.version = h.version;
  evr.release = h.release;
  p.version = evr.Evr();
  p.kind = PackageKind::kBinary;
  p.arch = h.arch;
  p.module = ModuleOf(h.modularity_label);
  p.package_db = std::string(package_db);
  if (!h.source_rpm.empty()) {
    auto src = ParseSourceRpm(h.source_rpm);
    if (src.ok()) {
      p.source.name = src->name;
      p.source.version = src->Evr();
    } else {
      log::Debug("rpm", "unparsable SOURCERPM", {{"package", h.name}, {"sourcerpm", h.source_rpm}});
    }
  }
  // Go's url.Values encoding, as Clair writes it: keys sorted, ':' escaped.
  std::string hint;
  if (h.payload_digest_algo == kPgpHashSha256 && !h.payload_digest.empty()) {
    hint = "hash=sha256%3A" + h.payload_digest;
  }
  if (!h.signer_key_id.empty()) hint += (hint.empty() ? "key=" : "&key=") + h.signer_key_id;
  p.repository_hint = std::move(hint);
  return p;
}

std::shared_ptr<const indexer::Scanner> NewRpmScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::rpm
