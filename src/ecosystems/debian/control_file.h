// RFC 822-style stanzas as found in dpkg's status database: "Key: value"
// lines, continuation lines starting with a blank, stanzas separated by
// blank lines. Keys are case-insensitive.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace lucid::debian {

class Stanza {
 public:
  // Value of the first field named `key` (any case), or "" if absent.
  std::string_view Get(std::string_view key) const;
  bool Has(std::string_view key) const;
  void Add(std::string key, std::string value) { fields_.emplace_back(std::move(key), std::move(value)); }
  bool empty() const { return fields_.empty(); }
  void clear() { fields_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Calls `fn` for each stanza in order; stops at the first non-OK status from
// `fn`. Continuation lines are joined to the field value with "\n" after
// trimming. A line that is neither a field, a continuation nor blank gives
// Corrupt (the text is not a control file).
Status ForEachStanza(std::string_view text, const std::function<Status(const Stanza&)>& fn);

}  // namespace lucid::debian
