#include "core/digest.h"

#include <cctype>

namespace lucid {

Result<Digest> Digest::Parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return InvalidArgument("digest \"" + std::string(text) + "\" has no algorithm");
  std::string_view algo = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  size_t want = 0;
  if (algo == "sha256") {
    want = 64;
  } else if (algo == "sha512") {
    want = 128;
  } else {
    return InvalidArgument("digest \"" + std::string(text) + "\": unsupported algorithm \"" + std::string(algo) + "\"");
  }
  if (hex.size() != want) return InvalidArgument("digest \"" + std::string(text) + "\": wrong length");
  std::string lower;
  lower.reserve(hex.size());
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return InvalidArgument("digest \"" + std::string(text) + "\": not hex");
    }
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return Digest(std::string(algo), std::move(lower));
}

}  // namespace lucid
