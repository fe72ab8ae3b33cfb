#include "http/auth/psk.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>

namespace lucid::http::auth {
namespace {
using std::chrono::system_clock;

const std::string kKey = "secret-key-bytes-\x01\x02";

std::string Python(const std::string& script) {
  // Debian's interpreter ships PyJWT; the pyenv one first on PATH does not.
  std::string cmd = "/usr/bin/python3 -c '" + script + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while (p && (n = fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string PyKey() { return "b\"secret-key-bytes-\\x01\\x02\""; }

std::string PyJwt(const std::string& claims, const std::string& alg) {
  return Python("import jwt,time; now=int(time.time()); print(jwt.encode(" + claims + ", " + PyKey() +
                ", algorithm=\"" + alg + "\"))");
}

PskVerifier Verifier() {
  auto v = PskVerifier::Create(kKey, {"quay", "clairctl"});
  EXPECT_TRUE(v.ok());
  return *v;
}

TEST(Psk, CreateRejectsEmpty) {
  EXPECT_FALSE(PskVerifier::Create("", {"quay"}).ok());
  EXPECT_FALSE(PskVerifier::Create("k", {}).ok());
  config::PskConfig c{"c2VjcmV0", {"quay"}};
  auto v = PskVerifier::FromConfig(c);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->key(), "secret");
  EXPECT_FALSE(PskVerifier::FromConfig({"not base64!", {"quay"}}).ok());
}

TEST(Psk, PyJwtTokensVerify) {
  PskVerifier v = Verifier();
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    std::string tok = PyJwt("{\"iss\":\"quay\",\"exp\":now+60,\"nbf\":now-5,\"iat\":now}", alg);
    ASSERT_EQ(std::count(tok.begin(), tok.end(), '.'), 2) << tok;
    EXPECT_TRUE(v.VerifyToken(tok, system_clock::now()).ok())
        << alg << ": " << v.VerifyToken(tok, system_clock::now()).message();
    EXPECT_TRUE(v.Verify({"Basic abc", std::string_view("Bearer " + tok)}).ok());
  }
  // No time claims at all: never expires.
  EXPECT_TRUE(v.VerifyToken(PyJwt("{\"iss\":\"clair-intraservice\"}", "HS256"), system_clock::now()).ok());
}

TEST(Psk, RejectionMatrix) {
  PskVerifier v = Verifier();
  auto now = system_clock::now();
  struct Case {
    std::string name, token;
  };
  std::vector<Case> cases = {
      {"expired", PyJwt("{\"iss\":\"quay\",\"exp\":now-60}", "HS256")},
      {"nbf future", PyJwt("{\"iss\":\"quay\",\"nbf\":now+120}", "HS256")},
      {"iat future", PyJwt("{\"iss\":\"quay\",\"iat\":now+120}", "HS256")},
      {"unlisted issuer", PyJwt("{\"iss\":\"mallory\"}", "HS256")},
      {"missing issuer", PyJwt("{\"sub\":\"x\"}", "HS256")},
      {"wrong key", Python("import jwt; print(jwt.encode({\"iss\":\"quay\"}, b\"other\", algorithm=\"HS256\"))")},
      {"alg none", Python("import jwt; print(jwt.encode({\"iss\":\"quay\"}, None, algorithm=\"none\"))")},
      {"garbage", "a.b.c"},
      {"two parts", "abc.def"},
      {"bad exp type", Python("import jwt; print(jwt.encode({\"iss\":\"quay\",\"exp\":\"soon\"}, " + PyKey() +
                              ", algorithm=\"HS256\"))")},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(v.VerifyToken(c.token, now).ok()) << c.name << " token " << c.token;
  }
  // Tampered payload with the original signature.
  std::string good = Sign(kKey, {"quay", 0, 0, 0});
  std::string tampered = good;
  size_t d1 = tampered.find('.');
  tampered.replace(d1 + 1, tampered.find('.', d1 + 1) - d1 - 1, Base64UrlEncode(R"({"iss":"quay","x":1})"));
  EXPECT_FALSE(v.VerifyToken(tampered, now).ok());
  // Header forms.
  EXPECT_FALSE(v.Verify({}).ok());
  EXPECT_FALSE(v.Verify({"bearer " + good}).ok());  // case-sensitive scheme
  EXPECT_FALSE(v.Verify({"Bearer  " + good}).ok());
  EXPECT_TRUE(v.Verify({"Bearer " + good}).ok());
}

TEST(Psk, LeewayIsFifteenSeconds) {
  PskVerifier v = Verifier();
  auto now = system_clock::now();
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  EXPECT_TRUE(v.VerifyToken(Sign(kKey, {"quay", 0, 0, t - 10}), now).ok());   // exp 10 s ago
  EXPECT_FALSE(v.VerifyToken(Sign(kKey, {"quay", 0, 0, t - 20}), now).ok());  // exp 20 s ago
  EXPECT_TRUE(v.VerifyToken(Sign(kKey, {"quay", 0, t + 10, 0}), now).ok());   // nbf in 10 s
  EXPECT_FALSE(v.VerifyToken(Sign(kKey, {"quay", 0, t + 20, 0}), now).ok());  // nbf in 20 s
}

TEST(Psk, PyJwtAcceptsOurTokens) {
  std::string tok = MintToken(kKey);
  std::string out =
      Python("import jwt; c=jwt.decode(\"" + tok + "\", " + PyKey() +
             ", algorithms=[\"HS256\"]); print(c[\"iss\"], c[\"exp\"]-c[\"iat\"], c[\"iat\"]-c[\"nbf\"])");
  EXPECT_EQ(out, "clair-intraservice 60 60");
  EXPECT_TRUE(Verifier().VerifyToken(tok, system_clock::now()).ok());
  std::string ctl = MintToken(kKey, "clairctl");
  EXPECT_TRUE(Verifier().VerifyToken(ctl, system_clock::now()).ok());
}

TEST(Psk, Base64Url) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    auto back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
  EXPECT_FALSE(Base64UrlDecode("a").ok());
}

}  // namespace
}  // namespace lucid::http::auth
