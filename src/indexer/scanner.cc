#include "indexer/scanner.h"

#include "base/strings.h"

namespace lucid::indexer {

std::string_view ScannerKindName(ScannerKind k) {
  switch (k) {
    case ScannerKind::kPackage:
      return "package";
    case ScannerKind::kDistribution:
      return "distribution";
    case ScannerKind::kRepository:
      return "repository";
    case ScannerKind::kFile:
      return "file";
  }
  return "package";
}

std::string Scanner::key() const {
  return std::string(name()) + "/" + std::string(version()) + "/" + std::string(ScannerKindName(kind()));
}

const FileEntry* LayerFiles::Find(std::string_view path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

namespace {
// Joins `base_dir` and a link target and normalises the result inside the
// root: ".." never climbs above the root (chroot semantics).
std::string JoinInsideRoot(std::string_view base_dir, std::string_view target) {
  std::vector<std::string> parts;
  auto push = [&parts](std::string_view p) {
    for (auto seg : SplitString(p, '/')) {
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.emplace_back(seg);
    }
  };
  if (!target.empty() && target[0] != '/') push(base_dir);
  push(target);
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}
}  // namespace

Result<std::string> LayerFiles::Resolve(std::string_view path) const {
  std::string cur(path);
  for (int hops = 0; hops < 40; ++hops) {
    // Resolve symlinked parents first, component by component.
    std::string resolved;
    bool changed = false;
    auto segs = SplitString(cur, '/');
    for (size_t i = 0; i < segs.size(); ++i) {
      std::string next = resolved.empty() ? std::string(segs[i]) : resolved + "/" + std::string(segs[i]);
      const FileEntry* e = Find(next);
      if (e != nullptr && i + 1 < segs.size() && e->type == EntryType::kSymlink) {
        std::string dir = resolved;
        next = JoinInsideRoot(dir, e->link_target);
        changed = true;
      }
      resolved = next;
    }
    const FileEntry* e = Find(resolved);
    if (e == nullptr) {
      if (changed) {
        cur = resolved;
        continue;
      }
      return NotFound("no such file in layer: " + resolved);
    }
    if (e->type == EntryType::kSymlink) {
      auto slash = resolved.rfind('/');
      std::string dir = slash == std::string::npos ? "" : resolved.substr(0, slash);
      cur = JoinInsideRoot(dir, e->link_target);
      continue;
    }
    if (e->type == EntryType::kHardlink) {
      cur = e->link_target;
      continue;
    }
    return resolved;
  }
  return Corrupt("too many levels of symbolic links resolving " + std::string(path));
}

}  // namespace lucid::indexer
