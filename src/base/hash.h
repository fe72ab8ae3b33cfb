// Streaming SHA-256/SHA-512 and MD5 over OpenSSL EVP, used to verify blob
// digests while bytes flow and to compute the index state token.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lucid {

enum class HashAlgorithm { kSha256, kSha512, kMd5, kSha1 };

class Hasher {
 public:
  explicit Hasher(HashAlgorithm algo);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lowercase hex digest; the hasher must not be updated afterwards.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Hex(std::string_view data);
std::string Md5Hex(std::string_view data);
std::string HexEncode(std::string_view bytes);

}  // namespace lucid
