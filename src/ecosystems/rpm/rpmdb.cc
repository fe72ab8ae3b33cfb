#include "ecosystems/rpm/rpmdb.h"

#include <fcntl.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <vector>

#include "base/log.h"
#include "base/strings.h"

namespace lucid::rpm {
namespace {

constexpr std::string_view kSqliteMagic("SQLite format 3\0", 16);
constexpr uint32_t kBdbHashMagic = 0x00061561;
constexpr std::string_view kNdbMagic = "RpmP";
// Where a collected bdb database is placed under its private root: librpm
// opens "<root><_dbpath>".
constexpr std::string_view kBdbDbPath = "/var/lib/rpm";

std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
std::string_view Dirname(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
}

std::string Hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// librpm reports problems through rpmlog, which prints to stderr and keeps
// warnings in a process-wide list. Lucid routes them to its own log and to
// the error of the read in progress, and clears the list after each read.
std::mutex& LibrpmMutex() {
  static std::mutex m;
  return m;
}
std::mutex g_log_mu;
std::string* g_capture = nullptr;  // guarded by g_log_mu

int OnRpmLog(rpmlogRec rec, rpmlogCallbackData) {
  const char* msg = rpmlogRecMessage(rec);
  std::string text = msg == nullptr ? "" : std::string(TrimSpace(msg));
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    if (g_capture != nullptr && rpmlogRecPriority(rec) <= RPMLOG_ERR && g_capture->size() < 4096) {
      if (!g_capture->empty()) *g_capture += "; ";
      *g_capture += text;
    }
  }
  log::Debug("rpm", "librpm", {{"message", text}});
  return 0;  // handled: nothing on stderr
}

void InstallLogHook() {
  static std::once_flag once;
  std::call_once(once, [] { rpmlogSetCallback(OnRpmLog, nullptr); });
}

// Collects librpm's error messages while alive.
class LogCapture {
 public:
  LogCapture() {
    InstallLogHook();
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_capture = &text_;
  }
  ~LogCapture() {
    {
      std::lock_guard<std::mutex> lock(g_log_mu);
      g_capture = nullptr;
    }
    rpmlogClose();  // frees the records librpm kept
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(g_log_mu);
    return text_;
  }

 private:
  std::string text_;
};

struct TdDeleter {
  void operator()(rpmtd td) const { rpmtdFree(td); }
};
using Td = std::unique_ptr<rpmtd_s, TdDeleter>;

// The tag's data, or nullptr when absent or of another type.
Td GetTag(Header h, rpmTagVal tag, rpmTagType type) {
  Td td(rpmtdNew());
  if (!headerGet(h, tag, td.get(), HEADERGET_MINMEM)) return nullptr;
  if (rpmtdType(td.get()) != type) return nullptr;
  return td;
}

std::string GetString(Header h, rpmTagVal tag) {
  const char* s = headerGetString(h, tag);
  return s == nullptr ? std::string() : std::string(s);
}

bool MagicMatches(DbFormat f, std::string_view head) {
  switch (f) {
    case DbFormat::kSqlite:
      return head.size() >= kSqliteMagic.size() && head.substr(0, kSqliteMagic.size()) == kSqliteMagic;
    case DbFormat::kNdb:
      return head.size() >= kNdbMagic.size() && head.substr(0, kNdbMagic.size()) == kNdbMagic;
    case DbFormat::kBdb: {
      // The hash meta page holds the magic at offset 12 in the creator's byte order.
      if (head.size() < 16) return false;
      auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(head[i])); };
      uint32_t le = b(12) | b(13) << 8 | b(14) << 16 | b(15) << 24;
      uint32_t be = b(15) | b(14) << 8 | b(13) << 16 | b(12) << 24;
      return le == kBdbHashMagic || be == kBdbHashMagic;
    }
  }
  return false;
}

// Reads exactly up to n bytes (fewer only at end of stream).
Result<size_t> ReadFull(Reader& r, char* buf, size_t n) {
  size_t have = 0;
  while (have < n) {
    LUCID_ASSIGN_OR_RETURN(size_t got, r.Read(buf + have, n - have));
    if (got == 0) break;
    have += got;
  }
  return have;
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Unavailable("write " + path + ": " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// SQLite URI for a local file; only the characters URIs reserve are escaped.
std::string FileUri(const std::string& path) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
      static constexpr char kDigits[] = "0123456789ABCDEF";
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  // immutable: the copy is private and never written, so SQLite needs no
  // locks, journal or -shm file.
  return out + "?immutable=1";
}

}  // namespace

