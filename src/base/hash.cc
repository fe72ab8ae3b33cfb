#include "base/hash.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace lucid {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Hasher::Hasher(HashAlgorithm algo) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  const EVP_MD* md = EVP_sha256();
  switch (algo) {
    case HashAlgorithm::kSha256:
      md = EVP_sha256();
      break;
    case HashAlgorithm::kSha512:
      md = EVP_sha512();
      break;
    case HashAlgorithm::kMd5:
      md = EVP_md5();
      break;
    case HashAlgorithm::kSha1:
      md = EVP_sha1();
      break;
  }
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest init failed");  // out of memory only
  }
}

Hasher::~Hasher() {
  if (impl_ && impl_->ctx) EVP_MD_CTX_free(impl_->ctx);
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Update(const void* data, size_t len) { EVP_DigestUpdate(impl_->ctx, data, len); }

std::string Hasher::FinishHex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &n);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), n));
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

std::string Sha256Hex(std::string_view data) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update(data);
  return h.FinishHex();
}

std::string Md5Hex(std::string_view data) {
  Hasher h(HashAlgorithm::kMd5);
  h.Update(data);
  return h.FinishHex();
}

}  // namespace lucid
