// Scanner plug-in interface. Every ecosystem contributes scanners; the layer
// reader streams each layer's tar exactly once and offers every regular file
// to every scanner session that wants it.
//
// Lifecycle per layer (one ScanSession per scanner per layer, single thread):
//   for each entry:   if (s->Wants(entry)) s->Consume(entry, content)
//   at the end:       s->Finish(files, &artifacts)
// Content is streamed: a session that buffers must cap what it keeps
// (kMaxBufferedFile) and report TooLarge instead of growing without bound.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "core/model.h"

namespace lucid::indexer {

inline constexpr size_t kMaxBufferedFile = 256u << 20;  // a package DB larger than this is refused

enum class EntryType { kRegular, kDirectory, kSymlink, kHardlink, kOther };

// One tar member, with its path normalised: no leading "/" or "./", no "."
// or ".." segments, intermediate symlinked directories of the same layer
// resolved.
struct FileEntry {
  std::string path;
  EntryType type = EntryType::kRegular;
  uint64_t size = 0;
  uint32_t mode = 0;
  std::string link_target;  // symlink: as written; hardlink: normalised path
};

// Every member of one layer, available to sessions in Finish().
class LayerFiles {
 public:
  void Add(const FileEntry& e) { entries_[e.path] = e; }
  const FileEntry* Find(std::string_view path) const;
  // Follows symlinks (relative or absolute, resolved inside the layer root)
  // and hardlinks; returns the final path, or NotFound / Corrupt (loop).
  Result<std::string> Resolve(std::string_view path) const;
  const std::map<std::string, FileEntry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, FileEntry, std::less<>> entries_;
};

// What a scanner found in one layer. Stored per (layer, scanner) so that a
// layer is never scanned twice by the same scanner version.
struct LayerArtifacts {
  std::vector<Package> packages;
  std::vector<Distribution> distributions;
  std::vector<Repository> repositories;
  std::vector<std::string> whiteouts;  // paths of ".wh.*" entries, as in the tar
  std::vector<ScanNote> notes;         // why something was not found / skipped
};

class ScanSession {
 public:
  virtual ~ScanSession() = default;
  // Called for regular files (and for links whose target is a regular file:
  // the reader then delivers the target's bytes under the link's path).
  virtual bool Wants(const FileEntry& entry) = 0;
  virtual Status Consume(const FileEntry& entry, Reader& content) = 0;
  // Called once after the last entry. A non-OK status fails the layer; use
  // notes for "found nothing because ..." conditions instead.
  virtual Status Finish(const LayerFiles& files, LayerArtifacts* out) = 0;
};

enum class ScannerKind { kPackage, kDistribution, kRepository, kFile };
std::string_view ScannerKindName(ScannerKind k);

class Scanner {
 public:
  virtual ~Scanner() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view version() const = 0;
  virtual ScannerKind kind() const = 0;
  virtual std::unique_ptr<ScanSession> NewSession() const = 0;
  // "name/version/kind", the key under which results are stored.
  std::string key() const;
};

}  // namespace lucid::indexer