std::string_view DbFormatName(DbFormat f) {
  switch (f) {
    case DbFormat::kBdb:
      return "bdb";
    case DbFormat::kSqlite:
      return "sqlite";
    case DbFormat::kNdb:
      return "ndb";
  }
  return "";
}

std::optional<DbFormat> DbFormatOfPath(std::string_view path) {
  std::string_view base = Basename(path);
  if (base == "Packages") return DbFormat::kBdb;
  if (base == "rpmdb.sqlite") return DbFormat::kSqlite;
  if (base == "Packages.db") return DbFormat::kNdb;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// RpmHeader

Result<RpmHeader> RpmHeader::Import(std::string_view blob) {
  // headerImport reads the 8-byte intro before it checks the length.
  if (blob.size() < 8) return Corrupt("rpm header blob of " + std::to_string(blob.size()) + " bytes is truncated");
  if (blob.size() > std::numeric_limits<unsigned int>::max()) return Corrupt("rpm header blob too large");
  // HEADERIMPORT_COPY: librpm keeps its own copy; a non-zero size makes it
  // check the blob's declared lengths against the bytes we have.
  Header h = headerImport(const_cast<char*>(blob.data()), static_cast<unsigned int>(blob.size()), HEADERIMPORT_COPY);
  if (h == nullptr) return Corrupt("damaged rpm header (rejected by librpm)");
  return RpmHeader(h);
}

RpmHeader::~RpmHeader() {
  if (h_ != nullptr) headerFree(h_);
}

std::string RpmHeader::Name() const { return GetString(h_, RPMTAG_NAME); }

HeaderInfo RpmHeader::Info() const {
  HeaderInfo info;
  info.name = GetString(h_, RPMTAG_NAME);
  if (headerIsEntry(h_, RPMTAG_EPOCH)) info.epoch = std::to_string(headerGetNumber(h_, RPMTAG_EPOCH));
  info.version = GetString(h_, RPMTAG_VERSION);
  info.release = GetString(h_, RPMTAG_RELEASE);
  info.arch = GetString(h_, RPMTAG_ARCH);
  info.source_rpm = GetString(h_, RPMTAG_SOURCERPM);
  info.modularity_label = GetString(h_, RPMTAG_MODULARITYLABEL);
  if (Td td = GetTag(h_, RPMTAG_PAYLOADDIGEST, RPM_STRING_ARRAY_TYPE)) {
    const char* d = rpmtdNextString(td.get());
    if (d != nullptr) info.payload_digest = d;
  }
  info.payload_digest_algo = static_cast<uint32_t>(headerGetNumber(h_, RPMTAG_PAYLOADDIGESTALGO));
  if (Td td = GetTag(h_, RPMTAG_SIGPGP, RPM_BIN_TYPE)) {
    pgpDigParams dig = nullptr;
    const auto* pkt = static_cast<const uint8_t*>(td->data);
    if (pkt != nullptr && pgpPrtParams(pkt, td->count, PGPTAG_SIGNATURE, &dig) == 0 && dig != nullptr) {
      const uint8_t* id = pgpDigParamsSignID(dig);
      if (id != nullptr) info.signer_key_id = Hex(id, 8);
    }
    pgpDigParamsFree(dig);
  }
  return info;
}

size_t RpmHeader::ForEachFile(const std::function<void(std::string_view path, uint32_t mode)>& fn) const {
  Td modes_td = GetTag(h_, RPMTAG_FILEMODES, RPM_INT16_TYPE);
  const uint16_t* modes = modes_td ? static_cast<const uint16_t*>(modes_td->data) : nullptr;
  uint32_t nmodes = modes_td ? modes_td->count : 0;
  auto mode_of = [&](uint32_t i) -> uint32_t { return modes != nullptr && i < nmodes ? modes[i] : 0; };
  std::string path;
  auto emit = [&](std::string_view dir, std::string_view base, uint32_t i) {
    path.assign(dir);
    path.append(base);
    std::string_view p = path;
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    if (!p.empty()) fn(p, mode_of(i));
  };
  size_t n = 0;
  Td bases = GetTag(h_, RPMTAG_BASENAMES, RPM_STRING_ARRAY_TYPE);
  if (bases) {
    Td dirs = GetTag(h_, RPMTAG_DIRNAMES, RPM_STRING_ARRAY_TYPE);
    Td idx = GetTag(h_, RPMTAG_DIRINDEXES, RPM_INT32_TYPE);
    if (!dirs || !idx) return 0;
    const auto* base_v = static_cast<const char**>(bases->data);
    const auto* dir_v = static_cast<const char**>(dirs->data);
    const auto* idx_v = static_cast<const uint32_t*>(idx->data);
    uint32_t count = std::min(bases->count, idx->count);
    for (uint32_t i = 0; i < count; ++i) {
      // Nothing in librpm's import checks Dirindexes against Dirnames.
      if (idx_v[i] >= dirs->count || base_v[i] == nullptr || dir_v[idx_v[i]] == nullptr) continue;
      emit(dir_v[idx_v[i]], base_v[i], i);
      ++n;
    }
    return n;
  }
  if (Td old = GetTag(h_, RPMTAG_OLDFILENAMES, RPM_STRING_ARRAY_TYPE)) {
    const auto* v = static_cast<const char**>(old->data);
    for (uint32_t i = 0; i < old->count; ++i) {
      if (v[i] == nullptr) continue;
      emit("", v[i], i);
      ++n;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------
// sqlite

Status ForEachSqliteHeader(const std::string& file, const std::function<Status(const RpmHeader&)>& fn) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(FileUri(file).c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close);
  if (rc != SQLITE_OK) {
    return Corrupt(std::string("cannot open rpm sqlite database: ") +
                   (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  auto query = [&](const char* sql, sqlite3_stmt** st) -> Status {
    if (sqlite3_prepare_v2(db, sql, -1, st, nullptr) != SQLITE_OK) {
      return Corrupt(std::string("rpm sqlite database: ") + sqlite3_errmsg(db));
    }
    return Status::Ok();
  };
  sqlite3_stmt* st = nullptr;
  // Clair's validation: an rpm database has a Packages table.
  LUCID_RETURN_IF_ERROR(query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Packages'", &st));
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return Corrupt("not an rpm sqlite database: no Packages table");
  if (rc != SQLITE_ROW) return Corrupt(std::string("rpm sqlite database: ") + sqlite3_errmsg(db));
  LUCID_RETURN_IF_ERROR(query("SELECT hnum, blob FROM Packages ORDER BY hnum ASC", &st));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st_guard(st, sqlite3_finalize);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t hnum = sqlite3_column_int64(st, 0);
    const void* p = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    auto h = RpmHeader::Import(std::string_view(static_cast<const char*>(p), p == nullptr ? 0 : n));
    if (!h.ok()) return h.status().WithContext("rpm sqlite database, hnum " + std::to_string(hnum));
    if (h->Name() == "gpg-pubkey") continue;
    LUCID_RETURN_IF_ERROR(fn(*h));
  }
  if (rc != SQLITE_DONE) return Corrupt(std::string("rpm sqlite database: ") + sqlite3_errmsg(db));
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// CollectedDb

Result<std::unique_ptr<CollectedDb>> CollectedDb::Collect(std::string_view layer_path, DbFormat format, uint64_t size,
                                                          Reader& content) {
  char head[64];
  LUCID_ASSIGN_OR_RETURN(size_t have, ReadFull(content, head, sizeof head));
  std::string_view magic(head, have);
  if (!MagicMatches(format, magic)) {
    return NotFound(std::string(layer_path) + " is not an rpm " + std::string(DbFormatName(format)) + " database");
  }
  if (format == DbFormat::kNdb) {
    return Unsupported("rpm ndb database " + std::string(layer_path) +
                       " cannot be read: Debian's librpm 4.18 is built without the ndb backend");
  }
  if (size > kMaxDbSize) {
    return TooLarge("rpm database " + std::string(layer_path) + " is " + std::to_string(size) +
                    " bytes, over the limit of " + std::to_string(kMaxDbSize));
  }
  std::string tmpl = TempDirectory() + "/lucid-rpmdb-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Unavailable("create temporary directory in " + TempDirectory() + ": " + std::strerror(errno));
  }
  // From here the directory is owned (and removed) by the object.
  std::unique_ptr<CollectedDb> db(new CollectedDb(format, std::string(layer_path), tmpl));
  std::string file;
  if (format == DbFormat::kBdb) {
    std::error_code ec;
    std::filesystem::create_directories(tmpl + std::string(kBdbDbPath), ec);
    if (ec) return Unavailable("create " + tmpl + std::string(kBdbDbPath) + ": " + ec.message());
    file = tmpl + std::string(kBdbDbPath) + "/Packages";
  } else {
    file = tmpl + "/rpmdb.sqlite";
  }
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("create " + file + ": " + std::strerror(errno));
  uint64_t total = have;
  Status st = WriteAll(fd, head, have, file);
  std::vector<char> buf(1 << 16);
  while (st.ok()) {
    auto n = content.Read(buf.data(), buf.size());
    if (!n.ok()) {
      st = n.status();
      break;
    }
    if (*n == 0) break;
    total += *n;
    if (total > kMaxDbSize) {
      st = TooLarge("rpm database " + std::string(layer_path) + " is over the limit of " + std::to_string(kMaxDbSize) +
                    " bytes");
      break;
    }
    st = WriteAll(fd, buf.data(), *n, file);
  }
  ::close(fd);
  LUCID_RETURN_IF_ERROR(st);
  return db;
}

CollectedDb::~CollectedDb() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // our private directory only
}

std::string CollectedDb::layer_dir() const { return std::string(Dirname(layer_path_)); }

std::string CollectedDb::package_db() const { return std::string(DbFormatName(format_)) + ":" + layer_dir(); }

Status CollectedDb::ForEachHeader(const std::function<Status(const RpmHeader&)>& fn) const {
  if (format_ == DbFormat::kSqlite) return ForEachSqliteHeader(dir_ + "/rpmdb.sqlite", fn);
  if (format_ != DbFormat::kBdb) return Unsupported("rpm " + std::string(DbFormatName(format_)) + " database");

  // librpm's macro context is process-wide: one bdb read at a time.
  std::lock_guard<std::mutex> lock(LibrpmMutex());
  LogCapture capture;
  const std::string dbpath(kBdbDbPath);
  rpmPushMacro(nullptr, "_dbpath", nullptr, dbpath.c_str(), RMIL_CMDLINE);
  rpmPushMacro(nullptr, "_db_backend", nullptr, "bdb_ro", RMIL_CMDLINE);
  struct MacroPop {
    ~MacroPop() {
      rpmPopMacro(nullptr, "_db_backend");
      rpmPopMacro(nullptr, "_dbpath");
    }
  } pop;
  std::unique_ptr<rpmts_s, rpmts (*)(rpmts)> ts(rpmtsCreate(), rpmtsFree);
  if (rpmtsSetRootDir(ts.get(), dir_.c_str()) != 0) return Internal("librpm rejected root " + dir_);
  // Header digests are still checked; signatures cannot be (no keyring).
  rpmtsSetVSFlags(ts.get(), RPMVSF_MASK_NOSIGNATURES);
  if (rpmtsOpenDB(ts.get(), O_RDONLY) != 0) {
    std::string why = capture.text();
    return Corrupt("cannot open rpm bdb database" + (why.empty() ? std::string() : ": " + why));
  }
  rpmdbMatchIterator mi = rpmtsInitIterator(ts.get(), RPMDBI_PACKAGES, nullptr, 0);
  std::unique_ptr<rpmdbMatchIterator_s, rpmdbMatchIterator (*)(rpmdbMatchIterator)> mi_guard(mi, rpmdbFreeIterator);
  Status result;
  size_t seen = 0;
  if (mi != nullptr) {
    Header h;
    while ((h = rpmdbNextIterator(mi)) != nullptr) {
      ++seen;
      RpmHeader hdr(headerLink(h));  // the iterator keeps its own reference
      if (GetString(h, RPMTAG_NAME) == "gpg-pubkey") continue;
      result = fn(hdr);
      if (!result.ok()) break;
    }
  }
  mi_guard.reset();
  if (!result.ok()) return result;
  std::string why = capture.text();
  // bdb_ro reports damage through rpmlog and simply ends the iteration.
  if (!why.empty()) return Corrupt("rpm bdb database: " + why + " (after " + std::to_string(seen) + " headers)");
  return Status::Ok();
}

}  // namespace lucid::rpm
