#include "ecosystems/gobin/buildinfo.h"

#include <cstring>

#include "base/strings.h"

namespace lucid::gobin {
namespace {

constexpr std::string_view kMagic("\xff Go buildinf:", 14);
constexpr size_t kHeader = 32;
constexpr uint64_t kMaxString = 16u << 20;

uint64_t ReadUint(std::string_view b, size_t off, size_t n, bool big) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t byte = static_cast<unsigned char>(b[off + i]);
    v |= big ? byte << (8 * (n - 1 - i)) : byte << (8 * i);
  }
  return v;
}

// Reads a uvarint at `*off`; false when truncated or too long.
bool ReadUvarint(std::string_view b, size_t* off, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*off >= b.size()) return false;
    auto c = static_cast<unsigned char>(b[(*off)++]);
    v |= static_cast<uint64_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

bool ReadVarString(std::string_view b, size_t* off, std::string* out) {
  uint64_t n = 0;
  if (!ReadUvarint(b, off, &n)) return false;
  if (n > kMaxString || n > b.size() - *off) return false;
  *out = std::string(b.substr(*off, n));
  *off += n;
  return true;
}

struct Segment {
  uint64_t vaddr, offset, filesz;
};

// PT_LOAD segments of an ELF file; empty when not ELF or malformed.
std::vector<Segment> ElfLoadSegments(std::string_view f) {
  std::vector<Segment> out;
  if (f.size() < 52 || f.substr(0, 4) !=
                           "\x7f"
                           "ELF")
    return out;
  const bool is64 = f[4] == 2;
  const bool big = f[5] == 2;
  if ((f[4] != 1 && f[4] != 2) || (f[5] != 1 && f[5] != 2)) return out;
  if (is64 && f.size() < 64) return out;
  uint64_t phoff = is64 ? ReadUint(f, 32, 8, big) : ReadUint(f, 28, 4, big);
  uint64_t phentsize = is64 ? ReadUint(f, 54, 2, big) : ReadUint(f, 42, 2, big);
  uint64_t phnum = is64 ? ReadUint(f, 56, 2, big) : ReadUint(f, 44, 2, big);
  const uint64_t need = is64 ? 56 : 32;
  if (phentsize < need || phnum > 4096) return out;
  for (uint64_t i = 0; i < phnum; ++i) {
    uint64_t at = phoff + i * phentsize;
    if (at < phoff || at > f.size() || f.size() - at < need) break;
    if (ReadUint(f, at, 4, big) != 1) continue;  // PT_LOAD
    Segment s;
    if (is64) {
      s.offset = ReadUint(f, at + 8, 8, big);
      s.vaddr = ReadUint(f, at + 16, 8, big);
      s.filesz = ReadUint(f, at + 32, 8, big);
    } else {
      s.offset = ReadUint(f, at + 4, 4, big);
      s.vaddr = ReadUint(f, at + 8, 4, big);
      s.filesz = ReadUint(f, at + 16, 4, big);
    }
    out.push_back(s);
  }
  return out;
}

// Bytes [addr, addr+n) of the file image; false when unmapped.
bool ReadAt(std::string_view f, const std::vector<Segment>& segs, uint64_t addr, uint64_t n, std::string_view* out) {
  for (const auto& s : segs) {
    if (addr < s.vaddr || addr - s.vaddr >= s.filesz) continue;
    uint64_t rel = addr - s.vaddr;
    if (n > s.filesz - rel) return false;
    uint64_t off = s.offset + rel;
    if (off < s.offset || off > f.size() || n > f.size() - off) return false;
    *out = f.substr(off, n);
    return true;
  }
  return false;
}

// A Go string header {data, len} at `addr`, then its bytes.
bool ReadGoString(std::string_view f, const std::vector<Segment>& segs, uint64_t addr, size_t ptr, bool big,
                  std::string* out) {
  std::string_view hdr;
  if (!ReadAt(f, segs, addr, 2 * ptr, &hdr)) return false;
  uint64_t data = ReadUint(hdr, 0, ptr, big);
  uint64_t len = ReadUint(hdr, ptr, ptr, big);
  if (len > kMaxString) return false;
  std::string_view bytes;
  if (!ReadAt(f, segs, data, len, &bytes)) return false;
  *out = std::string(bytes);
  return true;
}

