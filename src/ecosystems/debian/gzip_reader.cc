#include "ecosystems/debian/gzip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <vector>

namespace lucid::debian {

struct GzipReader::Impl {
  std::unique_ptr<Reader> in;
  z_stream zs{};
  bool init_ok = false;
  bool in_eof = false;
  bool stream_end = false;  // current member finished
  bool done = false;
  std::vector<char> inbuf = std::vector<char>(64 << 10);
};

GzipReader::GzipReader(std::unique_ptr<Reader> compressed) : impl_(std::make_unique<Impl>()) {
  impl_->in = std::move(compressed);
  impl_->init_ok = inflateInit2(&impl_->zs, 15 + 16) == Z_OK;  // gzip wrapper only
}

GzipReader::~GzipReader() {
  if (impl_->init_ok) inflateEnd(&impl_->zs);
}

Result<size_t> GzipReader::Read(char* buf, size_t n) {
  Impl& s = *impl_;
  if (!s.init_ok) return Internal("zlib inflateInit2 failed");
  if (s.done || n == 0) return size_t{0};
  s.zs.next_out = reinterpret_cast<Bytef*>(buf);
  s.zs.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
  while (s.zs.avail_out > 0) {
    if (s.zs.avail_in == 0 && !s.in_eof) {
      LUCID_ASSIGN_OR_RETURN(size_t got, s.in->Read(s.inbuf.data(), s.inbuf.size()));
      if (got == 0) {
        s.in_eof = true;
      } else {
        s.zs.next_in = reinterpret_cast<Bytef*>(s.inbuf.data());
        s.zs.avail_in = static_cast<uInt>(got);
      }
    }
    if (s.stream_end) {
      // Another gzip member follows, or we are done.
      if (s.zs.avail_in == 0 && s.in_eof) {
        s.done = true;
        break;
      }
      if (s.zs.avail_in == 0) continue;
      inflateReset(&s.zs);
      s.stream_end = false;
    }
    int rc = inflate(&s.zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      s.stream_end = true;
    } else if (rc == Z_BUF_ERROR) {
      if (s.zs.avail_in == 0 && s.in_eof) return Corrupt("truncated gzip stream");
    } else if (rc != Z_OK) {
      return Corrupt(std::string("bad gzip data: ") + (s.zs.msg != nullptr ? s.zs.msg : "inflate error"));
    }
  }
  return n - s.zs.avail_out;
}

Result<std::unique_ptr<Reader>> OpenMaybeGzip(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  size_t have = 0;
  {
    LUCID_ASSIGN_OR_RETURN(auto probe, FileReader::Open(path));
    while (have < 2) {
      LUCID_ASSIGN_OR_RETURN(size_t got, probe->Read(reinterpret_cast<char*>(magic) + have, 2 - have));
      if (got == 0) break;
      have += got;
    }
  }
  LUCID_ASSIGN_OR_RETURN(auto file, FileReader::Open(path));
  if (have == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    return std::unique_ptr<Reader>(std::make_unique<GzipReader>(std::move(file)));
  }
  return std::unique_ptr<Reader>(std::move(file));
}

}  // namespace lucid::debian
