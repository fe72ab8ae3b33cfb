#include "indexer/os_release.h"

#include <cstdint>

namespace lucid::indexer {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsNewline(char c) { return c == '\n' || c == '\r'; }

bool ValidKey(std::string_view k) {
  if (k.empty()) return false;
  for (size_t i = 0; i < k.size(); ++i) {
    char c = k[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t j = 1; j <= n; ++j) {
      auto d = static_cast<uint8_t>(s[i + j]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and out-of-range code points are invalid.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

enum class State {
  kPreKey,
  kKey,
  kPreValue,
  kValue,
  kValueEscape,
  kSingleQuote,
  kDoubleQuote,
  kDoubleQuoteEscape,
  kComment,
  kCommentEscape,
};

}  // namespace

std::map<std::string, std::string> ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string> out;
  State st = State::kPreKey;
  std::string key, value;
  // Unescaped trailing blanks are trimmed; these mark where they start.
  size_t key_ws = std::string::npos, value_ws = std::string::npos;

  auto emit = [&] {
    if (key_ws != std::string::npos) key.resize(key_ws);
    if (value_ws != std::string::npos) value.resize(value_ws);
    if (ValidKey(key) && ValidUtf8(value)) out[key] = value;
    key.clear();
    value.clear();
    key_ws = value_ws = std::string::npos;
  };

  for (char c : text) {
    switch (st) {
      case State::kPreKey:
        if (c == '#' || c == ';') {
          st = State::kComment;
        } else if (!IsBlank(c) && !IsNewline(c)) {
          st = State::kKey;
          key.assign(1, c);
          key_ws = std::string::npos;
        }
        break;
      case State::kKey:
        if (IsNewline(c)) {  // no '=': not an assignment
          st = State::kPreKey;
          key.clear();
          key_ws = std::string::npos;
        } else if (c == '=') {
          st = State::kPreValue;
          value.clear();
          value_ws = std::string::npos;
        } else {
          if (!IsBlank(c)) {
            key_ws = std::string::npos;
          } else if (key_ws == std::string::npos) {
            key_ws = key.size();
          }
          key.push_back(c);
        }
        break;
      case State::kPreValue:
        if (IsNewline(c)) {
          st = State::kPreKey;
          emit();
        } else if (c == '\'') {
          st = State::kSingleQuote;
        } else if (c == '"') {
          st = State::kDoubleQuote;
        } else if (c == '\\') {
          st = State::kValueEscape;
        } else if (!IsBlank(c)) {
          st = State::kValue;
          value.push_back(c);
        }
        break;
      case State::kValue:
        if (IsNewline(c)) {
          st = State::kPreKey;
          emit();
        } else if (c == '\\') {
          st = State::kValueEscape;
          value_ws = std::string::npos;
        } else {
          if (!IsBlank(c)) {
            value_ws = std::string::npos;
          } else if (value_ws == std::string::npos) {
            value_ws = value.size();
          }
          value.push_back(c);
        }
        break;
      case State::kValueEscape:
        st = State::kValue;
        if (!IsNewline(c)) value.push_back(c);  // escaped newline = continuation
        break;
      case State::kSingleQuote:
        if (c == '\'') {
          st = State::kPreValue;
        } else {
          value.push_back(c);
        }
        break;
      case State::kDoubleQuote:
        if (c == '"') {
          st = State::kPreValue;
        } else if (c == '\\') {
          st = State::kDoubleQuoteEscape;
        } else {
          value.push_back(c);
        }
        break;
      case State::kDoubleQuoteEscape:
        st = State::kDoubleQuote;
        if (c == '"' || c == '\\' || c == '`' || c == '$') {
          value.push_back(c);
        } else if (!IsNewline(c)) {
          value.push_back('\\');
          value.push_back(c);
        }
        break;
      case State::kComment:
        if (c == '\\') {
          st = State::kCommentEscape;
        } else if (IsNewline(c)) {
          st = State::kPreKey;
        }
        break;
      case State::kCommentEscape:
        st = State::kComment;
        break;
    }
  }
  switch (st) {
    case State::kPreValue:
    case State::kValue:
    case State::kValueEscape:
    case State::kSingleQuote:
    case State::kDoubleQuote:
    case State::kDoubleQuoteEscape:
      emit();
      break;
    default:
      break;
  }
  return out;
}

}  // namespace lucid::indexer
