#include "testing/archive_builder.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace lucid::testing {

namespace {
la_ssize_t WriteCb(struct archive*, void* user, const void* buf, size_t n) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}
void Check(struct archive* a, int rc) {
  if (rc < ARCHIVE_WARN) throw std::runtime_error(std::string("libarchive writer: ") + archive_error_string(a));
}
}  // namespace

TarBuilder::TarBuilder(Compression c) : a_(archive_write_new()) {
  Check(a_, archive_write_set_format_pax_restricted(a_));
  if (c == Compression::kGzip) Check(a_, archive_write_add_filter_gzip(a_));
  if (c == Compression::kZstd) Check(a_, archive_write_add_filter_zstd(a_));
  if (c == Compression::kNone) Check(a_, archive_write_add_filter_none(a_));
  Check(a_, archive_write_set_bytes_in_last_block(a_, 1));
  Check(a_, archive_write_open(a_, &out_, nullptr, WriteCb, nullptr));
}

TarBuilder::~TarBuilder() {
  if (a_ != nullptr) archive_write_free(a_);
}

void TarBuilder::Header(std::string_view path, unsigned type, uint32_t mode, uint64_t size, std::string_view link,
                        bool hardlink) {
  archive_entry* e = archive_entry_new();
  archive_entry_copy_pathname(e, std::string(path).c_str());
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, mode);
  archive_entry_set_size(e, static_cast<la_int64_t>(size));
  archive_entry_set_mtime(e, 1700000000, 0);
  if (!link.empty()) {
    if (hardlink) {
      archive_entry_copy_hardlink(e, std::string(link).c_str());
    } else {
      archive_entry_copy_symlink(e, std::string(link).c_str());
    }
  }
  Check(a_, archive_write_header(a_, e));
  archive_entry_free(e);
}

TarBuilder& TarBuilder::File(std::string_view path, std::string_view content, uint32_t mode) {
  Header(path, AE_IFREG, mode, content.size(), "", false);
  if (!content.empty() && archive_write_data(a_, content.data(), content.size()) < 0) Check(a_, ARCHIVE_FATAL);
  return *this;
}

TarBuilder& TarBuilder::ZeroFile(std::string_view path, uint64_t size) {
  Header(path, AE_IFREG, 0644, size, "", false);
  std::string zeros(1 << 20, '\0');
  while (size > 0) {
    size_t n = size < zeros.size() ? static_cast<size_t>(size) : zeros.size();
    if (archive_write_data(a_, zeros.data(), n) < 0) Check(a_, ARCHIVE_FATAL);
    size -= n;
  }
  return *this;
}

TarBuilder& TarBuilder::Dir(std::string_view path, uint32_t mode) {
  Header(path, AE_IFDIR, mode, 0, "", false);
  return *this;
}

TarBuilder& TarBuilder::Symlink(std::string_view path, std::string_view target) {
  Header(path, AE_IFLNK, 0777, 0, target, false);
  return *this;
}

TarBuilder& TarBuilder::Hardlink(std::string_view path, std::string_view target) {
  Header(path, AE_IFREG, 0644, 0, target, true);
  return *this;
}

std::string TarBuilder::Finish() {
  Check(a_, archive_write_close(a_));
  archive_write_free(a_);
  a_ = nullptr;
  return std::move(out_);
}

}  // namespace lucid::testing
