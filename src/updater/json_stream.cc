#include "updater/json_stream.h"
#include "updater/json_feed.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>

namespace lucid::updater {
namespace {

using Callback = std::function<Status(std::string_view, boost::json::value&)>;

class Handler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  Handler(const JsonArrayStreamOptions* o, const Callback* cb) : opts_(o), cb_(cb) {}

  Status status;
  bool found = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }

  bool on_object_begin(boost::system::error_code& ec) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (Building()) {
      if (!Charge(ec, 16)) return false;
      stack_.push_back(Frame{boost::json::object(), {}});
    }
    ++depth_;
    return true;
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (depth_ == 0) return Fail(ec, Corrupt("the document is an array, not an object"));
    if (depth_ == 1 && stack_.empty() &&
        std::find(opts_->array_keys.begin(), opts_->array_keys.end(), root_key_) != opts_->array_keys.end()) {
      in_target_ = true;
      found = true;
      target_ = root_key_;
    } else if (Building()) {
      if (!Charge(ec, 16)) return false;
      stack_.push_back(Frame{boost::json::array(), {}});
    }
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) { return End(ec); }
  bool on_array_end(std::size_t, boost::system::error_code& ec) { return End(ec); }

  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (!Capturing()) return true;
    if (!Charge(ec, s.size())) return false;
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (!Capturing()) return true;
    if (!Charge(ec, s.size())) return false;
    part_.append(s.data(), s.size());
    if (!stack_.empty()) {
      stack_.back().key.swap(part_);
    } else {
      root_key_.swap(part_);
    }
    part_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (!Building()) return true;
    if (!Charge(ec, s.size())) return false;
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (!Building()) return Scalar(ec);
    if (!Charge(ec, s.size())) return false;
    part_.append(s.data(), s.size());
    boost::json::value v(boost::json::string(part_.data(), part_.size()));
    part_.clear();
    return Add(std::move(v), ec);
  }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t i, boost::json::string_view, boost::system::error_code& ec) {
    return Building() ? Add(boost::json::value(i), ec) : Scalar(ec);
  }
  bool on_uint64(uint64_t u, boost::json::string_view, boost::system::error_code& ec) {
    return Building() ? Add(boost::json::value(u), ec) : Scalar(ec);
  }
  bool on_double(double d, boost::json::string_view, boost::system::error_code& ec) {
    return Building() ? Add(boost::json::value(d), ec) : Scalar(ec);
  }
  bool on_bool(bool b, boost::system::error_code& ec) {
    return Building() ? Add(boost::json::value(b), ec) : Scalar(ec);
  }
  bool on_null(boost::system::error_code& ec) { return Building() ? Add(boost::json::value(nullptr), ec) : Scalar(ec); }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  struct Frame {
    boost::json::value v;
    std::string key;
  };

  // Inside a streamed element (or about to start one).
  bool Building() const { return !stack_.empty() || (in_target_ && depth_ == 2); }
  // Keys matter inside elements and directly under the root.
  bool Capturing() const { return !stack_.empty() || depth_ == 1; }

  bool Scalar(boost::system::error_code& ec) {
    if (depth_ == 0) return Fail(ec, Corrupt("the document is a scalar, not an object"));
    return true;
  }

  bool Charge(boost::system::error_code& ec, size_t n) {
    if (stack_.empty() && !(in_target_ && depth_ == 2)) return true;
    bytes_ += n;
    if (bytes_ > opts_->max_element_bytes) {
      return Fail(ec, TooLarge("an element of \"" + target_ + "\" exceeds " + std::to_string(opts_->max_element_bytes) +
                               " bytes"));
    }
    return true;
  }

  bool Add(boost::json::value v, boost::system::error_code& ec) {
    if (!Charge(ec, 8)) return false;
    if (stack_.empty()) return Emit(v, ec);  // a scalar element
    Frame& top = stack_.back();
    if (top.v.is_object()) {
      top.v.as_object()[top.key] = std::move(v);
    } else {
      top.v.as_array().push_back(std::move(v));
    }
    return true;
  }

  bool End(boost::system::error_code& ec) {
    --depth_;
    if (!stack_.empty()) {
      boost::json::value v = std::move(stack_.back().v);
      stack_.pop_back();
      return Add(std::move(v), ec);
    }
    if (in_target_ && depth_ == 1) in_target_ = false;
    return true;
  }

  bool Emit(boost::json::value& v, boost::system::error_code& ec) {
    bytes_ = 0;
    Status s = (*cb_)(target_, v);
    if (!s.ok()) return Fail(ec, s);
    return true;
  }

  bool Fail(boost::system::error_code& ec, Status s) {
    if (status.ok()) status = std::move(s);
    ec = boost::json::error::syntax;
    return false;
  }

  const JsonArrayStreamOptions* opts_;
  const Callback* cb_;
  int depth_ = 0;
  bool in_target_ = false;
  std::string target_, root_key_, part_;
  std::vector<Frame> stack_;
  size_t bytes_ = 0;
};

}  // namespace

Status StreamJsonArray(Reader& in, const JsonArrayStreamOptions& opts, const Callback& on_element) {
  boost::json::parse_options po;
  po.max_depth = static_cast<std::size_t>(opts.max_depth);
  boost::json::basic_parser<Handler> parser(po, &opts, &on_element);
  LUCID_RETURN_IF_ERROR(FeedJson(in, parser, "JSON"));
  if (!parser.handler().found) return Corrupt("JSON: no array member named as expected at the top level");
  return Status::Ok();
}

}  // namespace lucid::updater
