// Streaming decompression for feed bodies and bundles: gzip, bzip2, xz and
// zstd are recognised by their magic bytes and decoded on the fly (libarchive
// filters), so a parser reads plain bytes with bounded memory whatever the
// compressed or uncompressed size. Zip archives (OSV's all.zip) are read
// member by member.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/io.h"

namespace lucid::updater {

// Opens `path` ("-" = standard input) and decodes any compression found.
// Reads fail with Corrupt on damaged data, and with TooLarge once more than
// `max_output` bytes (0 = unlimited) have been produced.
Result<std::unique_ptr<Reader>> OpenDecompressed(const std::string& path, uint64_t max_output = 0);

// Sequential reader of a zip archive's members.
class ZipReader {
 public:
  static Result<std::unique_ptr<ZipReader>> Open(const std::string& path);
  ~ZipReader();
  // Advances to the next regular-file member; false at the end.
  Result<bool> Next(std::string* name, int64_t* size);
  // Reads the current member whole; TooLarge past `limit` bytes.
  Result<std::string> ReadMember(size_t limit);

 private:
  ZipReader() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lucid::updater
