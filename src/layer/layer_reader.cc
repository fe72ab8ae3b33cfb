#include "layer/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "base/hash.h"
#include "base/strings.h"

namespace lucid::layer {

using indexer::EntryType;
using indexer::FileEntry;
using indexer::LayerFiles;
using indexer::ScanSession;

namespace {

constexpr size_t kReadBuffer = 1 << 20;
// A file wanted by several sessions is buffered in memory up to this size, else spooled.
constexpr uint64_t kMaxInMemoryShared = 64ull << 20;
// Entries larger than this are skipped block by block so limits are checked while inflating.
constexpr uint64_t kCheckedSkipThreshold = 16ull << 20;
constexpr int kMaxSymlinkHops = 40;

enum class Compression { kNone, kGzip, kZstd };

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      return "none";
  }
  return "none";
}

// Joins a directory and a symlink target inside the root (".." stops at the root).
std::string JoinInsideRoot(std::string_view base_dir, std::string_view target) {
  std::string out;
  auto push = [&out](std::string_view p) {
    for (auto seg : SplitString(p, '/')) {
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        auto slash = out.rfind('/');
        out.erase(slash == std::string::npos ? 0 : slash);
        continue;
      }
      if (!out.empty()) out += '/';
      out.append(seg);
    }
  };
  if (target.empty() || target[0] != '/') push(base_dir);
  push(target);
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// One open pass over the blob: the libarchive handle and the read callback state.
class Pass {
 public:
  Pass(const LayerLimits& limits) : limits_(limits), buf_(new char[kReadBuffer]) {}
  ~Pass() {
    if (a_ != nullptr) archive_read_free(a_);
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  Status Open(const BlobOpener& open, const Digest& expected) {
    LUCID_ASSIGN_OR_RETURN(reader_, open());
    if (!expected.empty()) {
      hasher_.emplace(expected.algorithm() == "sha512" ? HashAlgorithm::kSha512 : HashAlgorithm::kSha256);
    }
    // Read the first chunk ourselves to choose the decompressor by magic bytes.
    while (pending_ < 6) {
      LUCID_ASSIGN_OR_RETURN(size_t n, reader_->Read(buf_.get() + pending_, kReadBuffer - pending_));
      if (n == 0) {
        eof_ = true;
        break;
      }
      pending_ += n;
    }
    const auto* m = reinterpret_cast<const unsigned char*>(buf_.get());
    if (pending_ >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
      compression_ = Compression::kGzip;
    } else if (pending_ >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
      compression_ = Compression::kZstd;
    } else if (pending_ >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') {
      return Unsupported("layer is bzip2-compressed; only gzip, zstd and uncompressed tar are supported");
    } else if (pending_ >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z') {
      return Unsupported("layer is xz-compressed; only gzip, zstd and uncompressed tar are supported");
    }
    a_ = archive_read_new();
    if (a_ == nullptr) return Internal("archive_read_new failed");
    // Only what layers use: never archive_read_support_filter_all/format_all.
    archive_read_support_format_tar(a_);
    switch (compression_) {
      case Compression::kGzip:
        archive_read_support_filter_gzip(a_);
        break;
      case Compression::kZstd:
        archive_read_support_filter_zstd(a_);
        break;
      case Compression::kNone:
        archive_read_support_filter_none(a_);
        break;
    }
    if (archive_read_open(a_, this, nullptr, &Pass::ReadCb, nullptr) != ARCHIVE_OK) return ArchiveError("open");
    return Status::Ok();
  }

  struct archive* a() {
    return a_;
  }
  Compression compression() const { return compression_; }
  uint64_t compressed_bytes() const { return bytes_; }
  uint64_t uncompressed_bytes() { return a_ == nullptr ? 0 : static_cast<uint64_t>(archive_filter_bytes(a_, 0)); }

  // The error for a failed libarchive call: our own (reader, limits) first.
  Status ArchiveError(std::string_view what) {
    if (!error_.ok()) return error_;
    const char* msg = a_ != nullptr ? archive_error_string(a_) : nullptr;
    return Corrupt("layer " + std::string(what) + ": " + (msg != nullptr ? msg : "unknown libarchive error") + " (" +
                   std::string(CompressionName(compression_)) + ")");
  }

  Status CheckLimits(uint64_t upcoming = 0) {
    uint64_t u = uncompressed_bytes();
    if (u + upcoming > limits_.max_uncompressed_bytes) {
      return TooLarge("layer too large: it decompresses to more than " +
                      std::to_string(limits_.max_uncompressed_bytes) + " bytes (limit)");
    }
    if (u > limits_.ratio_check_after && bytes_ > 0 && u / bytes_ > limits_.max_ratio) {
      return TooLarge("layer too large for its size, likely a decompression bomb: " + std::to_string(u) +
                      " bytes from " + std::to_string(bytes_) + " compressed (ratio over " +
                      std::to_string(limits_.max_ratio) + ":1)");
    }
    return Status::Ok();
  }

  // Reads and hashes the rest of the blob after the tar end, then returns the digest.
  Result<Digest> FinishDigest(const Digest& expected) {
    while (!eof_) {
      LUCID_ASSIGN_OR_RETURN(size_t n, reader_->Read(buf_.get(), kReadBuffer));
      if (n == 0) break;
      bytes_ += n;
      hasher_->Update(buf_.get(), n);
    }
    std::string hex = hasher_->FinishHex();
    if (expected.algorithm() == "sha512") {
      return Digest::Parse("sha512:" + hex);
    }
    return Digest::Sha256FromHex(std::move(hex));
  }

 private:
  static la_ssize_t ReadCb(struct archive* a, void* client, const void** out) {
    auto* p = static_cast<Pass*>(client);
    *out = p->buf_.get();
    if (p->pending_ > 0) {  // the chunk read in Open()
      size_t n = p->pending_;
      p->pending_ = 0;
      p->Account(n);
      return static_cast<la_ssize_t>(n);
    }
    if (p->eof_) return 0;
    // Checked here too so that inflating inside libarchive's own skips stays bounded.
    Status lim = p->CheckLimits();
    if (!lim.ok()) {
      p->error_ = lim;
      archive_set_error(a, EFBIG, "%s", lim.message().c_str());
      return ARCHIVE_FATAL;
    }
    auto n = p->reader_->Read(p->buf_.get(), kReadBuffer);
    if (!n.ok()) {
      p->error_ = n.status();
      archive_set_error(a, EIO, "%s", n.status().message().c_str());
      return ARCHIVE_FATAL;
    }
    if (*n == 0) p->eof_ = true;
    p->Account(*n);
    return static_cast<la_ssize_t>(*n);
  }
  void Account(size_t n) {
    bytes_ += n;
    if (hasher_) hasher_->Update(buf_.get(), n);
  }

  const LayerLimits& limits_;
  std::unique_ptr<Reader> reader_;
  std::unique_ptr<char[]> buf_;
  size_t pending_ = 0;
  bool eof_ = false;
  uint64_t bytes_ = 0;
  std::optional<Hasher> hasher_;
  Compression compression_ = Compression::kNone;
  struct archive* a_ = nullptr;
  Status error_;
};

// The current entry's content, read straight from libarchive.
class EntryReader final : public Reader {
 public:
  explicit EntryReader(Pass* pass) : pass_(pass) {}
  Result<size_t> Read(char* buf, size_t n) override {
    la_ssize_t r = archive_read_data(pass_->a(), buf, n);
    if (r < 0) return pass_->ArchiveError("read");
    LUCID_RETURN_IF_ERROR(pass_->CheckLimits());
    return static_cast<size_t>(r);
  }

