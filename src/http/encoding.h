// Response compression of the API handlers (contract §1.1): Accept-Encoding
// negotiation with Clair's quirks, and the zstd / gzip / deflate encoders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lucid::http {

// The coding to apply: "zstd", "gzip", "deflate" or "identity"; "" when
// nothing is acceptable (the caller answers 415, empty body). No header ->
// "identity". As upstream: q=0 forbids a coding; entries without an explicit q
// rank after those with one; "*" means gzip unless gzip is forbidden.
std::string NegotiateEncoding(const std::vector<std::string_view>& accept_encoding);

// Compresses `body` with `coding` (not "identity").
Result<std::string> EncodeBody(std::string_view coding, std::string_view body);

}  // namespace lucid::http
