#include "ecosystems/debian/dpkg_scanner.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "base/hash.h"
#include "base/strings.h"
#include "ecosystems/debian/control_file.h"

namespace lucid::debian {
namespace {

constexpr std::string_view kDpkgName = "dpkg";
constexpr std::string_view kDistrolessName = "dpkg-distroless";

std::string_view Dirname(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
}
std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
std::string Join(std::string_view dir, std::string_view name) {
  return dir.empty() ? std::string(name) : std::string(dir) + "/" + std::string(name);
}

bool HasStatusToken(std::string_view status, std::string_view token) {
  for (auto t : SplitString(status, ' ')) {
    if (TrimSpace(t) == token) return true;
  }
  return false;
}

// "name (version)" or "name".
void SplitSource(std::string_view field, std::string* name, std::string* version) {
  field = TrimSpace(field);
  size_t paren = field.find('(');
  if (paren == std::string_view::npos) {
    *name = std::string(field);
    version->clear();
    return;
  }
  *name = std::string(TrimSpace(field.substr(0, paren)));
  std::string_view rest = field.substr(paren + 1);
  size_t close = rest.find(')');
  *version = std::string(TrimSpace(close == std::string_view::npos ? rest : rest.substr(0, close)));
}

void SortPackages(std::vector<Package>* pkgs) {
  std::sort(pkgs->begin(), pkgs->end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.version, a.arch) < std::tie(b.name, b.version, b.arch);
  });
}

}  // namespace

Result<ParsedStatusDb> ParseDpkgStatus(std::string_view text, std::string_view db_path) {
  ParsedStatusDb db;
  std::map<std::pair<std::string, std::string>, Package> by_name_arch;  // a later stanza replaces
  bool saw_vcpkg_key = false;
  bool saw_status_field = false;
  std::string missing;  // first installed stanza lacking a required field
  Status st = ForEachStanza(text, [&](const Stanza& s) -> Status {
    if (s.Has("Port-Version") || s.Has("Default-Features") || s.Has("Feature")) saw_vcpkg_key = true;
    if (s.Has("Status")) saw_status_field = true;
    std::string_view status = s.Get("Status");
    if (!HasStatusToken(status, "ok") || !HasStatusToken(status, "installed")) return Status::Ok();
    std::string_view name = s.Get("Package"), version = s.Get("Version"), arch = s.Get("Architecture");
    if (name.empty() || version.empty() || arch.empty()) {
      if (missing.empty()) {
        missing =
            "stanza " + SanitizeUtf8(name.empty() ? "(no Package)" : name) + " lacks Package, Version or Architecture";
      }
      return Status::Ok();
    }
    Package p;
    p.name = std::string(name);
    p.version = std::string(version);
    p.kind = PackageKind::kBinary;
    p.arch = std::string(arch);
    p.package_db = std::string(db_path);
    std::string src_name, src_version;
    SplitSource(s.Get("Source"), &src_name, &src_version);
    if (src_name.empty()) src_name = p.name;
    if (src_version.empty()) src_version = p.version;
    p.source.name = src_name;
    p.source.version = src_version;
    by_name_arch[{p.name, p.arch}] = std::move(p);
    return Status::Ok();
  });
  if (!missing.empty() && saw_vcpkg_key) {
    db.is_vcpkg = true;
    return db;
  }
  if (!st.ok()) return st;
  if (!missing.empty()) return Corrupt(missing);
  if (!saw_status_field && !TrimSpace(text).empty()) return Corrupt("no stanza has a Status field");
  for (auto& [k, p] : by_name_arch) db.packages.push_back(std::move(p));
  SortPackages(&db.packages);
  return db;
}