 private:
  Pass* pass_;
};

class BufferReader final : public Reader {
 public:
  explicit BufferReader(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

struct Delivery {
  FileEntry entry;
  ScanSession* session;
};

class LayerScan {
 public:
  LayerScan(const std::vector<ScanSession*>& sessions, LayerFiles* files, const LayerLimits& limits, LayerStats* stats)
      : sessions_(sessions), files_(files), limits_(limits), stats_(stats) {}

  Status Run(const BlobOpener& open, const Digest& expected) {
    LUCID_RETURN_IF_ERROR(FirstPass(open, expected));
    LUCID_RETURN_IF_ERROR(LinkPass(open, expected));
    return Status::Ok();
  }

 private:
  Status FirstPass(const BlobOpener& open, const Digest& expected) {
    Pass pass(limits_);
    LUCID_RETURN_IF_ERROR(pass.Open(open, expected));
    stats_->compression = std::string(CompressionName(pass.compression()));
    stats_->passes = 1;
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
    FileEntry fe;
    std::vector<Delivery> deliveries;
    uint64_t ordinal = 0;
    while (true) {
      int rc = archive_read_next_header2(pass.a(), e.get());
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return pass.ArchiveError("tar header");
      uint64_t index = ordinal++;
      if (ordinal > limits_.max_entries) {
        return TooLarge("layer has more than " + std::to_string(limits_.max_entries) + " entries (limit)");
      }
      LUCID_RETURN_IF_ERROR(ReadEntry(e.get(), &fe));
      if (fe.path.empty()) continue;  // the root directory itself
      uint64_t data_size = archive_entry_size_is_set(e.get()) ? static_cast<uint64_t>(archive_entry_size(e.get())) : 0;
      LUCID_RETURN_IF_ERROR(pass.CheckLimits(data_size));
      if (fe.type == EntryType::kSymlink) ++symlinks_;
      if (fe.type == EntryType::kSymlink || fe.type == EntryType::kHardlink) ++links_;
      files_->Add(fe);
      if (fe.type != EntryType::kRegular) continue;
      ordinals_[fe.path] = index;
      deliveries.clear();
      for (ScanSession* s : sessions_) {
        if (s->Wants(fe)) deliveries.push_back({fe, s});
      }
      if (!deliveries.empty()) {
        LUCID_RETURN_IF_ERROR(Deliver(pass, deliveries));
      } else if (data_size > kCheckedSkipThreshold) {
        LUCID_RETURN_IF_ERROR(CheckedSkip(pass));
      }
    }
    stats_->entries = ordinal;
    stats_->uncompressed_bytes = pass.uncompressed_bytes();
    if (!expected.empty()) {
      LUCID_ASSIGN_OR_RETURN(Digest actual, pass.FinishDigest(expected));
      stats_->actual = actual;
      if (actual != expected) {
        return Corrupt("layer digest mismatch: expected " + expected.str() + ", got " + actual.str());
      }
    }
    stats_->compressed_bytes = pass.compressed_bytes();
    return Status::Ok();
  }

  // Offers links whose target is a regular file of this layer; re-reads the
  // blob to deliver the targets' bytes when some session wants one.
  Status LinkPass(const BlobOpener& open, const Digest& expected) {
    if (links_ == 0) return Status::Ok();
    std::unordered_map<uint64_t, std::vector<Delivery>> wanted;  // target ordinal -> deliveries
    for (const auto& [path, entry] : files_->entries()) {
      if (entry.type != EntryType::kSymlink && entry.type != EntryType::kHardlink) continue;
      auto target = files_->Resolve(path);
      if (!target.ok()) {
        if (target.status().code() == StatusCode::kNotFound) continue;  // dangling or in another layer
        return Corrupt("layer member " + path + ": " + target.status().message());
      }
      const FileEntry* t = files_->Find(*target);
      auto ord = ordinals_.find(*target);
      if (t == nullptr || t->type != EntryType::kRegular || ord == ordinals_.end()) continue;
      FileEntry link = entry;
      link.size = t->size;
      link.mode = t->mode;
      for (ScanSession* s : sessions_) {
        if (s->Wants(link)) wanted[ord->second].push_back({link, s});
      }
    }
    if (wanted.empty()) return Status::Ok();

    Pass pass(limits_);
    LUCID_RETURN_IF_ERROR(pass.Open(open, expected));
    stats_->passes = 2;
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
    uint64_t ordinal = 0;
    size_t remaining = wanted.size();
    while (remaining > 0) {
      int rc = archive_read_next_header2(pass.a(), e.get());
      if (rc == ARCHIVE_EOF) return Corrupt("layer changed between passes: link targets missing in the second read");
      if (rc < ARCHIVE_WARN) return pass.ArchiveError("tar header");
      auto it = wanted.find(ordinal++);
      if (it == wanted.end()) continue;
      LUCID_RETURN_IF_ERROR(Deliver(pass, it->second));
      --remaining;
    }
    if (!expected.empty()) {
      // Drain the rest so that the second read is verified like the first.
      while (true) {
        int rc = archive_read_next_header2(pass.a(), e.get());
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return pass.ArchiveError("tar header");
      }
      LUCID_ASSIGN_OR_RETURN(Digest actual, pass.FinishDigest(expected));
      if (actual != expected) {
        return Corrupt("layer digest mismatch on second read: expected " + expected.str() + ", got " + actual.str());
      }
    }
    return Status::Ok();
  }

  // Fills `fe` from the libarchive entry: normalised path, type, link target.
  Status ReadEntry(archive_entry* e, FileEntry* fe) {
    const char* name = archive_entry_pathname_utf8(e);
    if (name == nullptr) name = archive_entry_pathname(e);
    if (name == nullptr) return Corrupt("layer member with an unreadable name");
    if (std::strlen(name) > limits_.max_path_bytes) return TooLarge("layer member name longer than limit");
    LUCID_ASSIGN_OR_RETURN(fe->path, CleanPath(name));
    fe->size = 0;
    fe->mode = static_cast<uint32_t>(archive_entry_mode(e));
    fe->link_target.clear();
    const char* hardlink = archive_entry_hardlink_utf8(e);
    if (hardlink == nullptr) hardlink = archive_entry_hardlink(e);
    if (hardlink != nullptr) {
      fe->type = EntryType::kHardlink;
      if (hardlink[0] == '/') {
        return Corrupt("layer member " + fe->path + ": hard link to absolute path " + SanitizeUtf8(hardlink));
      }
      auto target = CleanPath(hardlink);
      if (!target.ok()) return target.status().WithContext("layer member " + fe->path + ": hard link");
      fe->link_target = std::move(*target);
      return Status::Ok();
    }
    switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        fe->type = EntryType::kRegular;
        fe->size = static_cast<uint64_t>(archive_entry_size(e));
        break;
      case AE_IFDIR:
        fe->type = EntryType::kDirectory;
        break;
      case AE_IFLNK: {
        fe->type = EntryType::kSymlink;
        const char* t = archive_entry_symlink_utf8(e);
        if (t == nullptr) t = archive_entry_symlink(e);
        if (t != nullptr) fe->link_target = IsAscii(t) ? std::string(t) : SanitizeUtf8(t);
        break;
      }
      default:
        fe->type = EntryType::kOther;
        break;
    }
    return Status::Ok();
  }

  // Normalises, sanitises and resolves symlinked parent directories of this layer.
  Result<std::string> CleanPath(std::string_view raw) {
    LUCID_ASSIGN_OR_RETURN(std::string path, NormalizeMemberPath(raw));
    if (!IsAscii(path)) path = SanitizeUtf8(path);
    if (symlinks_ == 0) return path;
    for (int hops = 0; hops < kMaxSymlinkHops; ++hops) {
      bool changed = false;
      for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        const FileEntry* p = files_->Find(std::string_view(path).substr(0, slash));
        if (p == nullptr || p->type != EntryType::kSymlink) continue;
        auto dir_end = path.rfind('/', slash == 0 ? 0 : slash - 1);
        std::string_view dir = dir_end == std::string::npos || dir_end >= slash
                                   ? std::string_view()
                                   : std::string_view(path).substr(0, dir_end);
        std::string joined = JoinInsideRoot(dir, p->link_target);
        std::string rest = path.substr(slash + 1);
        path = joined.empty() ? rest : joined + "/" + rest;
        changed = true;
        break;
      }
      if (!changed) return path;
    }
    return Corrupt("too many levels of symbolic links in the directories of layer member " + std::string(raw));
  }

