#include "ecosystems/java/jar_scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "base/hash.h"
#include "base/log.h"
#include "base/strings.h"
#include "ecosystems/java/jar.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::java {
namespace {

constexpr std::string_view kName = "java";
constexpr uint64_t kMinZip = 22;  // an empty zip: just the end-of-central-directory record

Package ToPackage(const JarInfo& info, const std::string& path) {
  Package p;
  p.name = info.name;
  p.version = info.version;
  p.kind = PackageKind::kBinary;
  p.filepath = path;
  p.repository_hint = "sha1:" + info.sha1;
  std::string chain = info.origin;
  if (info.source != JarInfo::Source::kFileName) {
    size_t colon = chain.rfind(':');
    if (colon != std::string::npos) chain.resize(colon);
  }
  const char* prefix = info.source == JarInfo::Source::kPom        ? "maven:"
                       : info.source == JarInfo::Source::kManifest ? "jar:"
                                                                   : "file:";
  p.package_db = prefix + chain;
  return p;
}

class Session final : public indexer::ScanSession {
 public:
  Session() : owned_([](std::string_view p) { return IsJavaArchiveName(p); }) {}

  bool Wants(const indexer::FileEntry& e) override {
    if (e.type != indexer::EntryType::kRegular) return false;
    if (IsJavaArchiveName(e.path)) return e.size >= kMinZip;
    return lang::OsOwnedFiles::IsOwnerSource(e);
  }

  Status Consume(const indexer::FileEntry& e, Reader& content) override {
    if (!IsJavaArchiveName(e.path)) return owned_.Consume(e, content);
    found_.erase(e.path);
    Hasher h(HashAlgorithm::kSha1);
    Result<std::vector<JarInfo>> infos = std::vector<JarInfo>{};
    if (e.size <= JarLimits{}.max_in_memory) {
      std::string bytes;
      bytes.reserve(e.size);
      char buf[65536];
      for (;;) {
        LUCID_ASSIGN_OR_RETURN(size_t n, content.Read(buf, sizeof buf));
        if (n == 0) break;
        if (bytes.size() + n > JarLimits{}.max_in_memory) return Corrupt("layer member longer than its header says");
        bytes.append(buf, n);
        h.Update(buf, n);
      }
      infos = ParseJar(bytes, e.path, h.FinishHex());
    } else {
      LUCID_ASSIGN_OR_RETURN(TempFile tf, TempFile::Create("lucid-jar"));
      int fd = ::open(tf.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0) return Unavailable("open spool file " + tf.path() + ": " + std::strerror(errno));
      std::unique_ptr<char[]> buf(new char[1 << 20]);
      Status st;
      for (;;) {
        auto n = content.Read(buf.get(), 1 << 20);
        if (!n.ok()) {
          st = n.status();
          break;
        }
        if (*n == 0) break;
        h.Update(buf.get(), *n);
        if (::write(fd, buf.get(), *n) != static_cast<ssize_t>(*n)) {
          st = Unavailable("write spool file " + tf.path() + ": " + std::strerror(errno));
          break;
        }
      }
      ::close(fd);
      LUCID_RETURN_IF_ERROR(st);
      infos = ParseJarFile(tf.path(), e.path, h.FinishHex());
    }
    if (!infos.ok()) {
      log::Debug("java", "not a zip archive; skipped", {{"path", e.path}, {"error", infos.status().message()}});
      return Status::Ok();
    }
    if (infos->empty()) {
      log::Debug("java", "archive without name/version evidence", {{"path", e.path}});
      return Status::Ok();
    }
    auto& list = found_[e.path];
    for (const auto& i : *infos) list.push_back(ToPackage(i, e.path));
    return Status::Ok();
  }

  Status Finish(const indexer::LayerFiles&, indexer::LayerArtifacts* out) override {
    std::vector<Package> pkgs;
    for (auto& [path, list] : found_) {
      for (auto& p : list) pkgs.push_back(std::move(p));
    }
    if (pkgs.empty()) return Status::Ok();
    lang::MarkOsManaged(owned_, kName, "java", &pkgs, out);
    for (auto& p : pkgs) out->packages.push_back(std::move(p));
    out->repositories.push_back(lang::MavenRepository());
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

std::shared_ptr<const indexer::Scanner> NewJarScanner() { return std::make_shared<Scanner>(); }

}  // namespace lucid::java
