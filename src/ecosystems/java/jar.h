// Java archives (jar, war, ear, jpi, hpi): what they contain, found the way
// claircore does — every pom.properties (when the archive has META-INF),
// else the MANIFEST.MF main section, else the file name — and then every
// archive nested inside, recursively (Spring Boot BOOT-INF/lib, WEB-INF/lib).
// Zips are read in place with libarchive: from memory, or from a spool file
// for very large members; nothing is extracted to disk.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::java {

struct JarInfo {
  enum class Source { kPom, kManifest, kFileName };
  Source source = Source::kFileName;
  std::string name;  // "groupId:artifactId", or a name alone
  std::string version;
  // Where it was read, as a ':'-separated chain:
  // "app.jar:BOOT-INF/lib/x.jar:META-INF/maven/g/a/pom.properties".
  std::string origin;
  std::string sha1;  // of the archive it describes (the nested member if nested)
};

struct JarLimits {
  int max_depth = 8;  // archives inside archives
  // Archive bytes held in memory at once (the top-level archive and the
  // nested members being parsed); a nested member that does not fit is
  // spooled to a temporary file.
  size_t max_in_memory = 256u << 20;
  uint64_t max_total_bytes = 2ull << 30;  // nested bytes inflated per top-level archive
  size_t max_metadata = 1u << 20;         // pom.properties / MANIFEST.MF
};

bool IsJavaArchiveName(std::string_view path);

// Parses an archive held in memory; `path` names it in origins, `sha1` is
// the hex SHA-1 of `bytes`. Corrupt when it is not a zip at all.
Result<std::vector<JarInfo>> ParseJar(std::string_view bytes, std::string_view path, const std::string& sha1,
                                      const JarLimits& limits = {});
// The same for an archive in a local file.
Result<std::vector<JarInfo>> ParseJarFile(const std::string& file, std::string_view path, const std::string& sha1,
                                          const JarLimits& limits = {});

// Pieces, exposed for tests and fuzzing.
// The MANIFEST.MF main section as MIME headers (keys lower-cased;
// continuation lines joined with one space). nullopt for an insane manifest.
std::optional<std::map<std::string, std::string>> ParseManifestMain(std::string_view text);
std::optional<JarInfo> InfoFromManifest(std::string_view text);
std::optional<JarInfo> InfoFromPomProperties(std::string_view text);
std::optional<JarInfo> InfoFromFileName(std::string_view path);

}  // namespace lucid::java
