#include "ecosystems/alpine/secdb_parser.h"

#include <boost/json/basic_parser_impl.hpp>
#include <set>
#include <utility>
#include <vector>

#include "ecosystems/alpine/distribution_scanner.h"
#include "updater/json_feed.h"

namespace lucid::alpine {
namespace {

constexpr size_t kMaxString = 64 << 10;         // a name, version or id; real ones are tiny
constexpr size_t kMaxPackageBytes = 16u << 20;  // one package's buffered secfixes

struct FixedVersion {
  std::string version;
  std::vector<std::string> entries;
};

// SAX handler. Frames mirror the nesting we care about; anything else is
// walked over as kIgnore.
class SecdbHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = kMaxString;
  static constexpr std::size_t max_string_size = kMaxString;

  SecdbHandler(const SecdbSource* source, updater::VulnerabilitySink* sink)
      : source_(source), sink_(sink), distribution_(CanonicalDistribution(ReleaseName(source->release))) {}

  Status status;  // first sink error or shape error
  SecdbStats stats;
  bool saw_packages = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code& ec) {
    if (!saw_packages) return Fail(ec, "not a secdb document: no \"packages\" array");
    return true;
  }

  bool on_object_begin(boost::system::error_code& ec) {
    Frame f = Frame::kIgnore;
    if (frames_.empty()) {
      f = Frame::kRoot;
    } else {
      switch (frames_.back()) {
        case Frame::kRoot:
          if (key_ == "packages") return Fail(ec, "\"packages\" is not an array");
          break;
        case Frame::kPackages:
          f = Frame::kPackage;
          ++stats.packages;
          break;
        case Frame::kPackage:
          if (key_ == "pkg") {
            f = Frame::kPkg;
            name_.clear();
            fixes_.clear();
            buffered_ = 0;
          }
          break;
        case Frame::kPkg:
          if (key_ == "secfixes") f = Frame::kSecfixes;
          break;
        default:
          break;
      }
    }
    frames_.push_back(f);
    return true;
  }

  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    Frame f = frames_.back();
    frames_.pop_back();
    if (f == Frame::kPkg) return Emit(ec);
    return true;
  }

  bool on_array_begin(boost::system::error_code& ec) {
    if (frames_.empty()) return Fail(ec, "not a secdb document: top level is an array");
    Frame f = Frame::kIgnore;
    switch (frames_.back()) {
      case Frame::kRoot:
        if (key_ == "packages") {
          f = Frame::kPackages;
          saw_packages = true;
        }
        break;
      case Frame::kPackages:
        return Fail(ec, "a \"packages\" element is an array, not an object");
      case Frame::kSecfixes:
        f = Frame::kFixList;
        ++stats.fixed_versions;
        fixes_.push_back({key_, {}});
        buffered_ += key_.size();
        break;
      default:
        break;
    }
    frames_.push_back(f);
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }

  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    part_.append(s.data(), s.size());
    key_.swap(part_);
    part_.clear();
    return true;
  }

  bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (Interesting()) part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (!Interesting()) return Scalar(ec);
    part_.append(s.data(), s.size());
    std::string v;
    v.swap(part_);
    if (frames_.back() == Frame::kPkg) {
      name_ = std::move(v);
      return true;
    }
    ++stats.entries;
    buffered_ += v.size();
    if (buffered_ > kMaxPackageBytes) return Fail(ec, "one package's secfixes exceed 16 MiB");
    fixes_.back().entries.push_back(std::move(v));
    return true;
  }

  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_uint64(uint64_t, boost::json::string_view, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_double(double, boost::json::string_view, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_null(boost::system::error_code& ec) { return Scalar(ec); }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  enum class Frame { kRoot, kPackages, kPackage, kPkg, kSecfixes, kFixList, kIgnore };

  static std::string ReleaseName(const std::string& release) {
    if (release.size() > 1 && release[0] == 'v') return release.substr(1);
    return release;
  }

  bool Interesting() const {
    if (frames_.empty()) return false;
    Frame f = frames_.back();
    return (f == Frame::kPkg && key_ == "name") || f == Frame::kFixList;
  }

  // A scalar where secdb always has a container is not our document; other
  // scalars (null secfixes, numbers in id lists) are skipped.
  bool Scalar(boost::system::error_code& ec) {
    if (frames_.empty()) return Fail(ec, "not a secdb document: top level is not a JSON object");
    Frame f = frames_.back();
    if (f == Frame::kRoot && key_ == "packages") return Fail(ec, "\"packages\" is not an array");
    if (f == Frame::kPackages) return Fail(ec, "a \"packages\" element is not an object");
    return true;
  }

  bool Fail(boost::system::error_code& ec, std::string why) {
    if (status.ok()) status = Corrupt(std::move(why));
    ec = boost::json::error::syntax;
    return false;
  }

  bool Emit(boost::system::error_code& ec) {
    if (name_.empty()) {
      fixes_.clear();
      return true;  // nothing to attach the fixes to
    }
    for (auto& fix : fixes_) {
      std::set<std::string_view> seen;
      for (const auto& entry : fix.entries) {
        std::string_view rest = entry;
        while (!rest.empty()) {
          size_t start = rest.find_first_not_of(" \t\r\n");
          if (start == std::string_view::npos) break;
          rest.remove_prefix(start);
          size_t end = rest.find_first_of(" \t\r\n");
          std::string_view token = rest.substr(0, end);
          rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
          if (!LooksLikeId(token) || !seen.insert(token).second) continue;
          Status s = sink_->Add(Make(token, fix.version));
          if (!s.ok()) {
            status = s;
            ec = boost::json::error::syntax;
            return false;
          }
          ++stats.emitted;
        }
      }
    }
    fixes_.clear();
    return true;
  }

  Vulnerability Make(std::string_view id, const std::string& fixed) const {
    Vulnerability v;
    v.updater = source_->updater;
    v.name = std::string(id);
    v.links = "https://security.alpinelinux.org/vuln/" + v.name;
    v.normalized_severity = Severity::kUnknown;
    Package p;
    p.name = name_;
    p.kind = PackageKind::kSource;
    v.package = std::move(p);
    v.distribution = distribution_;
    v.fixed_in_version = fixed;  // "0": the package was never affected
    return v;
  }

  const SecdbSource* source_;
  updater::VulnerabilitySink* sink_;
  Distribution distribution_;
  std::vector<Frame> frames_;
  std::string key_, part_;
  std::string name_;
  std::vector<FixedVersion> fixes_;
  size_t buffered_ = 0;
};

bool IsAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string UpdaterName(std::string_view repo, std::string_view release) {
  return "alpine-" + std::string(repo) + "-" + std::string(release) + "-updater";
}

bool LooksLikeId(std::string_view t) {
  if (t.empty() || t.size() > 128 || !IsAlpha(t[0])) return false;
  bool dash = false, digit = false, prev_dash = false;
  for (char c : t) {
    if (c == '-') {
      if (prev_dash) return false;
      dash = prev_dash = true;
      continue;
    }
    if (!IsAlnum(c)) return false;
    if (c >= '0' && c <= '9') digit = true;
    prev_dash = false;
  }
  return dash && digit && !prev_dash;
}

Status ParseSecdb(Reader& in, const SecdbSource& source, updater::VulnerabilitySink* sink, SecdbStats* stats) {
  if (sink == nullptr) return InvalidArgument("secdb: no vulnerability sink");
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::basic_parser<SecdbHandler> parser(opts, &source, sink);
  auto finish = [&](Status s) {
    if (stats != nullptr) *stats = parser.handler().stats;
    return s;
  };
  Status s = updater::FeedJson(in, parser, "secdb JSON");
  // Rejections by the handler name the feed; parse errors already do.
  if (!s.ok() && !parser.handler().status.ok()) s = s.WithContext("secdb");
  return finish(s);
}

}  // namespace lucid::alpine
