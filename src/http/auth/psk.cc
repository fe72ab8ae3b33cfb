#include "http/auth/psk.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace lucid::http::auth {
namespace bj = boost::json;

namespace {
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int64_t kLeewaySeconds = 15;

const EVP_MD* DigestFor(std::string_view alg) {
  if (alg == "HS256") return EVP_sha256();
  if (alg == "HS384") return EVP_sha384();
  if (alg == "HS512") return EVP_sha512();
  return nullptr;
}

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // A zero-length key pointer must still be valid for OpenSSL.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (!HMAC(md, k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
            &len)) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

// A NumericDate claim: absent is fine, present must be a number.
Result<std::optional<double>> NumericClaim(const bj::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return std::optional<double>();
  const bj::value& v = it->value();
  if (v.is_int64()) return std::optional<double>(static_cast<double>(v.get_int64()));
  if (v.is_uint64()) return std::optional<double>(static_cast<double>(v.get_uint64()));
  if (v.is_double() && std::isfinite(v.get_double())) return std::optional<double>(v.get_double());
  return InvalidArgument("claim \"" + std::string(name) + "\" is not a number");
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kUrlAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kUrlAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return InvalidArgument("bad base64url length");
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t pos = kUrlAlphabet.find(c);
    if (pos == std::string_view::npos) return InvalidArgument("bad base64url character");
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Result<PskVerifier> PskVerifier::Create(std::string key, std::vector<std::string> issuers) {
  if (key.empty()) return InvalidArgument("auth.psk.key decodes to zero bytes");
  if (issuers.empty()) return InvalidArgument("auth.psk.iss must list at least one issuer");
  return PskVerifier(std::move(key), std::move(issuers));
}

Result<PskVerifier> PskVerifier::FromConfig(const config::PskConfig& psk) {
  auto key = config::DecodePskKey(psk.key);
  if (!key.ok()) return key.status().WithContext("auth.psk.key");
  return Create(std::move(*key), psk.iss);
}

Status PskVerifier::Verify(const std::vector<std::string_view>& values,
                           std::chrono::system_clock::time_point now) const {
  for (std::string_view v : values) {
    if (v.substr(0, 7) == "Bearer ") return VerifyToken(v.substr(7), now);
  }
  return Status(StatusCode::kPermissionDenied, "no Bearer authorization header");
}

Status PskVerifier::VerifyToken(std::string_view token, std::chrono::system_clock::time_point now) const {
  auto denied = [](std::string m) { return Status(StatusCode::kPermissionDenied, std::move(m)); };
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return denied("token is not a compact JWS");
  }
  auto header_raw = Base64UrlDecode(token.substr(0, d1));
  auto payload_raw = Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = Base64UrlDecode(token.substr(d2 + 1));
  if (!header_raw.ok() || !payload_raw.ok() || !sig.ok()) return denied("token is not base64url");

  boost::system::error_code ec;
  bj::value header = bj::parse(*header_raw, ec);
  if (ec || !header.is_object()) return denied("JOSE header is not a JSON object");
  auto alg_it = header.get_object().find("alg");
  if (alg_it == header.get_object().end() || !alg_it->value().is_string()) return denied("JOSE header without alg");
  std::string alg(alg_it->value().get_string());
  const EVP_MD* md = DigestFor(alg);
  if (!md) return denied("unsupported alg \"" + alg + "\"");

  std::string mac = Hmac(md, key_, token.substr(0, d2));
  if (mac.empty() || mac.size() != sig->size() || CRYPTO_memcmp(mac.data(), sig->data(), mac.size()) != 0) {
    return denied("bad signature");
  }

  bj::value payload = bj::parse(*payload_raw, ec);
  if (ec || !payload.is_object()) return denied("claims are not a JSON object");
  const auto& claims = payload.get_object();
  const double t =
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  auto exp = NumericClaim(claims, "exp");
  auto nbf = NumericClaim(claims, "nbf");
  auto iat = NumericClaim(claims, "iat");
  if (!exp.ok() || !nbf.ok() || !iat.ok()) return denied("malformed time claim");
  if (*exp && t - kLeewaySeconds > **exp) return denied("token expired");
  if (*nbf && t + kLeewaySeconds < **nbf) return denied("token not valid yet (nbf)");
  if (*iat && t + kLeewaySeconds < **iat) return denied("token issued in the future (iat)");

  auto iss_it = claims.find("iss");
  if (iss_it == claims.end() || !iss_it->value().is_string()) return denied("token without iss");
  std::string_view iss = iss_it->value().get_string();
  if (iss == kIntraserviceIssuer) return Status::Ok();
  if (std::find(issuers_.begin(), issuers_.end(), iss) != issuers_.end()) return Status::Ok();
  return denied("issuer \"" + std::string(iss) + "\" not accepted");
}

std::string Sign(std::string_view key, const Claims& c) {
  std::string header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  bj::object o;
  o["iss"] = c.iss;
  if (c.iat) o["iat"] = c.iat;
  if (c.nbf) o["nbf"] = c.nbf;
  if (c.exp) o["exp"] = c.exp;
  std::string signing_input = header + "." + Base64UrlEncode(bj::serialize(o));
  return signing_input + "." + Base64UrlEncode(Hmac(EVP_sha256(), key, signing_input));
}

std::string MintToken(std::string_view key, std::string_view issuer, std::chrono::system_clock::time_point now) {
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return Sign(key, Claims{std::string(issuer), t, t - 60, t + 60});
}

}  // namespace lucid::http::auth
