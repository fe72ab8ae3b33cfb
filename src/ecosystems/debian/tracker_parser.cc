#include "ecosystems/debian/tracker_parser.h"

#include <boost/json/basic_parser_impl.hpp>
#include <vector>

#include "ecosystems/debian/releases.h"
#include "updater/decompress.h"
#include "updater/json_feed.h"

namespace lucid::debian {
namespace {

constexpr size_t kMaxString = 8u << 20;  // one description; bounds memory on hostile input

struct ReleaseEntry {
  std::string codename, status, fixed_version, urgency;
};

// SAX handler. Frames mirror the nesting we care about; anything else is
// walked over as kIgnore.
class TrackerHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = kMaxString;
  static constexpr std::size_t max_string_size = kMaxString;

  explicit TrackerHandler(updater::VulnerabilitySink* sink) : sink_(sink) {}

  Status status;  // first sink error, or a shape error
  size_t emitted = 0;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }

  bool on_array_begin(boost::system::error_code& ec) {
    if (frames_.empty()) return Fail(ec, "top level is an array, not a tracker object");
    frames_.push_back(Frame::kIgnore);
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }

  bool on_object_begin(boost::system::error_code&) {
    Frame f = Frame::kIgnore;
    if (frames_.empty()) {
      f = Frame::kRoot;
    } else {
      switch (frames_.back()) {
        case Frame::kRoot:
          f = Frame::kPackage;
          package_ = key_;
          break;
        case Frame::kPackage:
          f = Frame::kCve;
          cve_ = key_;
          description_.clear();
          releases_.clear();
          break;
        case Frame::kCve:
          if (key_ == "releases") f = Frame::kReleases;
          break;
        case Frame::kReleases:
          f = Frame::kRelease;
          release_ = ReleaseEntry{key_, "", "", ""};
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
    if (f == Frame::kRelease) {
      releases_.push_back(std::move(release_));
    } else if (f == Frame::kCve) {
      return Emit(ec);
    }
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
    if (!Interesting()) return true;
    part_.append(s.data(), s.size());
    std::string v;
    v.swap(part_);
    if (frames_.back() == Frame::kCve) {
      description_ = std::move(v);
    } else if (key_ == "status") {
      release_.status = std::move(v);
    } else if (key_ == "fixed_version") {
      release_.fixed_version = std::move(v);
    } else {
      release_.urgency = std::move(v);
    }
    return CheckShape(ec);
  }

  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, boost::system::error_code& ec) { return CheckShape(ec); }
  bool on_uint64(uint64_t, boost::json::string_view, boost::system::error_code& ec) { return CheckShape(ec); }
  bool on_double(double, boost::json::string_view, boost::system::error_code& ec) { return CheckShape(ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return CheckShape(ec); }
  bool on_null(boost::system::error_code& ec) { return CheckShape(ec); }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  enum class Frame { kRoot, kPackage, kCve, kReleases, kRelease, kIgnore };

  bool Interesting() const {
    if (frames_.empty()) return false;
    Frame f = frames_.back();
    if (f == Frame::kCve) return key_ == "description";
    if (f == Frame::kRelease) return key_ == "status" || key_ == "fixed_version" || key_ == "urgency";
    return false;
  }

  // A scalar where the tracker always has an object is not our document.
  bool CheckShape(boost::system::error_code& ec) {
    if (frames_.empty()) return Fail(ec, "top level is not a JSON object");
    return true;
  }

  bool Fail(boost::system::error_code& ec, std::string why) {
    if (status.ok()) status = Corrupt(std::move(why));
    ec = boost::json::error::syntax;
    return false;
  }

  bool Emit(boost::system::error_code& ec) {
    for (auto& r : releases_) {
      auto rel = ReleaseByCodename(r.codename);
      if (!rel) continue;  // sid, experimental, unknown future names
      Vulnerability v;
      v.updater = std::string(kUpdaterName);
      v.name = cve_;
      v.description = description_;
      v.links = "https://security-tracker.debian.org/tracker/" + cve_;
      v.severity = r.urgency;
      v.normalized_severity = NormalizeUrgency(r.urgency);
      Package p;
      p.name = package_;
      p.kind = PackageKind::kSource;
      v.package = std::move(p);
      v.distribution = CanonicalDistribution(rel->version_id, rel->codename);
      v.fixed_in_version = r.fixed_version;
      Status s = sink_->Add(std::move(v));
      if (!s.ok()) {
        status = s;
        ec = boost::json::error::syntax;
        return false;
      }
      ++emitted;
    }
    releases_.clear();
    description_.clear();
    return true;
  }

  updater::VulnerabilitySink* sink_;
  std::vector<Frame> frames_;
  std::string key_, part_;
  std::string package_, cve_, description_;
  ReleaseEntry release_;
  std::vector<ReleaseEntry> releases_;
};

}  // namespace

Status ParseTrackerJson(Reader& in, updater::VulnerabilitySink* sink) {
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::basic_parser<TrackerHandler> parser(opts, sink);
  return updater::FeedJson(in, parser, "tracker JSON");
}

Status ParseTrackerFile(const std::string& path, updater::VulnerabilitySink* sink) {
  LUCID_ASSIGN_OR_RETURN(auto reader, updater::OpenDecompressed(path));
  return ParseTrackerJson(*reader, sink);
}

}  // namespace lucid::debian
