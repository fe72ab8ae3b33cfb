// Transport-independent HTTP request/response values, so that routing and the
// API handlers (api.h) never see Boost.Beast.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lucid::http {

struct Request {
  std::string method;                                        // "GET"
  std::string target;                                        // raw request-target, e.g. "/a/b?x=1"
  std::string path;                                          // target before '?', percent-decoded
  std::string query;                                         // after '?', raw
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;
  std::string remote_addr;

  // Every value of header `lower_name`, in order.
  std::vector<std::string_view> Header(std::string_view lower_name) const;
  // Value of query parameter `key` (first occurrence, decoded); `found` tells presence.
  std::string QueryParam(std::string_view key, bool* found = nullptr) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set instead of `body` for a large immutable body shared by many responses
  // (cached reports), so that serving it never copies it.
  std::shared_ptr<const std::string> shared_body;

  std::string_view Body() const { return shared_body ? std::string_view(*shared_body) : std::string_view(body); }

  void Set(std::string name, std::string value);  // replaces all values of `name`
  void Add(std::string name, std::string value);  // appends another line
  void Remove(std::string_view name);
  std::string Get(std::string_view name) const;  // first value or ""
};

}  // namespace lucid::http
