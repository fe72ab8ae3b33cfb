#include "base/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lucid {

Result<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    StatusCode code = e == ENOENT   ? StatusCode::kNotFound
                      : e == EACCES ? StatusCode::kPermissionDenied
                                    : StatusCode::kUnavailable;
    return Status(code, "open " + path + ": " + std::strerror(e));
  }
  return std::unique_ptr<FileReader>(new FileReader(fd, path));
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileReader::Read(char* buf, size_t n) {
  while (true) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    return Status(StatusCode::kUnavailable, "read " + path_ + ": " + std::strerror(errno));
  }
}

Result<size_t> StringReader::Read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

Result<std::string> ReadAll(Reader& r, size_t limit) {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    auto n = r.Read(buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    if (out.size() + *n > limit) return TooLarge("stream exceeds limit of " + std::to_string(limit) + " bytes");
    out.append(buf, *n);
  }
}

Result<std::string> ReadFile(const std::string& path, size_t limit) {
  auto r = FileReader::Open(path);
  if (!r.ok()) return r.status();
  auto data = ReadAll(**r, limit);
  if (!data.ok()) return data.status().WithContext(path);
  return data;
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("create " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::write(fd, data.data() + off, data.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Unavailable("write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable("sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Unavailable("rename " + tmp + ": " + std::strerror(e));
  }
  return Status::Ok();
}

std::string TempDirectory() {
  const char* t = std::getenv("TMPDIR");
  if (t != nullptr && *t != '\0') return t;
  return "/var/tmp";
}

Result<TempFile> TempFile::Create(std::string_view prefix) {
  std::string tmpl = TempDirectory() + "/" + std::string(prefix) + "-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Unavailable("create temporary file in " + TempDirectory() + ": " + std::strerror(errno));
  ::close(fd);
  return TempFile(tmpl);
}

TempFile::~TempFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace lucid
