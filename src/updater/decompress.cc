#include "updater/decompress.h"

#include <archive.h>
#include <archive_entry.h>

namespace lucid::updater {
namespace {

constexpr size_t kBlock = 64 << 10;

std::string ArchiveError(archive* a, const std::string& path) {
  const char* e = archive_error_string(a);
  return path + ": " + (e != nullptr ? e : "unreadable data");
}

Result<archive*> OpenArchive(const std::string& path, bool zip) {
  archive* a = archive_read_new();
  if (a == nullptr) return Internal("archive_read_new failed");
  // The feed compressions only: filter_all would also accept formats that
  // libarchive decodes by forking external programs (lrzip, lzop, grzip).
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_zstd(a);
  if (zip) {
    archive_read_support_format_zip(a);
  } else {
    archive_read_support_format_raw(a);
    archive_read_support_format_empty(a);
  }
  int rc = path == "-" ? archive_read_open_fd(a, 0, kBlock) : archive_read_open_filename(a, path.c_str(), kBlock);
  if (rc != ARCHIVE_OK) {
    std::string msg = ArchiveError(a, path);
    archive_read_free(a);
    if (msg.find("No such file") != std::string::npos) return NotFound(msg);
    return Corrupt(msg);
  }
  return a;
}

class ArchiveReader final : public Reader {
 public:
  ArchiveReader(archive* a, std::string path, uint64_t max) : a_(a), path_(std::move(path)), max_(max) {}
  ~ArchiveReader() override { archive_read_free(a_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (eof_) return size_t{0};
    if (!started_) {
      started_ = true;
      archive_entry* e = nullptr;
      int rc = archive_read_next_header(a_, &e);
      if (rc == ARCHIVE_EOF) {
        eof_ = true;
        return size_t{0};
      }
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Corrupt(ArchiveError(a_, path_));
    }
    la_ssize_t got = archive_read_data(a_, buf, n);
    if (got < 0) return Corrupt(ArchiveError(a_, path_));
    if (got == 0) eof_ = true;
    out_ += static_cast<uint64_t>(got);
    if (max_ != 0 && out_ > max_) {
      return TooLarge(path_ + ": decompressed data exceeds " + std::to_string(max_) + " bytes");
    }
    return static_cast<size_t>(got);
  }

 private:
  archive* a_;
  std::string path_;
  uint64_t max_;
  uint64_t out_ = 0;
  bool started_ = false;
  bool eof_ = false;
};

}  // namespace

Result<std::unique_ptr<Reader>> OpenDecompressed(const std::string& path, uint64_t max_output) {
  LUCID_ASSIGN_OR_RETURN(archive * a, OpenArchive(path, false));
  return std::unique_ptr<Reader>(new ArchiveReader(a, path, max_output));
}

struct ZipReader::Impl {
  archive* a = nullptr;
  std::string path;
  ~Impl() {
    if (a != nullptr) archive_read_free(a);
  }
};

ZipReader::~ZipReader() = default;

Result<std::unique_ptr<ZipReader>> ZipReader::Open(const std::string& path) {
  LUCID_ASSIGN_OR_RETURN(archive * a, OpenArchive(path, true));
  std::unique_ptr<ZipReader> z(new ZipReader);
  z->impl_ = std::make_unique<Impl>();
  z->impl_->a = a;
  z->impl_->path = path;
  return z;
}

Result<bool> ZipReader::Next(std::string* name, int64_t* size) {
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(impl_->a, &e);
    if (rc == ARCHIVE_EOF) return false;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Corrupt(ArchiveError(impl_->a, impl_->path));
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    const char* p = archive_entry_pathname(e);
    *name = p != nullptr ? p : "";
    *size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    return true;
  }
}

Result<std::string> ZipReader::ReadMember(size_t limit) {
  std::string out;
  char buf[kBlock];
  for (;;) {
    la_ssize_t got = archive_read_data(impl_->a, buf, sizeof buf);
    if (got < 0) return Corrupt(ArchiveError(impl_->a, impl_->path));
    if (got == 0) break;
    if (out.size() + static_cast<size_t>(got) > limit) {
      return TooLarge(impl_->path + ": archive member larger than " + std::to_string(limit) + " bytes");
    }
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

}  // namespace lucid::updater
