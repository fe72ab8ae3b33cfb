#include "ecosystems/java/jar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/hash.h"
#include "base/io.h"
#include "base/log.h"
#include "base/strings.h"

namespace lucid::java {
namespace {

std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

bool HasSpace(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

ArchivePtr NewZipReader() {
  ArchivePtr a(archive_read_new());
  if (a) {
    // The seekable reader trusts the central directory (as the JVM does),
    // which also copes with a script prepended to the zip.
    archive_read_support_format_zip_seekable(a.get());
  }
  return a;
}

// Reads the current entry's data, at most `limit` bytes; nullopt if longer
// or unreadable (encrypted, corrupt).
std::optional<std::string> ReadSmall(struct archive* a, size_t limit) {
  std::string out;
  char buf[16384];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > limit) return std::nullopt;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

struct Ctx {
  JarLimits limits;
  uint64_t inflated = 0;
  // Bytes of enclosing archives held in memory right now: nested members
  // share one max_in_memory budget with them, so depth cannot multiply it.
  size_t held = 0;
};

Result<std::vector<JarInfo>> ParseOpened(struct archive* a, std::string_view path, const std::string& sha1, int depth,
                                         Ctx& ctx);

Result<std::vector<JarInfo>> ParseMemory(std::string_view bytes, std::string_view path, const std::string& sha1,
                                         int depth, Ctx& ctx) {
  ArchivePtr a = NewZipReader();
  if (!a) return Internal("archive_read_new failed");
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return Corrupt("not a zip archive: " +
                   std::string(archive_error_string(a.get()) ? archive_error_string(a.get()) : ""));
  }
  return ParseOpened(a.get(), path, sha1, depth, ctx);
}

Result<std::vector<JarInfo>> ParseFile(const std::string& file, std::string_view path, const std::string& sha1,
                                       int depth, Ctx& ctx) {
  ArchivePtr a = NewZipReader();
  if (!a) return Internal("archive_read_new failed");
  if (archive_read_open_filename(a.get(), file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return Corrupt("not a zip archive: " +
                   std::string(archive_error_string(a.get()) ? archive_error_string(a.get()) : ""));
  }
  return ParseOpened(a.get(), path, sha1, depth, ctx);
}

// Parses the nested archive that is the current entry of `a`: buffered in
// memory up to the limit, else spooled to a temporary file.
void ParseNested(struct archive* a, const std::string& origin, int depth, Ctx& ctx, std::vector<JarInfo>* out) {
  Hasher h(HashAlgorithm::kSha1);
  std::string mem;
  std::optional<TempFile> spool;
  int fd = -1;
  char buf[65536];
  bool ok = true;
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) {
      ok = false;
      break;
    }
    if (n == 0) break;
    ctx.inflated += static_cast<uint64_t>(n);
    if (ctx.inflated > ctx.limits.max_total_bytes) {
      ok = false;
      log::Debug("java", "nested archives exceed the inflation budget; rest skipped", {{"archive", origin}});
      break;
    }
    h.Update(buf, static_cast<size_t>(n));
    size_t budget = ctx.limits.max_in_memory - std::min(ctx.held, ctx.limits.max_in_memory);
    if (fd < 0 && mem.size() + static_cast<size_t>(n) > budget) {
      auto tf = TempFile::Create("lucid-jar");
      if (!tf.ok()) {
        ok = false;
        break;
      }
      spool.emplace(std::move(*tf));
      fd = ::open(spool->path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0 || ::write(fd, mem.data(), mem.size()) != static_cast<ssize_t>(mem.size())) {
        ok = false;
        break;
      }
      mem.clear();
      mem.shrink_to_fit();
    }
    if (fd >= 0) {
      if (::write(fd, buf, static_cast<size_t>(n)) != n) {
        ok = false;
        break;
      }
    } else {
      mem.append(buf, static_cast<size_t>(n));
    }
  }
  if (fd >= 0) ::close(fd);
  if (!ok) {
    log::Debug("java", "nested archive unreadable; skipped", {{"archive", origin}});
    return;
  }
  std::string sha1 = h.FinishHex();
  ctx.held += mem.size();
  auto infos = spool ? ParseFile(spool->path(), origin, sha1, depth, ctx) : ParseMemory(mem, origin, sha1, depth, ctx);
  ctx.held -= mem.size();
  if (!infos.ok()) {
    log::Debug("java", "nested archive is not a zip; skipped",
               {{"archive", origin}, {"error", infos.status().message()}});
    return;
  }
  for (auto& i : *infos) out->push_back(std::move(i));
}

Result<std::vector<JarInfo>> ParseOpened(struct archive* a, std::string_view path, const std::string& sha1, int depth,
                                         Ctx& ctx) {
  std::vector<JarInfo> poms, nested;
  std::optional<std::string> manifest;
  bool has_meta_inf = false;
  bool any = false;
  struct archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (!any)
        return Corrupt("not a zip archive: " + std::string(archive_error_string(a) ? archive_error_string(a) : ""));
      log::Debug("java", "archive truncated or corrupt; later members skipped", {{"archive", std::string(path)}});
      break;
    }
    any = true;
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) continue;
    std::string name = SanitizeUtf8(raw);
    if (StartsWith(name, "META-INF/") || name == "META-INF") has_meta_inf = true;
    if (archive_entry_filetype(e) == AE_IFDIR || EndsWith(name, "/")) continue;
    if (Basename(name) == "pom.properties") {
      auto text = ReadSmall(a, ctx.limits.max_metadata);
      if (!text) continue;
      if (auto info = InfoFromPomProperties(*text)) {
        info->origin = std::string(path) + ":" + name;
        info->sha1 = sha1;
        poms.push_back(std::move(*info));
      }
    } else if (name == "META-INF/MANIFEST.MF") {
      manifest = ReadSmall(a, ctx.limits.max_metadata);
    } else if (IsJavaArchiveName(name)) {
      if (depth + 1 > ctx.limits.max_depth) {
        log::Debug("java", "archives nested too deep; skipped", {{"archive", std::string(path) + ":" + name}});
        continue;
      }
      ParseNested(a, std::string(path) + ":" + name, depth + 1, ctx, &nested);
    }
  }
  std::vector<JarInfo> out;
  if (has_meta_inf && !poms.empty()) {
    out = std::move(poms);
  } else if (std::optional<JarInfo> m = manifest ? InfoFromManifest(*manifest) : std::nullopt) {
    m->origin = std::string(path) + ":META-INF/MANIFEST.MF";
    m->sha1 = sha1;
    out.push_back(std::move(*m));
  } else if (auto f = InfoFromFileName(path)) {
    f->origin = std::string(path);
    f->sha1 = sha1;
    out.push_back(std::move(*f));
  }
  for (auto& n : nested) out.push_back(std::move(n));
  return out;
}

}  // namespace

