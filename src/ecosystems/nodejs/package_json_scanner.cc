#include "ecosystems/nodejs/package_json_scanner.h"

#include <boost/json.hpp>
#include <map>

#include "base/log.h"
#include "base/strings.h"
#include "core/semver.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::nodejs {
namespace {

constexpr std::string_view kName = "nodejs";
constexpr size_t kMaxManifest = 8u << 20;  // package.json files are KBs; refuse absurd ones
constexpr std::string_view kNodeModules = "node_modules/";

std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

bool ValidNameSegment(std::string_view s) { return !s.empty() && s != "." && s != ".." && s != "node_modules"; }

// The part of `dir` after its last "node_modules/" names a package root:
// "name" or "@scope/name".
bool IsPackageRootDir(std::string_view dir) {
  size_t at = dir.rfind(kNodeModules);
  if (at == std::string_view::npos || (at != 0 && dir[at - 1] != '/')) return false;
  std::string_view rest = dir.substr(at + kNodeModules.size());
  auto segs = SplitString(rest, '/');
  if (segs.size() == 1) return ValidNameSegment(segs[0]) && segs[0][0] != '@';
  if (segs.size() == 2) return segs[0].size() > 1 && segs[0][0] == '@' && ValidNameSegment(segs[1]);
  return false;
}

}  // namespace

std::optional<PackageJson> ParsePackageJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto name = o.find("name");
  auto version = o.find("version");
  if (name == o.end() || version == o.end() || !name->value().is_string() || !version->value().is_string()) {
    return std::nullopt;
  }
  PackageJson p{std::string(name->value().get_string()), std::string(version->value().get_string())};
  if (TrimSpace(p.name).empty() || TrimSpace(p.version).empty()) return std::nullopt;
  return p;
}

bool IsInstalledManifest(std::string_view path) {
  constexpr std::string_view kSuffix = "/package.json";
  if (!EndsWith(path, kSuffix)) return false;
  return IsPackageRootDir(path.substr(0, path.size() - kSuffix.size()));
}

namespace {

bool InterestingOwned(std::string_view p) { return Basename(p) == "package.json"; }

class Session final : public indexer::ScanSession {
 public:
  Session() : owned_(InterestingOwned) {}

  bool Wants(const indexer::FileEntry& e) override {
    if (e.type != indexer::EntryType::kRegular) return false;
    return Basename(e.path) == "package.json" || lang::OsOwnedFiles::IsOwnerSource(e);
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (Basename(e.path) != "package.json") return owned_.Consume(e, content);
    auto text = ReadAll(content, kMaxManifest);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kTooLarge) return text.status();
      log::Debug("nodejs", "package.json too large; skipped", {{"path", e.path}});
      return Status::Ok();
    }
    auto parsed = ParsePackageJson(*text);
    if (!parsed) {
      manifests_.erase(e.path);  // a later duplicate member replaces the earlier one
      if (IsInstalledManifest(e.path)) log::Debug("nodejs", "package.json without name/version", {{"path", e.path}});
      return Status::Ok();
    }
    manifests_[e.path] = std::move(*parsed);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles& files, indexer::LayerArtifacts* out) override {
    std::vector<Package> pkgs;
    for (const auto& [path, m] : manifests_) {
      if (IsInstalledManifest(path)) pkgs.push_back(MakePackage(m, path));
    }
    // Workspaces: node_modules/<name> is a symlink to the package's folder.
    for (const auto& [path, e] : files.entries()) {
      if (e.type != indexer::EntryType::kSymlink || !IsPackageRootDir(path)) continue;
      std::string manifest = path + "/package.json";
      if (manifests_.count(manifest)) continue;  // already a real file below the link
      auto target = files.Resolve(manifest);
      if (!target.ok()) continue;
      auto it = manifests_.find(*target);
      if (it == manifests_.end()) continue;
      pkgs.push_back(MakePackage(it->second, manifest));
    }
    if (pkgs.empty()) return Status::Ok();
    lang::MarkOsManaged(owned_, kName, "npm", &pkgs, out);
    for (auto& p : pkgs) out->packages.push_back(std::move(p));
    out->repositories.push_back(lang::NpmRepository());
    return Status::Ok();
  }

 private:
  static Package MakePackage(const PackageJson& m, const std::string& path) {
    Package p;
    p.name = m.name;
    p.version = m.version;
    p.kind = PackageKind::kBinary;
    p.package_db = "nodejs:" + path;
    p.filepath = path;
    p.repository_hint = "npm";
    if (auto sv = Semver::Parse(m.version); sv.ok()) p.normalized_version = SemverVector(*sv);
    return p;
  }

  lang::OsOwnedFiles owned_;
  std::map<std::string, PackageJson> manifests_;
};

class Scanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

std::shared_ptr<const indexer::Scanner> NewPackageJsonScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::nodejs
