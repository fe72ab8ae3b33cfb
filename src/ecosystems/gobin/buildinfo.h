// Go build information embedded in executables by the Go toolchain: the
// "\xff Go buildinf:" blob (Go >= 1.13). Two layouts exist: since Go 1.18
// the version and module strings follow the 32-byte header inline
// (varint-length prefixed); before, the header holds two pointers to Go
// string headers, which must be mapped from virtual addresses to file
// offsets through the executable's program headers.
//
// The executable format readers are hand-written and minimal: the blob is
// located by its magic at 16-byte aligned offsets (as Go's own reader falls
// back to doing), and only the old pointer layout needs ELF program headers
// (PT_LOAD vaddr -> offset). libelf would give us the same few fields at the
// cost of a dependency and of handing untrusted bytes to a larger parser;
// here every offset is bounds-checked against the buffer, so the parser is
// safe to fuzz.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::gobin {

struct GoModule {
  std::string path;
  std::string version;
  std::string sum;
  // The replacement (an "=>" line), if any.
  std::string replace_path;
  std::string replace_version;
};

struct BuildInfo {
  std::string go_version;  // "go1.20.12 X:strictfipsruntime"
  std::string path;        // main package path
  bool has_main = false;
  GoModule main;
  std::vector<GoModule> deps;
  std::vector<std::pair<std::string, std::string>> settings;  // "build" lines, in order
};

// True when `head` (the first bytes of a file) starts like an ELF, PE or
// Mach-O executable.
bool LooksLikeExecutable(std::string_view head);

// NotFound when the file carries no Go build info; Corrupt when it does but
// the blob is malformed.
Result<BuildInfo> ReadBuildInfo(std::string_view file);

// Parses the module text ("path\t...\nmod\t...\ndep\t...").
BuildInfo ParseModInfo(std::string_view modinfo);

}  // namespace lucid::gobin
