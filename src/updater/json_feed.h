// Drives a Boost.JSON SAX parser (basic_parser) over a Reader in 64 KiB
// chunks: the one loop every streaming feed parser needs. Memory stays at one
// chunk plus what the handler keeps. The handler must expose `Status status`
// (set when it rejects the data); parse errors, truncation and trailing bytes
// after the document come back as Corrupt, prefixed with `what` (e.g.
// "tracker JSON"). Include <boost/json/basic_parser_impl.hpp> in the TU that
// instantiates the parser, as Boost.JSON requires.
#pragma once

#include <boost/json/basic_parser.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"

namespace lucid::updater {

inline bool OnlyJsonSpace(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') return false;
  }
  return true;
}

template <class Handler>
Status FeedJson(Reader& in, boost::json::basic_parser<Handler>& parser, std::string_view what) {
  const std::string w(what);
  std::vector<char> buf(64 << 10);
  uint64_t offset = 0;
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(size_t n, in.Read(buf.data(), buf.size()));
    size_t used = 0;
    if (!parser.done()) {
      boost::system::error_code ec;
      used = parser.write_some(n > 0, buf.data(), n, ec);
      if (!parser.handler().status.ok()) return parser.handler().status;
      if (ec) {
        if (n == 0) return Corrupt(w + ": truncated document (" + ec.message() + ")");
        return Corrupt(w + ": " + ec.message() + " near byte " + std::to_string(offset + used));
      }
    }
    if (!OnlyJsonSpace(buf.data() + used, n - used)) {
      return Corrupt(w + ": trailing data after the document near byte " + std::to_string(offset + used));
    }
    offset += n;
    if (n == 0) break;
  }
  if (!parser.done()) return Corrupt(w + ": truncated document");
  return Status::Ok();
}

}  // namespace lucid::updater
