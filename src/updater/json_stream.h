// Streams the elements of one array member of a JSON document's root object
// (e.g. NVD's "CVE_Items" / "vulnerabilities") to a callback, one element at
// a time as a Boost.JSON value. The whole document is still validated (SAX
// parser), but memory is bounded by the largest single element.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/status.h"

namespace lucid::updater {

struct JsonArrayStreamOptions {
  // Root keys whose array values are streamed; any other member is skipped.
  std::vector<std::string> array_keys;
  size_t max_element_bytes = 64u << 20;
  int max_depth = 128;
};

// Calls `on_element(key, element)` for each element. Corrupt on malformed,
// truncated or non-object documents and on documents without any of the
// keys; TooLarge for an oversized element. A non-OK callback status aborts.
Status StreamJsonArray(Reader& in, const JsonArrayStreamOptions& opts,
                       const std::function<Status(std::string_view key, boost::json::value& element)>& on_element);

}  // namespace lucid::updater
