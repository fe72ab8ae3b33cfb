// Streaming gunzip over a Reader (zlib), for feed bodies that arrive
// gzip-compressed. Concatenated members are read as one stream.
#pragma once

#include <memory>
#include <string>

#include "base/io.h"

namespace lucid::debian {

class GzipReader final : public Reader {
 public:
  explicit GzipReader(std::unique_ptr<Reader> compressed);
  ~GzipReader() override;
  // Corrupt on bad or truncated gzip data.
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens `path`, transparently decompressing when it starts with the gzip magic.
Result<std::unique_ptr<Reader>> OpenMaybeGzip(const std::string& path);

}  // namespace lucid::debian
