// Builds tar archives in memory with libarchive's writer, for crafted-layer
// tests: plain, gzip or zstd; regular files, dirs, symlinks, hard links, and
// names that a well-behaved tar writer would never produce ("../x").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct archive;

namespace lucid::testing {

enum class Compression { kNone, kGzip, kZstd };

class TarBuilder {
 public:
  explicit TarBuilder(Compression c = Compression::kGzip);
  ~TarBuilder();
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;

  TarBuilder& File(std::string_view path, std::string_view content, uint32_t mode = 0644);
  // A regular file of `size` zero bytes, written in chunks (never held in memory).
  TarBuilder& ZeroFile(std::string_view path, uint64_t size);
  TarBuilder& Dir(std::string_view path, uint32_t mode = 0755);
  TarBuilder& Symlink(std::string_view path, std::string_view target);
  TarBuilder& Hardlink(std::string_view path, std::string_view target);
  // Closes the archive and returns its bytes. The builder is unusable afterwards.
  std::string Finish();

 private:
  void Header(std::string_view path, unsigned type, uint32_t mode, uint64_t size, std::string_view link, bool hardlink);
  struct archive* a_;
  std::string out_;
};

}  // namespace lucid::testing
