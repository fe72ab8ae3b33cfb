// rpm databases found in layers, read through Debian's librpm (rpm 4.18).
//
// Layers are streamed and never unpacked, while librpm only opens databases
// on disk. So each database file a scanner wants is copied (bounded by
// kMaxDbSize) into a private temporary directory and read from there:
//   - sqlite (rpmdb.sqlite): the Packages(hnum, blob) table is read with
//     SQLite and each blob is decoded by librpm's headerImport. librpm's own
//     sqlite backend is not used: it insists on creating missing index
//     tables, which a read-only open cannot do, and it keeps process-wide
//     state.
//   - bdb (Packages): librpm's read-only BerkeleyDB backend (bdb_ro) through
//     rpmtsSetRootDir + rpmdbInitIterator, serialised by a process-wide lock
//     because librpm's macro context is global.
//   - ndb (Packages.db, SUSE): this librpm build has no ndb backend, so such
//     databases are recognised (magic) and reported Unsupported.
// Headers are validated by librpm (headerImport's region and tag checks);
// any damage is an error Status, never a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/io.h"
#include "base/result.h"

struct headerToken_s;  // librpm's Header, kept out of this header

namespace lucid::rpm {

enum class DbFormat { kBdb, kSqlite, kNdb };
std::string_view DbFormatName(DbFormat f);  // "bdb", "sqlite", "ndb"

// A database larger than this is skipped (with a note) rather than copied.
inline constexpr uint64_t kMaxDbSize = 512u << 20;

// The format a layer member's name suggests: "Packages" (bdb),
// "rpmdb.sqlite", "Packages.db" (ndb). The content's magic decides later.
std::optional<DbFormat> DbFormatOfPath(std::string_view path);

// The fields of one package header that Lucid uses.
struct HeaderInfo {
  std::string name;
  std::string epoch;  // "" when the header has no EPOCH tag
  std::string version;
  std::string release;
  std::string arch;
  std::string source_rpm;
  std::string modularity_label;
  std::string payload_digest;  // hex, "" if absent
  uint32_t payload_digest_algo = 0;
  std::string signer_key_id;  // 16 hex digits from SIGPGP, "" if absent
};

// One decoded rpm header (owns librpm's Header).
class RpmHeader {
 public:
  // Decodes a raw header blob as stored in an rpm database (no lead, no
  // magic). Corrupt on anything librpm rejects.
  static Result<RpmHeader> Import(std::string_view blob);
  RpmHeader(RpmHeader&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  RpmHeader& operator=(RpmHeader&&) = delete;
  RpmHeader(const RpmHeader&) = delete;
  ~RpmHeader();

  std::string Name() const;
  HeaderInfo Info() const;
  // Every file the package owns, as a layer path (leading "/" removed),
  // with its st_mode, from Dirnames/Dirindexes/Basenames (or the legacy
  // Filenames tag). Entries whose directory index is out of range are
  // skipped. Returns the number of files visited.
  size_t ForEachFile(const std::function<void(std::string_view path, uint32_t mode)>& fn) const;

  // Takes ownership of a Header from librpm (adopts one reference).
  explicit RpmHeader(headerToken_s* h) : h_(h) {}

 private:
  headerToken_s* h_;
};

// One rpm database copied out of a layer into a private temporary
// directory (removed when the object dies).
class CollectedDb {
 public:
  // Copies `content` (the member `layer_path`, `size` bytes per the tar
  // header) after checking the format's magic. NotFound when the magic does
  // not match (a file merely named like a database), TooLarge past
  // kMaxDbSize, Unsupported for ndb (only the magic is read).
  static Result<std::unique_ptr<CollectedDb>> Collect(std::string_view layer_path, DbFormat format, uint64_t size,
                                                      Reader& content);
  ~CollectedDb();
  CollectedDb(const CollectedDb&) = delete;
  CollectedDb& operator=(const CollectedDb&) = delete;

  DbFormat format() const { return format_; }
  // The member it was copied from, e.g. "var/lib/rpm/rpmdb.sqlite".
  const std::string& layer_path() const { return layer_path_; }
  // The database's directory in the layer, e.g. "var/lib/rpm".
  std::string layer_dir() const;
  // Clair's PackageDB string: "<format>:<layer dir>", e.g. "sqlite:var/lib/rpm".
  std::string package_db() const;

  // Calls `fn` for every package header in database order; gpg-pubkey
  // pseudo-packages are skipped. Corrupt when the database cannot be opened
  // or a header is damaged; an error from `fn` stops the walk.
  Status ForEachHeader(const std::function<Status(const RpmHeader&)>& fn) const;

 private:
  CollectedDb(DbFormat f, std::string layer_path, std::string dir)
      : format_(f), layer_path_(std::move(layer_path)), dir_(std::move(dir)) {}
  DbFormat format_;
  std::string layer_path_;
  std::string dir_;  // private temp directory holding the copy
};

// Reads every header blob of an rpm sqlite database file on disk (a
// Packages table is required: others are rejected as not rpm databases).
Status ForEachSqliteHeader(const std::string& file, const std::function<Status(const RpmHeader&)>& fn);

}  // namespace lucid::rpm
