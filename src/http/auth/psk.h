// Clair's pre-shared-key JWT authentication (contract §2): HS256/384/512
// compact JWS, checked against the decoded PSK; plus minting of the short-lived
// tokens Lucid attaches to its own intra-service requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace lucid::http::auth {

inline constexpr std::string_view kIntraserviceIssuer = "clair-intraservice";

class PskVerifier {
 public:
  // `key` is the decoded HMAC key (non-empty); `issuers` the configured list
  // (non-empty). "clair-intraservice" is always accepted as well.
  static Result<PskVerifier> Create(std::string key, std::vector<std::string> issuers);
  // From auth.psk of the configuration (base64 key).
  static Result<PskVerifier> FromConfig(const config::PskConfig& psk);

  // Checks the request's Authorization header values (all of them, in order).
  // OK means authenticated; the error message is for debug logs only.
  Status Verify(const std::vector<std::string_view>& authorization_values,
                std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;
  // Verifies one compact JWS token (without the "Bearer " prefix).
  Status VerifyToken(std::string_view token, std::chrono::system_clock::time_point now) const;

  const std::string& key() const { return key_; }

 private:
  PskVerifier(std::string key, std::vector<std::string> issuers) : key_(std::move(key)), issuers_(std::move(issuers)) {}
  std::string key_;
  std::vector<std::string> issuers_;
};

// Time claims that are 0 are left out of the token.
struct Claims {
  std::string iss;
  int64_t iat = 0;
  int64_t nbf = 0;
  int64_t exp = 0;
};

// Signs `claims` as an HS256 compact JWS with `key` (decoded bytes).
std::string Sign(std::string_view key, const Claims& claims);
// The token Clair mints per outgoing request: iss clair-intraservice (or
// `issuer`), iat = now, nbf = now - 60 s, exp = now + 60 s.
std::string MintToken(std::string_view key, std::string_view issuer = kIntraserviceIssuer,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// base64url without padding (RFC 7515 §2), exposed for tests.
std::string Base64UrlEncode(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace lucid::http::auth
