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

}  // namespace lucid::http
