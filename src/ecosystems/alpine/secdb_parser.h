// Streaming parser for Alpine secdb files (https://secdb.alpinelinux.org/
// <release>/<repo>.json):
//   {distroversion, reponame, ..., packages: [{pkg: {name, secfixes:
//     {"<fixed version>": ["CVE-…", …]}}}]}
// Memory stays bounded by one package's secfixes whatever the file size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/io.h"
#include "base/status.h"
#include "updater/updater.h"

namespace lucid::alpine {

struct SecdbSource {
  std::string release;  // "v3.14" or "edge" (the URL directory)
  std::string repo;     // "main", "community"
  std::string updater;  // "alpine-main-v3.14-updater"
};

// What the document held, for logs and tests.
struct SecdbStats {
  size_t packages = 0;        // entries of "packages"
  size_t fixed_versions = 0;  // secfixes keys
  size_t entries = 0;         // strings in the secfixes arrays
  size_t emitted = 0;         // vulnerabilities handed to the sink
};

// "alpine-<repo>-<release>-updater".
std::string UpdaterName(std::string_view repo, std::string_view release);

// True for tokens shaped like advisory ids: CVE-2021-3711, XSA-200,
// GHSA-xxxx-xxxx-xxxx, TALOS-2017-0488 (a letter-led word, then dash
// separated alphanumeric parts, at least one digit).
bool LooksLikeId(std::string_view token);

// One Vulnerability per (package, fixed version, id); an entry holding
// several ids or trailing words keeps the id-shaped tokens. Corrupt on
// malformed/truncated JSON or a document that is not a secdb object.
Status ParseSecdb(Reader& in, const SecdbSource& source, updater::VulnerabilitySink* sink, SecdbStats* stats = nullptr);

}  // namespace lucid::alpine