std::vector<std::string_view> Fields(std::string_view line) {
  auto parts = SplitString(line, '\t');
  return {parts.begin(), parts.end()};
}

}  // namespace

bool LooksLikeExecutable(std::string_view h) {
  if (h.size() < 4) return false;
  if (h.substr(0, 4) ==
      "\x7f"
      "ELF")
    return true;
  if (h.substr(0, 2) == "MZ") return true;
  static const char* kMachO[] = {"\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe"};
  for (const char* m : kMachO) {
    if (std::memcmp(h.data(), m, 4) == 0) return true;
  }
  return false;
}

BuildInfo ParseModInfo(std::string_view modinfo) {
  BuildInfo bi;
  GoModule* last = nullptr;
  for (auto line : SplitString(modinfo, '\n')) {
    auto f = Fields(line);
    if (f.empty()) continue;
    auto at = [&](size_t i) { return i < f.size() ? std::string(f[i]) : std::string(); };
    if (f[0] == "path") {
      bi.path = at(1);
    } else if (f[0] == "mod") {
      bi.has_main = true;
      bi.main = {at(1), at(2), at(3), "", ""};
      last = &bi.main;
    } else if (f[0] == "dep") {
      bi.deps.push_back({at(1), at(2), at(3), "", ""});
      last = &bi.deps.back();
    } else if (f[0] == "=>") {
      if (last != nullptr) {
        last->replace_path = at(1);
        last->replace_version = at(2);
      }
    } else if (f[0] == "build") {
      std::string kv(line.substr(std::min(line.size(), size_t{6})));
      size_t eq = kv.find('=');
      if (eq != std::string::npos) bi.settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  return bi;
}

Result<BuildInfo> ReadBuildInfo(std::string_view f) {
  if (!LooksLikeExecutable(f)) return NotFound("not an executable");
  // The blob is 16-byte aligned in every format the Go linker writes.
  size_t pos = 0;
  size_t found = std::string_view::npos;
  while (pos + kHeader <= f.size()) {
    size_t at = f.find(kMagic, pos);
    if (at == std::string_view::npos || at + kHeader > f.size()) break;
    if (at % 16 == 0) {
      found = at;
      break;
    }
    pos = at + 1;
  }
  if (found == std::string_view::npos) return NotFound("no Go build info");
  std::string_view hdr = f.substr(found, kHeader);
  const size_t ptr = static_cast<unsigned char>(hdr[14]);
  const unsigned flags = static_cast<unsigned char>(hdr[15]);
  const bool big = (flags & 1) != 0;
  std::string version, modinfo;
  if (flags & 2) {
    size_t off = found + kHeader;
    if (!ReadVarString(f, &off, &version) || !ReadVarString(f, &off, &modinfo)) {
      return Corrupt("truncated Go build info strings");
    }
  } else {
    if (ptr != 4 && ptr != 8) return Corrupt("Go build info: bad pointer size " + std::to_string(ptr));
    auto segs = ElfLoadSegments(f);
    if (segs.empty()) return Unsupported("Go build info in pointer layout outside ELF");
    uint64_t vaddr = ReadUint(hdr, 16, ptr, big);
    uint64_t maddr = ReadUint(hdr, 16 + ptr, ptr, big);
    if (!ReadGoString(f, segs, vaddr, ptr, big, &version)) return Corrupt("Go build info: unreadable version string");
    if (!ReadGoString(f, segs, maddr, ptr, big, &modinfo)) modinfo.clear();  // very old toolchains: version only
  }
  if (version.empty()) return NotFound("Go build info without a version");
  // The module text is framed by two 16-byte sentinels.
  if (modinfo.size() >= 33 && modinfo[modinfo.size() - 17] == '\n') {
    modinfo = modinfo.substr(16, modinfo.size() - 32);
  }
  BuildInfo bi = ParseModInfo(modinfo);
  bi.go_version = SanitizeUtf8(version);
  return bi;
}

}  // namespace lucid::gobin
