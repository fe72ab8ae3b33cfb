#include "ecosystems/lang/lang_common.h"

#include "base/log.h"
#include "base/strings.h"

namespace lucid::lang {

Repository NpmRepository() { return {"npm", "", "https://www.npmjs.com/", ""}; }
Repository PypiRepository() { return {"pypi", "", "https://pypi.org/simple", ""}; }
Repository MavenRepository() { return {"maven", "", "https://repo1.maven.apache.org/maven2", ""}; }
Repository GoRepository() { return {"go", "", "https://pkg.go.dev/", ""}; }
Repository RubyGemsRepository() { return {"rubygems", "", "https://rubygems.org/gems/", ""}; }

bool OsOwnedFiles::IsOwnerList(const indexer::FileEntry& e) {
  constexpr std::string_view kInfo = "var/lib/dpkg/info/";
  if (e.type != indexer::EntryType::kRegular || !EndsWith(e.path, ".list")) return false;
  size_t at = e.path.find(kInfo);
  if (at == std::string::npos || (at != 0 && e.path[at - 1] != '/')) return false;
  return e.path.find('/', at + kInfo.size()) == std::string::npos;
}

OsOwnedFiles::OsOwnedFiles(OsOwnedFiles&&) noexcept = default;
OsOwnedFiles::~OsOwnedFiles() = default;

bool OsOwnedFiles::IsRpmDatabase(const indexer::FileEntry& e) {
  return e.type == indexer::EntryType::kRegular && rpm::DbFormatOfPath(e.path).has_value();
}

Status OsOwnedFiles::Consume(const indexer::FileEntry& e, Reader& content) {
  if (IsOwnerList(e)) return Consume(content);
  auto format = rpm::DbFormatOfPath(e.path);
  if (!format) return Status::Ok();
  auto db = rpm::CollectedDb::Collect(e.path, *format, e.size, content);
  if (db.ok()) {
    rpm_dbs_.push_back(std::move(*db));
    return Status::Ok();
  }
  switch (db.status().code()) {
    case StatusCode::kNotFound:     // only named like a database
    case StatusCode::kUnsupported:  // ndb; the rpm scanner notes it
    case StatusCode::kTooLarge:     // likewise
      log::Debug("lang", "rpm database not used for file ownership",
                 {{"path", e.path}, {"reason", db.status().message()}});
      return Status::Ok();
    default:
      return db.status();
  }
}

void OsOwnedFiles::LoadRpmOwners() {
  for (const auto& db : rpm_dbs_) {
    Status st = db->ForEachHeader([&](const rpm::RpmHeader& h) -> Status {
      h.ForEachFile([&](std::string_view path, uint32_t mode) {
        // Go binaries are executable regular files (or links to them).
        constexpr uint32_t kTypeMask = 0170000, kRegular = 0100000, kSymlink = 0120000;
        bool file_or_link = (mode & kTypeMask) == kRegular || (mode & kTypeMask) == kSymlink;
        if (rpm_executables_only_ && (!file_or_link || (mode & 0111) == 0)) return;
        if (interesting_(path)) owned_.emplace(path);
      });
      return Status::Ok();
    });
    if (!st.ok()) {
      log::Debug("lang", "rpm database unreadable; its files are not known as OS-owned",
                 {{"path", db->layer_path()}, {"error", st.message()}});
    }
  }
  rpm_dbs_.clear();
}

Status OsOwnedFiles::Consume(Reader& content) {
  // Streamed line by line: a .list can be large and we keep only a few lines.
  char buf[32768];
  std::string line;
  auto take = [&](std::string_view l) {
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
    while (!l.empty() && l.front() == '/') l.remove_prefix(1);
    if (!l.empty() && interesting_(l)) owned_.emplace(l);
  };
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(size_t n, content.Read(buf, sizeof buf));
    if (n == 0) break;
    std::string_view chunk(buf, n);
    for (;;) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        if (line.size() + chunk.size() <= 64 * 1024) line.append(chunk);
        break;
      }
      line.append(chunk.substr(0, nl));
      if (line.size() <= 64 * 1024) take(line);
      line.clear();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) take(line);
  return Status::Ok();
}

bool OsOwnedFiles::Owns(std::string_view path) const {
  if (owned_.empty()) return false;
  if (owned_.count(std::string(path))) return true;
  if (StartsWith(path, "usr/")) return owned_.count(std::string(path.substr(4))) > 0;
  return false;
}