  // Hands the current entry's content to each delivery's session.
  Status Deliver(Pass& pass, std::vector<Delivery>& ds) {
    if (ds.size() == 1) {
      EntryReader r(&pass);
      ++stats_->delivered_files;
      Status s = ds[0].session->Consume(ds[0].entry, r);
      if (!s.ok()) return s.WithContext("layer member " + ds[0].entry.path);
      return Status::Ok();
    }
    // Several sessions: read once, then replay from memory or a spool file.
    EntryReader r(&pass);
    uint64_t size = ds[0].entry.size;
    std::optional<TempFile> spool;
    shared_.clear();
    if (size <= kMaxInMemoryShared) {
      char buf[64 * 1024];
      while (true) {
        LUCID_ASSIGN_OR_RETURN(size_t n, r.Read(buf, sizeof buf));
        if (n == 0) break;
        if (shared_.size() + n > kMaxInMemoryShared) return Corrupt("layer member longer than its header says");
        shared_.append(buf, n);
      }
    } else {
      LUCID_ASSIGN_OR_RETURN(TempFile tf, TempFile::Create("lucid-layer-spool"));
      spool.emplace(std::move(tf));
      int fd = ::open(spool->path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0) return Unavailable("open spool file " + spool->path() + ": " + std::strerror(errno));
      std::unique_ptr<char[]> buf(new char[kReadBuffer]);
      Status st;
      while (st.ok()) {
        auto n = r.Read(buf.get(), kReadBuffer);
        if (!n.ok()) {
          st = n.status();
          break;
        }
        if (*n == 0) break;
        if (::write(fd, buf.get(), *n) != static_cast<ssize_t>(*n)) {
          st = Unavailable("write spool file " + spool->path() + ": " + std::strerror(errno));
        }
      }
      ::close(fd);
      LUCID_RETURN_IF_ERROR(st);
    }
    for (auto& d : ds) {
      ++stats_->delivered_files;
      Status s;
      if (spool) {
        LUCID_ASSIGN_OR_RETURN(auto fr, FileReader::Open(spool->path()));
        s = d.session->Consume(d.entry, *fr);
      } else {
        BufferReader br(shared_);
        s = d.session->Consume(d.entry, br);
      }
      if (!s.ok()) return s.WithContext("layer member " + d.entry.path);
    }
    return Status::Ok();
  }

