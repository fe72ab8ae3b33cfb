#include "notifier/stomp_frame.h"

#include <charconv>

namespace lucid::notifier::stomp {

namespace {

// CONNECT and CONNECTED never escape, for 1.0 brokers' sake.
bool Escapes(std::string_view command, Version v) {
  return v != Version::k1_0 && command != "CONNECT" && command != "CONNECTED";
}

std::string Escape(std::string_view s, bool escape, Version v) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!escape) {
      // Without escaping a line break would end the header early; a value
      // from configuration must not be able to inject headers or frames.
      if (c != '\r' && c != '\n' && c != '\0') out += c;
      continue;
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case ':':
        out += "\\c";
        break;
      case '\r':
        if (v == Version::k1_2) out += "\\r";
        break;  // 1.1 cannot carry CR in a header
      case '\0':
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view s, Version v) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 1 == s.size()) return Corrupt("STOMP header ends in a lone backslash");
    switch (s[++i]) {
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 'c':
        out += ':';
        break;
      case 'r':
        if (v == Version::k1_2) {
          out += '\r';
          break;
        }
        [[fallthrough]];
      default:
        return Corrupt("STOMP header has an undefined escape sequence");
    }
  }
  return out;
}

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::optional<std::string> Frame::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Encode(const Frame& f, Version version) {
  const bool esc = Escapes(f.command, version);
  std::string out = f.command;
  out += '\n';
  for (const auto& [k, v] : f.headers) {
    if (k == "content-length") continue;  // always computed below
    out += Escape(k, esc, version);
    out += ':';
    out += Escape(v, esc, version);
    out += '\n';
  }
  if (!f.body.empty()) out += "content-length:" + std::to_string(f.body.size()) + "\n";
  out += '\n';
  out += f.body;
  out += '\0';
  return out;
}

Result<std::optional<Frame>> Parser::Next() {
  // Heart-beats (bare EOLs) may precede any frame.
  size_t start = buf_.find_first_not_of("\r\n");
  if (start == std::string::npos) {
    buf_.clear();
    return std::optional<Frame>{};
  }
  if (start > 0) buf_.erase(0, start);

  auto incomplete = [&]() -> Result<std::optional<Frame>> {
    if (buf_.size() > limits_.max_frame_bytes) {
      return TooLarge("STOMP frame from the broker exceeds " + std::to_string(limits_.max_frame_bytes) + " bytes");
    }
    return std::optional<Frame>{};
  };

  Frame f;
  size_t pos = 0;
  // Command line.
  size_t eol = buf_.find('\n', pos);
  if (eol == std::string::npos) return incomplete();
  f.command = std::string(StripCr(std::string_view(buf_).substr(pos, eol - pos)));
  if (f.command.empty() || f.command.size() > 32) return Corrupt("STOMP frame has an invalid command line");
  for (char c : f.command) {
    if (c < 'A' || c > 'Z') return Corrupt("STOMP frame has an invalid command line");
  }
  pos = eol + 1;
  const bool esc = Escapes(f.command, version_);
  // Headers up to the blank line.
  while (true) {
    eol = buf_.find('\n', pos);
    if (eol == std::string::npos) return incomplete();
    std::string_view line = StripCr(std::string_view(buf_).substr(pos, eol - pos));
    pos = eol + 1;
    if (line.empty()) break;
    if (f.headers.size() == limits_.max_headers) {
      return TooLarge("STOMP frame from the broker has more than " + std::to_string(limits_.max_headers) + " headers");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Corrupt("STOMP frame has a malformed header line");
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    if (esc) {
      LUCID_ASSIGN_OR_RETURN(auto n, Unescape(name, version_));
      LUCID_ASSIGN_OR_RETURN(auto v, Unescape(value, version_));
      f.headers.emplace_back(std::move(n), std::move(v));
    } else {
      f.headers.emplace_back(std::string(name), std::string(value));
    }
  }
  // Body: content-length bytes then NUL, or everything up to the first NUL.
  size_t end = 0;
  if (auto len = f.Header("content-length")) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(len->data(), len->data() + len->size(), n);
    if (ec != std::errc() || p != len->data() + len->size() || len->empty()) {
      return Corrupt("STOMP frame has an invalid content-length");
    }
    if (n > limits_.max_frame_bytes || pos + n + 1 > limits_.max_frame_bytes) {
      return TooLarge("STOMP frame from the broker exceeds " + std::to_string(limits_.max_frame_bytes) + " bytes");
    }
    if (buf_.size() < pos + n + 1) return incomplete();
    if (buf_[pos + n] != '\0') return Corrupt("STOMP frame body is not terminated by NUL after content-length");
    end = pos + n;
  } else {
    end = buf_.find('\0', pos);
    if (end == std::string::npos) return incomplete();
  }
  if (end + 1 > limits_.max_frame_bytes) {
    return TooLarge("STOMP frame from the broker exceeds " + std::to_string(limits_.max_frame_bytes) + " bytes");
  }
  f.body = buf_.substr(pos, end - pos);
  buf_.erase(0, end + 1);
  return std::optional<Frame>(std::move(f));
}

}  // namespace lucid::notifier::stomp
