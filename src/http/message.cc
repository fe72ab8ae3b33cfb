#include "http/message.h"

#include "base/strings.h"

namespace lucid::http {

std::vector<std::string_view> Request::Header(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers)
    if (k == name) out.push_back(v);
  return out;
}

std::string Request::QueryParam(std::string_view key, bool* found) const {
  if (found) *found = false;
  for (std::string_view part : SplitString(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string k = PercentDecode(part.substr(0, eq), true);
    if (k != key) continue;
    if (found) *found = true;
    return eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true);
  }
  return "";
}

void Response::Set(std::string name, std::string value) {
  Remove(name);
  headers.emplace_back(std::move(name), std::move(value));
}

void Response::Add(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }

void Response::Remove(std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

std::string Response::Get(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) return v;
  return "";
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace lucid::http