  Status CheckedSkip(Pass& pass) {
    const void* buf;
    size_t n;
    la_int64_t off;
    while (true) {
      int rc = archive_read_data_block(pass.a(), &buf, &n, &off);
      if (rc == ARCHIVE_EOF) return Status::Ok();
      if (rc < ARCHIVE_WARN) return pass.ArchiveError("read");
      LUCID_RETURN_IF_ERROR(pass.CheckLimits());
    }
  }

  const std::vector<ScanSession*>& sessions_;
  LayerFiles* files_;
  const LayerLimits& limits_;
  LayerStats* stats_;
  uint64_t symlinks_ = 0;
  uint64_t links_ = 0;
  std::unordered_map<std::string, uint64_t> ordinals_;  // regular file path -> entry ordinal (last wins)
  std::string shared_;
};

}  // namespace

Result<std::string> NormalizeMemberPath(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  size_t i = 0;
  while (i <= name.size()) {
    size_t slash = name.find('/', i);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view seg = name.substr(i, slash - i);
    i = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (out.empty()) return Corrupt("layer member \"" + SanitizeUtf8(name) + "\" escapes the layer root");
      auto prev = out.rfind('/');
      out.erase(prev == std::string::npos ? 0 : prev);
      continue;
    }
    if (!out.empty()) out += '/';
    out.append(seg);
  }
  return out;
}

Status ScanLayer(const BlobOpener& open, const Digest& expected, const std::vector<ScanSession*>& sessions,
                 LayerFiles* files, const LayerLimits& limits, LayerStats* stats) {
  LayerStats local;
  LayerScan scan(sessions, files, limits, stats != nullptr ? stats : &local);
  Status s = scan.Run(open, expected);
  if (!s.ok() && !expected.empty()) return s.WithContext("layer " + expected.str());
  return s;
}

Status ScanLayerFile(const std::string& path, const Digest& expected, const std::vector<ScanSession*>& sessions,
                     LayerFiles* files, const LayerLimits& limits, LayerStats* stats) {
  BlobOpener open = [&path]() -> Result<std::unique_ptr<Reader>> {
    LUCID_ASSIGN_OR_RETURN(auto r, FileReader::Open(path));
    return std::unique_ptr<Reader>(std::move(r));
  };
  return ScanLayer(open, expected, sessions, files, limits, stats);
}

}  // namespace lucid::layer
