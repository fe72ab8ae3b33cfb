#include "ecosystems/python/dist_scanner.h"

#include <map>

#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/lang/lang_common.h"
#include "ecosystems/python/pep440.h"

namespace lucid::python {
namespace {

constexpr std::string_view kName = "python";
constexpr size_t kMaxMetadata = 64u << 20;

std::string_view Dirname(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
}

bool IsMetadataPath(std::string_view p) {
  return EndsWith(p, ".dist-info/METADATA") || EndsWith(p, ".egg-info/PKG-INFO") ||
         EndsWith(p, ".egg/EGG-INFO/PKG-INFO") || EndsWith(p, ".egg-info");
}

}  // namespace

std::optional<DistMetadata> ParseMetadata(std::string_view text) {
  DistMetadata m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimSpace(line).empty()) break;               // end of the header block
    if (line[0] == ' ' || line[0] == '\t') continue;  // continuation of a field we do not need
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = TrimSpace(line.substr(0, colon));
    std::string_view value = TrimSpace(line.substr(colon + 1));
    if (EqualsIgnoreCase(key, "Name") && m.name.empty()) m.name = std::string(value);
    if (EqualsIgnoreCase(key, "Version") && m.version.empty()) m.version = std::string(value);
  }
  if (m.name.empty() || m.version.empty()) return std::nullopt;
  return m;
}

std::string NormalizeName(std::string_view name) {
  std::string out;
  bool sep = false;
  for (char c : TrimSpace(name)) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out += '-';
    sep = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

class Session final : public indexer::ScanSession {
 public:
  Session() : owned_(IsMetadataPath) {}

  bool Wants(const indexer::FileEntry& e) override {
    if (e.type != indexer::EntryType::kRegular) return false;
    return IsMetadataPath(e.path) || EndsWith(e.path, ".dist-info/INSTALLER") || lang::OsOwnedFiles::IsOwnerSource(e);
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (lang::OsOwnedFiles::IsOwnerSource(e)) return owned_.Consume(e, content);
    if (EndsWith(e.path, "/INSTALLER")) {
      auto text = ReadAll(content, 4096);
      if (text.ok()) installers_[std::string(Dirname(e.path))] = std::string(TrimSpace(*text));
      return Status::Ok();
    }
    auto text = ReadAll(content, kMaxMetadata);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kTooLarge) return text.status();
      log::Debug("python", "metadata too large; skipped", {{"path", e.path}});
      return Status::Ok();
    }
    found_.erase(e.path);
    auto m = ParseMetadata(*text);
    if (!m) {
      log::Debug("python", "metadata without Name/Version", {{"path", e.path}});
      return Status::Ok();
    }
    auto v = Pep440Version::Parse(m->version);
    if (!v.ok()) {
      log::Debug("python", "version is not PEP 440; skipped", {{"path", e.path}, {"version", m->version}});
      return Status::Ok();
    }
    Package p;
    p.name = NormalizeName(m->name);
    p.version = v->str();
    p.kind = PackageKind::kBinary;
    p.normalized_version = Pep440Vector(*v);
    p.filepath = e.path;
    // The directory holding the distributions: two levels up from
    // <dir>/<x>.dist-info/METADATA, one from a bare <dir>/<x>.egg-info.
    std::string_view dir = Dirname(e.path);
    if (!EndsWith(e.path, ".egg-info")) dir = Dirname(dir);
    if (EndsWith(e.path, "EGG-INFO/PKG-INFO")) dir = Dirname(dir);
    p.package_db = "python:" + std::string(dir);
    p.repository_hint = "https://pypi.org/simple";
    found_[e.path] = std::move(p);
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    if (found_.empty()) return Status::Ok();
    std::vector<Package> pkgs;
    for (auto& [path, p] : found_) {
      // pip records who installed a wheel; a distribution package manager
      // writes its own name there.
      auto it = installers_.find(std::string(Dirname(path)));
      if (it != installers_.end() &&
          (it->second == "dpkg" || it->second == "rpm" || it->second == "apk" || it->second == "debian")) {
        p.os_managed = true;
      }
      pkgs.push_back(std::move(p));
    }
    lang::MarkOsManaged(owned_, kName, "python", &pkgs, out);
    for (auto& p : pkgs) out->packages.push_back(std::move(p));
    out->repositories.push_back(lang::PypiRepository());
    return Status::Ok();
  }

 private:
  lang::OsOwnedFiles owned_;
  std::map<std::string, Package> found_;
  std::map<std::string, std::string> installers_;
};

class Scanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return kName; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kPackage; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override { return std::make_unique<Session>(); }
};

}  // namespace

std::shared_ptr<const indexer::Scanner> NewDistScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::python
