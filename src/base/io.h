// Pull-style byte streams. Layer blobs, feed bodies and decompressors are all
// read through Reader so parsers never need to know where bytes come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lucid {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to `n` bytes into `buf`. Returns 0 at end of stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Reads a local file. Open() fails with NotFound / PermissionDenied.
class FileReader final : public Reader {
 public:
  static Result<std::unique_ptr<FileReader>> Open(const std::string& path);
  ~FileReader() override;
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  explicit FileReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Reads from memory (tests and small documents).
class StringReader final : public Reader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Reads a whole stream into memory, failing with TooLarge past `limit` bytes.
Result<std::string> ReadAll(Reader& r, size_t limit);
Result<std::string> ReadFile(const std::string& path, size_t limit);
// Writes `data` to `path` atomically (temp file + rename).
Status WriteFileAtomic(const std::string& path, std::string_view data);

// A temporary file removed when the object dies. Lives under $TMPDIR (or /var/tmp).
class TempFile {
 public:
  static Result<TempFile> Create(std::string_view prefix);
  TempFile(TempFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

std::string TempDirectory();

}  // namespace lucid
