#include "ecosystems/gobin/gobin_scanner.h"

#include <cctype>
#include <map>

#include "base/log.h"
#include "base/strings.h"
#include "core/semver.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::gobin {
namespace {

constexpr std::string_view kName = "gobin";
constexpr size_t kMaxBinary = 512u << 20;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string StdlibVersion(std::string_view go) {
  go = go.substr(0, go.find(' '));
  if (StartsWith(go, "go")) go.remove_prefix(2);
  return std::string(go);
}

std::string DevelVersion(const BuildInfo& bi) {
  std::string vcs, rev, time;
  bool dirty = false;
  for (const auto& [k, v] : bi.settings) {
    if (k == "vcs") vcs = v;
    if (k == "vcs.revision") rev = v;
    if (k == "vcs.time") time = v;
    if (k == "vcs.modified") dirty = v == "true";
  }
  if (vcs.empty()) return "(devel)";
  std::string s = "(devel) (" + vcs;
  if (!rev.empty()) s += ", commit " + rev;
  if (!time.empty()) s += ", built at " + time;
  if (dirty) s += ", dirty";
  return s + ")";
}

Package Make(const std::string& name, const std::string& version, const std::string& path) {
  Package p;
  p.name = name;
  p.version = version;
  p.kind = PackageKind::kBinary;
  p.package_db = "go:" + path;
  p.filepath = path;
  p.normalized_version = GoVersionVector(version);
  return p;
}

// Toolchain spelling -> semver: "1.21rc2" -> "1.21.0-rc.2", "1.20" -> "1.20.0".
std::string ToolchainToSemver(std::string_view v) {
  if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
  size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  std::string core(v.substr(0, i));
  std::string_view rest = v.substr(i);
  while (!core.empty() && core.back() == '.') core.pop_back();
  size_t dots = 0;
  for (char c : core) dots += c == '.';
  for (; dots < 2; ++dots) core += ".0";
  std::string pre;
  for (std::string_view tag : {"rc", "beta", "alpha"}) {
    if (StartsWith(rest, tag) && AllDigits(rest.substr(tag.size())))
      pre = "-" + std::string(tag) + "." + std::string(rest.substr(tag.size()));
  }
  if (pre.empty() && !rest.empty()) return std::string(v);  // not a toolchain spelling; let semver reject it
  return core + pre;
}

}  // namespace

NormalizedVersion GoVersionVector(std::string_view v) {
  if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
  std::string_view core = v.substr(0, v.find_first_of("-+"));
  auto parts = SplitString(core, '.');
  if (parts.empty() || parts.size() > 3) return {};
  NormalizedVersion nv;
  nv.kind = "semver";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!AllDigits(parts[i])) return {};
    std::string_view d = parts[i].substr(0, 9);
    nv.v[1 + i] = static_cast<int32_t>(std::stol(std::string(d)));
  }
  return nv;
}

NormalizedVersion GoMatchVector(std::string_view v) {
  NormalizedVersion nv = GoVersionVector(v);
  return nv.empty() ? GoVersionVector(ToolchainToSemver(v)) : nv;
}

Result<int> CompareGoVersions(std::string_view a, std::string_view b) {
  auto parse = [](std::string_view s) -> Result<Semver> {
    auto v = Semver::Parse(s);
    if (v.ok()) return v;
    return Semver::Parse(ToolchainToSemver(s));
  };
  LUCID_ASSIGN_OR_RETURN(Semver x, parse(a));
  LUCID_ASSIGN_OR_RETURN(Semver y, parse(b));
  return CompareSemver(x, y);
}

std::vector<Package> PackagesOf(const BuildInfo& bi, const std::string& path) {
  std::vector<Package> out;
  out.push_back(Make("stdlib", StdlibVersion(bi.go_version), path));
  if (bi.has_main) {
    std::string name = bi.main.path.empty() ? "command-line-arguments" : bi.main.path;
    std::string version = bi.main.version;
    if (version.empty() || version == "(devel)") version = DevelVersion(bi);
    out.push_back(Make(name, version, path));
  }
  for (const auto& d : bi.deps) {
    if (!d.replace_path.empty()) {
      out.push_back(Make(d.replace_path, d.replace_version, path));
    } else {
      out.push_back(Make(d.path, d.version, path));
    }
  }
  return out;
}

namespace {

bool InterestingOwned(std::string_view p) { return !StartsWith(p, "usr/share/") && !StartsWith(p, "etc/"); }

class Session final : public indexer::ScanSession {
 public:
  Session() : owned_(InterestingOwned, /*rpm_executables_only=*/true) {}

  bool Wants(const indexer::FileEntry& e) override {
    if (e.type != indexer::EntryType::kRegular) return false;
    if (lang::OsOwnedFiles::IsOwnerSource(e)) return true;
    return (e.mode & 0111) != 0 && e.size >= 64;
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (lang::OsOwnedFiles::IsOwnerSource(e)) return owned_.Consume(e, content);
    found_.erase(e.path);
    char head[4];
    size_t have = 0;
    while (have < sizeof head) {
      LUCID_ASSIGN_OR_RETURN(size_t n, content.Read(head + have, sizeof head - have));
      if (n == 0) break;
      have += n;
    }
    if (!LooksLikeExecutable(std::string_view(head, have))) return Status::Ok();
    if (e.size > kMaxBinary) {
      log::Debug("gobin", "executable too large to inspect; skipped", {{"path", e.path}});
      return Status::Ok();
    }
    std::string bytes(head, have);
    bytes.reserve(e.size);
    char buf[65536];
    for (;;) {
      LUCID_ASSIGN_OR_RETURN(size_t n, content.Read(buf, sizeof buf));
      if (n == 0) break;
      if (bytes.size() + n > kMaxBinary) return Corrupt("layer member longer than its header says");
      bytes.append(buf, n);
    }
    auto bi = ReadBuildInfo(bytes);
    if (!bi.ok()) {
      if (bi.status().code() != StatusCode::kNotFound) {
        log::Debug("gobin", "unreadable Go build info; skipped", {{"path", e.path}, {"error", bi.status().message()}});
      }
      return Status::Ok();
    }
    found_[e.path] = PackagesOf(*bi, e.path);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    std::vector<Package> pkgs;
    for (auto& [path, list] : found_) {
      for (auto& p : list) pkgs.push_back(std::move(p));
    }
    if (pkgs.empty()) return Status::Ok();
    lang::MarkOsManaged(owned_, kName, "go", &pkgs, out);
    for (auto& p : pkgs) out->packages.push_back(std::move(p));
    out->repositories.push_back(lang::GoRepository());
    return Status::Ok();
  }

 private:
  lang::OsOwnedFiles owned_;
  std::map<std::string, std::vector<Package>> found_;
};

class Scanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

std::shared_ptr<const indexer::Scanner> NewGobinScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::gobin
