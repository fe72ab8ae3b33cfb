#include "updater/bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/rand.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "base/hash.h"
#include "base/log.h"
#include "base/strings.h"
#include "core/clair_json.h"
#include "updater/decompress.h"

namespace lucid::updater {
namespace {

constexpr size_t kMaxLine = 256u << 20;  // one record; bounds memory on hostile bundles

std::string NewUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    for (auto& c : b) c = static_cast<unsigned char>(std::rand());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(std::string_view(reinterpret_cast<char*>(b), sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string NowRfc3339Millis() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

Status WriteAllFd(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Unavailable(std::string("write: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Spools one operation's lines; appended to the bundle on Commit.
class SpoolWriter final : public store::UpdateWriter {
 public:
  SpoolWriter(BundleWriter* bundle, TempFile file, int fd, std::string updater, std::string fingerprint,
              std::string kind)
      : bundle_(bundle), file_(std::move(file)), fd_(fd) {
    op_.ref = NewUuid();
    op_.updater = std::move(updater);
    op_.fingerprint = std::move(fingerprint);
    op_.kind = std::move(kind);
    op_.date = NowRfc3339Millis();
  }
  ~SpoolWriter() override { Abort(); }

  Status Add(const Vulnerability& v) override {
    Vulnerability copy = v;
    copy.id.clear();
    if (copy.updater.empty()) copy.updater = op_.updater;
    return Line("Vuln", json::EncodeVulnerability(copy));
  }
  Status AddEnrichment(const std::vector<std::string>& tags, const std::string& raw) override {
    boost::json::object e;
    boost::json::array t;
    for (const auto& tag : tags) t.emplace_back(tag);
    e["Tags"] = std::move(t);
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(raw, ec);
    if (ec) return InvalidArgument("enrichment record is not JSON: " + ec.message());
    e["Enrichment"] = std::move(parsed);
    return Line("Enrichment", std::move(e));
  }
  Result<UpdateOperation> Commit() override {
    if (fd_ < 0) return Internal("bundle operation already finished");
    ::close(fd_);
    fd_ = -1;
    // Clair leaves updaters without records out of the bundle.
    if (records_ > 0) LUCID_RETURN_IF_ERROR(bundle_->AppendFile(file_.path(), records_));
    return op_;
  }
  void Abort() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  Status Line(const char* field, boost::json::value rec) {
    if (fd_ < 0) return Internal("bundle operation already finished");
    // Key order as Clair writes it: Updater, Fingerprint, Date, Ref, Vuln|Enrichment, Kind.
    std::string line = "{\"Updater\":" + json::Serialize(boost::json::value(op_.updater)) +
                       ",\"Fingerprint\":" + json::Serialize(boost::json::value(op_.fingerprint)) +
                       ",\"Date\":" + json::Serialize(boost::json::value(op_.date)) +
                       ",\"Ref\":" + json::Serialize(boost::json::value(op_.ref)) + ",\"" + field +
                       "\":" + json::Serialize(rec) + ",\"Kind\":" + json::Serialize(boost::json::value(op_.kind)) +
                       "}\n";
    ++records_;
    return WriteAllFd(fd_, line.data(), line.size());
  }

  BundleWriter* bundle_;
  TempFile file_;
  int fd_;
  UpdateOperation op_;
  int64_t records_ = 0;
};

}  // namespace

Compression CompressionFor(const std::string& path, bool gzip, bool zstd) {
  if (gzip) return Compression::kGzip;
  if (zstd) return Compression::kZstd;
  if (EndsWith(path, ".gz")) return Compression::kGzip;
  if (EndsWith(path, ".zst") || EndsWith(path, ".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

// The bundle's output stream with its compressor.
struct BundleWriter::Out {
  int fd = -1;
  bool owns_fd = false;
  std::string path;  // final path ("" = stdout)
  std::string tmp;   // written here, renamed on Close
  Compression c = Compression::kNone;
  z_stream z{};
  ZSTD_CCtx* zs = nullptr;
  std::vector<char> buf = std::vector<char>(128 << 10);

  Status Write(const char* p, size_t n, bool finish) {
    switch (c) {
      case Compression::kNone:
        return WriteAllFd(fd, p, n);
      case Compression::kGzip: {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p));
        z.avail_in = static_cast<uInt>(n);
        for (;;) {
          z.next_out = reinterpret_cast<Bytef*>(buf.data());
          z.avail_out = static_cast<uInt>(buf.size());
          int rc = deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH);
          if (rc == Z_STREAM_ERROR) return Internal("gzip: deflate failed");
          LUCID_RETURN_IF_ERROR(WriteAllFd(fd, buf.data(), buf.size() - z.avail_out));
          if (finish ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) break;
        }
        return Status::Ok();
      }
      case Compression::kZstd: {
        ZSTD_inBuffer in{p, n, 0};
        for (;;) {
          ZSTD_outBuffer out{buf.data(), buf.size(), 0};
          size_t rem = ZSTD_compressStream2(zs, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
          if (ZSTD_isError(rem)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(rem));
          LUCID_RETURN_IF_ERROR(WriteAllFd(fd, buf.data(), out.pos));
          if (finish ? rem == 0 : in.pos == in.size) break;
        }
        return Status::Ok();
      }
    }
    return Status::Ok();
  }
};

Result<std::unique_ptr<BundleWriter>> BundleWriter::Open(const std::string& path, Compression c) {
  std::unique_ptr<BundleWriter> w(new BundleWriter);
  w->out_ = std::make_unique<Out>();
  Out& o = *w->out_;
  o.c = c;
  if (path.empty() || path == "-") {
    o.fd = STDOUT_FILENO;
  } else {
    o.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      // A device, FIFO or socket (e.g. /dev/null): write in place; renaming
      // over it would replace the special file with a regular one.
      o.fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (o.fd < 0) return Unavailable("open " + path + ": " + std::strerror(errno));
    } else {
      o.tmp = path + ".partial";
      o.fd = ::open(o.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (o.fd < 0) return Unavailable("create " + o.tmp + ": " + std::strerror(errno));
    }
    o.owns_fd = true;
  }
  if (c == Compression::kGzip) {
    // windowBits 15 + 16: a gzip wrapper rather than zlib's.
    if (deflateInit2(&o.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Internal("gzip: deflateInit2 failed");
    }
  } else if (c == Compression::kZstd) {
    o.zs = ZSTD_createCCtx();
    if (o.zs == nullptr) return Internal("zstd: cannot create context");
  }
  return w;
}

BundleWriter::~BundleWriter() {
  if (!out_) return;
  if (out_->c == Compression::kGzip) deflateEnd(&out_->z);
  if (out_->zs != nullptr) ZSTD_freeCCtx(out_->zs);
  if (out_->owns_fd && out_->fd >= 0) {
    ::close(out_->fd);
    // Not closed properly: never leave a half bundle under the final name.
    if (!out_->tmp.empty()) ::unlink(out_->tmp.c_str());
  }
}

Result<std::unique_ptr<store::UpdateWriter>> BundleWriter::Begin(const std::string& updater,
                                                                 const std::string& fingerprint,
                                                                 const std::string& kind) {
  LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("lucid-bundle-op-"));
  int fd = ::open(tmp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return Unavailable("open " + tmp.path() + ": " + std::strerror(errno));
  return std::unique_ptr<store::UpdateWriter>(new SpoolWriter(this, std::move(tmp), fd, updater, fingerprint, kind));
}

Status BundleWriter::AppendFile(const std::string& path, int64_t records) {
  std::lock_guard<std::mutex> l(mu_);
  LUCID_ASSIGN_OR_RETURN(auto r, FileReader::Open(path));
  std::vector<char> buf(256 << 10);
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(size_t n, r->Read(buf.data(), buf.size()));
    if (n == 0) break;
    LUCID_RETURN_IF_ERROR(out_->Write(buf.data(), n, false));
  }
  ++operations_;
  records_ += records;
  return Status::Ok();
}

Status BundleWriter::Close() {
  std::lock_guard<std::mutex> l(mu_);
  if (out_->c != Compression::kNone) LUCID_RETURN_IF_ERROR(out_->Write(nullptr, 0, true));
  if (out_->owns_fd) {
    if (::fsync(out_->fd) != 0 && errno != EINVAL) return Unavailable(std::string("fsync: ") + std::strerror(errno));
    int rc = ::close(out_->fd);
    out_->fd = -1;
    if (rc != 0) return Unavailable("close " + out_->tmp + ": " + std::strerror(errno));
    if (!out_->tmp.empty() && ::rename(out_->tmp.c_str(), out_->path.c_str()) != 0) {
      return Unavailable("rename " + out_->tmp + ": " + std::strerror(errno));
    }
    out_->owns_fd = false;
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ import

namespace {

// Splits a Reader into lines without holding more than one line.
class LineReader {
 public:
  explicit LineReader(Reader& r) : r_(r), buf_(256 << 10) {}
  // false at the end of input.
  Result<bool> Next(std::string* line) {
    line->clear();
    for (;;) {
      if (pos_ < len_) {
        const char* start = buf_.data() + pos_;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
        size_t take = nl != nullptr ? static_cast<size_t>(nl - start) : len_ - pos_;
        if (line->size() + take > kMaxLine) return TooLarge("bundle line longer than " + std::to_string(kMaxLine));
        line->append(start, take);
        pos_ += take;
        if (nl != nullptr) {
          ++pos_;
          return true;
        }
      }
      LUCID_ASSIGN_OR_RETURN(size_t n, r_.Read(buf_.data(), buf_.size()));
      pos_ = 0;
      len_ = n;
      if (n == 0) return !line->empty();
    }
  }

 private:
  Reader& r_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
};

std::string Str(const boost::json::object& o, const char* k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

}  // namespace

Result<ImportStats> ImportBundleFrom(Reader& in, store::MatcherStore& store) {
  ImportStats stats;
  // Fingerprints already stored, per updater (any kind).
  std::map<std::string, std::set<std::string>> have;
  for (const char* kind : {"vulnerability", "enrichment"}) {
    LUCID_ASSIGN_OR_RETURN(auto ops, store.GetUpdateOperations(kind));
    for (const auto& [updater, list] : ops) {
      for (const auto& op : list) have[updater].insert(op.fingerprint);
    }
  }
  LineReader lines(in);
  std::string line, cur_ref;
  bool skipping = false;
  std::unique_ptr<store::UpdateWriter> writer;
  int64_t lineno = 0;
  auto commit = [&]() -> Status {
    if (!writer) return Status::Ok();
    LUCID_ASSIGN_OR_RETURN(auto op, writer->Commit());
    writer.reset();
    ++stats.operations;
    have[op.updater].insert(op.fingerprint);
    log::Info("updater", "imported update operation", {{"updater", op.updater}, {"ref", op.ref}});
    return Status::Ok();
  };
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(bool more, lines.Next(&line));
    if (!more) break;
    ++lineno;
    if (TrimSpace(line).empty()) continue;
    std::string where = "bundle line " + std::to_string(lineno);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec) return Corrupt(where + ": " + ec.message());
    if (!v.is_object()) return Corrupt(where + ": not a JSON object");
    const auto& o = v.get_object();
    std::string ref = Str(o, "Ref"), updater = Str(o, "Updater"), fp = Str(o, "Fingerprint"), kind = Str(o, "Kind");
    if (updater.empty()) return Corrupt(where + ": no Updater");
    if (kind.empty()) kind = o.contains("Enrichment") ? "enrichment" : "vulnerability";
    if (ref != cur_ref || writer == nullptr) {
      if (ref != cur_ref) {
        LUCID_RETURN_IF_ERROR(commit());
        cur_ref = ref;
        skipping = have[updater].count(fp) > 0;
        if (skipping) {
          ++stats.skipped;
          log::Info("updater", "skipping imported operation: fingerprint already stored",
                    {{"updater", updater}, {"fingerprint", fp}});
        }
      }
      if (!skipping && writer == nullptr) {
        LUCID_ASSIGN_OR_RETURN(writer, store.BeginUpdate(updater, fp, kind));
      }
    }
    if (skipping) continue;
    if (auto it = o.find("Vuln"); it != o.end()) {
      auto vuln = json::DecodeVulnerability(it->value());
      if (!vuln.ok()) return Corrupt(where + ": " + vuln.status().message());
      vuln->id.clear();
      if (vuln->updater.empty()) vuln->updater = updater;
      LUCID_RETURN_IF_ERROR(writer->Add(*vuln));
    } else if (auto e = o.find("Enrichment"); e != o.end() && e->value().is_object()) {
      const auto& eo = e->value().get_object();
      std::vector<std::string> tags;
      if (auto t = eo.find("Tags"); t != eo.end() && t->value().is_array()) {
        for (const auto& tag : t->value().get_array()) {
          if (tag.is_string()) tags.emplace_back(tag.get_string());
        }
      }
      auto raw = eo.find("Enrichment");
      LUCID_RETURN_IF_ERROR(
          writer->AddEnrichment(tags, raw == eo.end() ? std::string("null") : json::Serialize(raw->value())));
    } else {
      return Corrupt(where + ": neither Vuln nor Enrichment");
    }
    ++stats.records;
  }
  LUCID_RETURN_IF_ERROR(commit());
  return stats;
}

Result<ImportStats> ImportBundle(const std::string& in, store::MatcherStore& store, net::HttpClient& http) {
  std::unique_ptr<TempFile> spool;
  std::string path = in;
  if (StartsWith(in, "http://") || StartsWith(in, "https://")) {
    LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("lucid-import-"));
    net::Request req;
    req.url = in;
    auto resp = http.FetchToFile(req, tmp.path());
    if (!resp.ok()) return resp.status();
    if (resp->status != 200) return net::HttpError(req, *resp);
    path = tmp.path();
    spool = std::make_unique<TempFile>(std::move(tmp));
  }
  LUCID_ASSIGN_OR_RETURN(auto reader, OpenDecompressed(path));
  auto stats = ImportBundleFrom(*reader, store);
  if (!stats.ok()) return stats.status().WithContext(in);
  return stats;
}

}  // namespace lucid::updater
