// Pieces every language ecosystem (npm, PyPI, Maven, Go, RubyGems) shares:
// the OSV repositories records and vulnerabilities meet on, the set of files
// the OS package manager owns in a layer, and the OSV "introduced/fixed/
// lastAffected" decision.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "core/model.h"
#include "ecosystems/rpm/rpmdb.h"
#include "indexer/scanner.h"
#include "matcher/matcher.h"

namespace lucid::lang {

// The repositories the OSV updater attaches to its vulnerabilities
// (ecosystems.md §4); scanners report the same ones.
Repository NpmRepository();
Repository PypiRepository();
Repository MavenRepository();
Repository GoRepository();
Repository RubyGemsRepository();

// Files owned by the OS package manager in one layer: dpkg's
// var/lib/dpkg/info/*.list, and the file lists of the packages in any rpm
// database of the layer (ecosystems.md §2.6). Only the paths a scanner cares
// about are kept, so memory follows the candidates, not the size of the OS.
class OsOwnedFiles {
 public:
  using Interesting = std::function<bool(std::string_view path)>;
  // `rpm_executables_only`: from rpm headers keep only files with an
  // execute bit (their modes are known there, unlike in dpkg's lists).
  explicit OsOwnedFiles(Interesting interesting, bool rpm_executables_only = false)
      : interesting_(std::move(interesting)), rpm_executables_only_(rpm_executables_only) {}
  OsOwnedFiles(OsOwnedFiles&&) noexcept;
  ~OsOwnedFiles();

  static bool IsOwnerList(const indexer::FileEntry& e);
  static bool IsRpmDatabase(const indexer::FileEntry& e);
  // Either of the above: what a session should ask for besides its candidates.
  static bool IsOwnerSource(const indexer::FileEntry& e) { return IsOwnerList(e) || IsRpmDatabase(e); }
  // Reads one info/*.list file (one absolute path per line).
  Status Consume(Reader& content);
  // Takes an owner source: a dpkg list is read at once; an rpm database is
  // copied aside and read by LoadRpmOwners only if the layer has candidates.
  Status Consume(const indexer::FileEntry& e, Reader& content);
  // Adds the files of the collected rpm databases (once). A database that
  // cannot be read is skipped: the rpm scanner explains it in a note.
  void LoadRpmOwners();
  // Is `path` (layer-relative, no leading "/") owned? Merged-/usr layouts
  // are handled: dpkg may list "/bin/x" for the member "usr/bin/x".
  bool Owns(std::string_view path) const;
  size_t size() const { return owned_.size(); }

 private:
  Interesting interesting_;
  bool rpm_executables_only_ = false;
  std::unordered_set<std::string> owned_;
  std::vector<std::unique_ptr<rpm::CollectedDb>> rpm_dbs_;
};

// Marks packages whose `filepath` the OS owns as os_managed (a scanner may
// have set it already from other evidence) and, if any are,
// appends one note (code "os-managed-language-packages") to `out`. Reads
// the layer's rpm databases first (see OsOwnedFiles::LoadRpmOwners).
void MarkOsManaged(OsOwnedFiles& owned, std::string_view scanner, std::string_view ecosystem,
                   std::vector<Package>* pkgs, indexer::LayerArtifacts* out);

// Percent-decoding of one query-string component ('+' is a space).
std::string UrlDecode(std::string_view s);

struct OsvEvents {
  std::string introduced, fixed, last_affected;
};
// Parses the URL-encoded fixed_in_version of an OSV ECOSYSTEM range.
OsvEvents ParseOsvQuery(std::string_view fixed_in_version);

// <0, 0, >0; an error when either side cannot be parsed.
using CompareFn = std::function<Result<int>(std::string_view a, std::string_view b)>;

// The decision for a vulnerability without a range (ecosystems.md §3.8):
// empty -> vulnerable; pkg < introduced -> not; fixed -> pkg < fixed;
// lastAffected -> pkg <= lastAffected; else vulnerable. A bare version
// (no '=') is read as "fixed".
Result<bool> AffectedByOsvQuery(std::string_view version, std::string_view fixed_in_version, const CompareFn& cmp);

// One OSV-backed language matcher. Records: the repository named
// `repository`, not os_managed. Vulnerabilities with a `range` (SEMVER
// ranges: npm, Go) are decided as lower <= v < upper, the upper bound taken
// from the real fixed version when there is one (pre-releases matter); the
// others through AffectedByOsvQuery. Versions that do not parse are "not
// vulnerable" (logged at debug).
struct LangMatcherSpec {
  std::string name;
  std::string repository;
  CompareFn compare;
  // For range-encoded vulnerabilities: the record's version as a vector of
  // the same scheme as the range (empty kind = unparsable).
  std::function<NormalizedVersion(std::string_view)> vector;
};
std::shared_ptr<const matcher::Matcher> NewLangMatcher(LangMatcherSpec spec);

}  // namespace lucid::lang