bool IsJavaArchiveName(std::string_view path) {
  std::string_view base = Basename(path);
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string ext = ToLower(base.substr(dot + 1));
  return ext == "jar" || ext == "war" || ext == "ear" || ext == "jpi" || ext == "hpi";
}

Result<std::vector<JarInfo>> ParseJar(std::string_view bytes, std::string_view path, const std::string& sha1,
                                      const JarLimits& limits) {
  Ctx ctx{limits};
  ctx.held = bytes.size();
  return ParseMemory(bytes, path, sha1, 0, ctx);
}

Result<std::vector<JarInfo>> ParseJarFile(const std::string& file, std::string_view path, const std::string& sha1,
                                          const JarLimits& limits) {
  Ctx ctx{limits};
  return ParseFile(file, path, sha1, 0, ctx);
}

std::optional<std::map<std::string, std::string>> ParseManifestMain(std::string_view text) {
  std::map<std::string, std::string> h;
  std::string last;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (last.empty()) return std::nullopt;
      std::string_view more = TrimSpace(line);
      if (!more.empty()) {
        std::string& value = h[last];
        value.push_back(' ');
        value.append(more);
      }
      continue;
    }
    if (StartsWith(line, "Name:")) break;  // an individual section starts
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    last = ToLower(TrimSpace(line.substr(0, colon)));
    if (last.empty()) return std::nullopt;
    if (!h.count(last)) h[last] = std::string(TrimSpace(line.substr(colon + 1)));
  }
  if (h.empty()) return std::nullopt;
  auto mv = h.find("manifest-version");
  if (mv == h.end() || mv->second.empty()) return std::nullopt;
  for (char c : mv->second) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return std::nullopt;
  }
  if (h.count("name")) return std::nullopt;
  return h;
}

