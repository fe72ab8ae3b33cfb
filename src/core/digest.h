// Digest: "<algorithm>:<hex>" content address of a manifest or blob.
// Only sha256 (64 hex) and sha512 (128 hex) are accepted, as in Clair; hex is
// accepted in any case and kept lowercase.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lucid {

class Digest {
 public:
  Digest() = default;
  static Result<Digest> Parse(std::string_view text);
  static Digest Sha256FromHex(std::string hex) { return Digest("sha256", std::move(hex)); }

  bool empty() const { return hex_.empty(); }
  const std::string& algorithm() const { return algo_; }
  const std::string& hex() const { return hex_; }
  std::string str() const { return empty() ? std::string() : algo_ + ":" + hex_; }

  auto operator<=>(const Digest&) const = default;

 private:
  Digest(std::string algo, std::string hex) : algo_(std::move(algo)), hex_(std::move(hex)) {}
  std::string algo_;
  std::string hex_;
};

}  // namespace lucid