void MarkOsManaged(OsOwnedFiles& owned, std::string_view scanner, std::string_view ecosystem,
                   std::vector<Package>* pkgs, indexer::LayerArtifacts* out) {
  if (!pkgs->empty()) owned.LoadRpmOwners();
  size_t n = 0;
  for (auto& p : *pkgs) {
    if (p.os_managed || owned.Owns(p.filepath)) {
      p.os_managed = true;
      ++n;
    }
  }
  if (n == 0) return;
  out->notes.push_back(
      {"", std::string(scanner), "os-managed-language-packages",
       std::to_string(n) + " " + std::string(ecosystem) +
           " package(s) installed by the OS package manager (dpkg or rpm) are reported but not matched "
           "against OSV: the distribution's advisories cover their backported fixes",
       ""});
}

std::string UrlDecode(std::string_view s) { return PercentDecode(s, /*plus_is_space=*/true); }

OsvEvents ParseOsvQuery(std::string_view q) {
  OsvEvents ev;
  for (auto part : SplitString(q, '&')) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = UrlDecode(part.substr(0, eq));
    std::string value = UrlDecode(part.substr(eq + 1));
    if (key == "introduced") {
      ev.introduced = value;
    } else if (key == "fixed") {
      ev.fixed = value;
    } else if (key == "lastAffected" || key == "last_affected") {
      ev.last_affected = value;
    }
  }
  return ev;
}

Result<bool> AffectedByOsvQuery(std::string_view version, std::string_view fixed_in_version, const CompareFn& cmp) {
  if (fixed_in_version.empty()) return true;
  OsvEvents ev;
  if (fixed_in_version.find('=') == std::string_view::npos) {
    ev.fixed = std::string(fixed_in_version);
  } else {
    ev = ParseOsvQuery(fixed_in_version);
  }
  if (!ev.introduced.empty() && ev.introduced != "0") {
    LUCID_ASSIGN_OR_RETURN(int c, cmp(version, ev.introduced));
    if (c < 0) return false;
  }
  if (!ev.fixed.empty()) {
    LUCID_ASSIGN_OR_RETURN(int c, cmp(version, ev.fixed));
    return c < 0;
  }
  if (!ev.last_affected.empty()) {
    LUCID_ASSIGN_OR_RETURN(int c, cmp(version, ev.last_affected));
    return c <= 0;
  }
  return true;
}

namespace {

class LangMatcher final : public matcher::Matcher {
 public:
  explicit LangMatcher(LangMatcherSpec spec) : spec_(std::move(spec)) {}
  std::string_view name() const override { return spec_.name; }

  bool Filter(const matcher::IndexRecord& r) const override {
    return r.package != nullptr && !r.package->os_managed && r.repository != nullptr &&
           r.repository->name == spec_.repository;
  }

  std::vector<matcher::Constraint> Query() const override { return {matcher::Constraint::kRepositoryName}; }

  Result<bool> Vulnerable(const matcher::IndexRecord& r, const Vulnerability& v) const override {
    if (r.package == nullptr) return false;
    const std::string& version = r.package->version;
    auto unparsable = [&](const Status& s) -> Result<bool> {
      log::Debug("matcher", "version not comparable; treated as not vulnerable",
                 {{"matcher", spec_.name},
                  {"package", r.package->name},
                  {"version", version},
                  {"vulnerability", v.name},
                  {"error", s.message()}});
      return false;
    };
    if (!v.range) {
      auto hit = AffectedByOsvQuery(version, v.fixed_in_version, spec_.compare);
      if (!hit.ok()) return unparsable(hit.status());
      return *hit;
    }
    NormalizedVersion have = spec_.vector ? spec_.vector(version) : NormalizedVersion{};
    if (have.empty()) return unparsable(InvalidArgument("no normalized version for " + version));
    NormalizedVersion lower = NormalizedVersion::Parse(v.range->lower);
    NormalizedVersion upper = NormalizedVersion::Parse(v.range->upper);
    if (!lower.empty() && have.v < lower.v) return false;
    if (!v.fixed_in_version.empty()) {
      if (v.fixed_in_version.find('=') != std::string::npos) {
        auto hit = AffectedByOsvQuery(version, v.fixed_in_version, spec_.compare);
        if (!hit.ok()) return unparsable(hit.status());
        return *hit;
      }
      // The fixed string keeps the pre-release the vector dropped
      // (1.0.0-beta < 1.0.0 although both vectors are 1.0.0).
      auto c = spec_.compare(version, v.fixed_in_version);
      if (c.ok()) return *c < 0;
    }
    if (upper.empty() || upper.v[0] == 65535) return true;
    return have.v < upper.v;
  }

 private:
  LangMatcherSpec spec_;
};

}  // namespace

std::shared_ptr<const matcher::Matcher> NewLangMatcher(LangMatcherSpec spec) {
  return std::make_shared<LangMatcher>(std::move(spec));
}

}  // namespace lucid::lang