std::optional<JarInfo> InfoFromManifest(std::string_view text) {
  auto h = ParseManifestMain(text);
  if (!h) return std::nullopt;
  auto first = [&](std::initializer_list<const char*> keys, bool no_space, bool cut_semicolon) -> std::string {
    for (const char* k : keys) {
      auto it = h->find(k);
      if (it == h->end()) continue;
      std::string v = it->second;
      if (cut_semicolon && std::string_view(k) == "bundle-symbolicname") v = v.substr(0, v.find(';'));
      v = std::string(TrimSpace(v));
      if (v.empty() || (no_space && HasSpace(v))) continue;
      return v;
    }
    return "";
  };
  std::string group = first(
      {"group-id", "bundle-symbolicname", "implementation-vendor-id", "implementation-vendor", "specification-vendor"},
      true, true);
  std::string artifact = first(
      {"implementation-title", "specification-title", "bundle-name", "extension-name", "short-name"}, true, false);
  if (artifact == group) artifact.clear();
  std::string version =
      first({"bundle-version", "implementation-version", "plugin-version", "specification-version"}, false, false);
  std::string name = group.empty() ? artifact : artifact.empty() ? group : group + ":" + artifact;
  if (name.empty() || version.empty()) return std::nullopt;
  JarInfo info;
  info.source = JarInfo::Source::kManifest;
  info.name = std::move(name);
  info.version = std::move(version);
  return info;
}

std::optional<JarInfo> InfoFromPomProperties(std::string_view text) {
  std::string group, artifact, version;
  size_t pos = 0;
  while (pos < text.size() && (group.empty() || artifact.empty() || version.empty())) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        TrimSpace(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    size_t eq = line.find_first_of("=:");
    if (eq == std::string_view::npos) continue;
    std::string_view key = TrimSpace(line.substr(0, eq));
    std::string value(TrimSpace(line.substr(eq + 1)));
    if (key == "groupId")
      group = value;
    else if (key == "artifactId")
      artifact = value;
    else if (key == "version")
      version = value;
  }
  if (group.empty() || artifact.empty() || version.empty()) return std::nullopt;
  JarInfo info;
  info.source = JarInfo::Source::kPom;
  info.name = group + ":" + artifact;
  info.version = version;
  return info;
}

std::optional<JarInfo> InfoFromFileName(std::string_view path) {
  size_t colon = path.rfind(':');
  std::string_view base = Basename(colon == std::string_view::npos ? path : path.substr(colon + 1));
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  base = base.substr(0, dot);
  // "<name>-<digit...>": the first dash followed by a digit splits them.
  for (size_t i = 1; i + 1 < base.size(); ++i) {
    if (base[i] == '-' && std::isdigit(static_cast<unsigned char>(base[i + 1]))) {
      JarInfo info;
      info.source = JarInfo::Source::kFileName;
      info.name = std::string(base.substr(0, i));
      info.version = std::string(base.substr(i + 1));
      return info;
    }
  }
  return std::nullopt;
}

}  // namespace lucid::java
