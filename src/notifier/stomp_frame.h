// STOMP 1.0/1.1/1.2 frames: encoding what Lucid sends and parsing what a
// broker answers. Broker replies are untrusted input: the parser bounds the
// frame size and header count and reports malformed frames as errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace lucid::notifier::stomp {

struct Frame {
  std::string command;
  std::vector<std::pair<std::string, std::string>> headers;  // in order; repeats allowed
  std::string body;

  // The first occurrence wins, as STOMP 1.2 says.
  std::optional<std::string> Header(std::string_view name) const;
};

// Header escaping depends on the negotiated version: none in 1.0 (and never
// in CONNECT/CONNECTED), \\ \n \c in 1.1, plus \r in 1.2.
enum class Version { k1_0, k1_1, k1_2 };

// A frame on the wire. Bodies get a content-length header so they may hold
// NUL bytes; header names and values are escaped for `version`.
std::string Encode(const Frame& f, Version version);

struct ParserLimits {
  size_t max_frame_bytes = 1 << 20;  // command, headers and body together
  size_t max_headers = 128;
};

// Incremental parser over a byte stream from the broker.
class Parser {
 public:
  explicit Parser(ParserLimits limits = {}) : limits_(limits) {}
  void set_version(Version v) { version_ = v; }
  // Appends received bytes. Nothing is parsed yet.
  void Feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete frame, nullopt when more bytes are needed, or an error
  // for a malformed or oversized frame (the stream is then unusable).
  // Heart-beat newlines between frames are skipped.
  Result<std::optional<Frame>> Next();

 private:
  ParserLimits limits_;
  Version version_ = Version::k1_2;
  std::string buf_;
};

}  // namespace lucid::notifier::stomp