Result<std::vector<Package>> ParseDistrolessStatus(std::string_view text, std::string_view db_path) {
  std::vector<Package> out;
  Status st = ForEachStanza(text, [&](const Stanza& s) -> Status {
    std::string_view name = s.Get("Package"), version = s.Get("Version");
    if (name.empty() || version.empty()) return Status::Ok();
    Package p;
    p.name = std::string(name);
    p.version = std::string(version);
    p.kind = PackageKind::kBinary;
    p.arch = std::string(s.Get("Architecture"));
    p.package_db = std::string(db_path);
    std::string src_name, src_version;
    SplitSource(s.Get("Source"), &src_name, &src_version);
    if (!src_name.empty()) {
      // claircore gives the source the binary's version here.
      p.source.name = src_name;
      p.source.version = p.version;
    }
    out.push_back(std::move(p));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  SortPackages(&out);
  return out;
}

namespace {

class DpkgSession final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override {
    std::string_view base = Basename(e.path);
    if (base == "status") return true;
    // info/<pkg>[:arch].md5sums, hashed for the repository hint.
    return EndsWith(base, ".md5sums") && Basename(Dirname(e.path)) == "info";
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (EndsWith(e.path, ".md5sums")) {
      Hasher h(HashAlgorithm::kMd5);
      char buf[16384];
      for (;;) {
        LUCID_ASSIGN_OR_RETURN(size_t n, content.Read(buf, sizeof buf));
        if (n == 0) break;
        h.Update(buf, n);
      }
      md5sums_[e.path] = h.FinishHex();
      return Status::Ok();
    }
    auto text = ReadAll(content, indexer::kMaxBufferedFile);
    if (!text.ok()) {
      // Only fatal if this turns out to be a database (decided in Finish).
      dbs_.insert_or_assign(e.path, Result<ParsedStatusDb>(text.status().WithContext(e.path)));
      return Status::Ok();
    }
    // Parse now and keep only the result: whether this is a database at all
    // (an info/ sibling) is known in Finish.
    dbs_.insert_or_assign(e.path, ParseDpkgStatus(*text, e.path));
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles& files, indexer::LayerArtifacts* out) override {
    for (auto& [path, parsed] : dbs_) {
      std::string dir(Dirname(path));
      if (!HasInfoDir(files, dir)) continue;
      if (!parsed.ok() && parsed.status().code() != StatusCode::kCorrupt) return parsed.status();
      if (!parsed.ok()) {
        out->notes.push_back({"", std::string(kDpkgName), "unknown-package-db-format",
                              "not a dpkg status database: " + parsed.status().message(), path});
        continue;
      }
      if (parsed->is_vcpkg) continue;
      for (auto& p : parsed->packages) {
        std::string info = Join(dir, "info/");
        auto it = md5sums_.find(info + p.name + ":" + p.arch + ".md5sums");
        if (it == md5sums_.end()) it = md5sums_.find(info + p.name + ".md5sums");
        if (it != md5sums_.end()) p.repository_hint = it->second;
        out->packages.push_back(std::move(p));
      }
    }
    return Status::Ok();
  }

 private:
  static bool HasInfoDir(const indexer::LayerFiles& files, const std::string& dir) {
    std::string info = Join(dir, "info");
    if (const auto* e = files.Find(info); e != nullptr && e->type == indexer::EntryType::kDirectory) return true;
    // Tars need not carry directory entries; any member below info/ will do.
    std::string prefix = info + "/";
    auto it = files.entries().lower_bound(prefix);
    return it != files.entries().end() && StartsWith(it->first, prefix);
  }

  std::map<std::string, Result<ParsedStatusDb>> dbs_;
  std::map<std::string, std::string> md5sums_;
};

class DistrolessSession final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry& e) override {
    return Basename(Dirname(e.path)) == "status.d" && !EndsWith(e.path, ".md5sums");
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    auto text = ReadAll(content, indexer::kMaxBufferedFile);
    if (!text.ok()) return text.status().WithContext(e.path);
    auto pkgs = ParseDistrolessStatus(*text, e.path);
    if (!pkgs.ok()) {
      notes_.push_back({"", std::string(kDistrolessName), "unknown-package-db-format",
                        "not a dpkg status.d file: " + pkgs.status().message(), e.path});
      return Status::Ok();
    }
    for (auto& p : *pkgs) packages_.push_back(std::move(p));
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    for (auto& p : packages_) out->packages.push_back(std::move(p));
    for (auto& n : notes_) out->notes.push_back(std::move(n));
    return Status::Ok();
  }

 private:
  std::vector<Package> packages_;
  std::vector<ScanNote> notes_;
};

class DpkgScanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kDpkgName; }
  std::string_view version() const override { return "7"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<DpkgSession>(); }
};

class DistrolessScanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kDistrolessName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<DistrolessSession>(); }
};

}  // namespace

std::shared_ptr<const indexer::Scanner> NewDpkgScanner() { return std::make_shared<DpkgScanner>(); }
std::shared_ptr<const indexer::Scanner> NewDistrolessScanner() { return std::make_shared<DistrolessScanner>(); }

}  // namespace lucid::debian
