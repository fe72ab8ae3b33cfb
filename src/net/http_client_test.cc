#include "net/http_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>

#include "base/io.h"
#include "testing/process.h"

namespace lucid::net {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = lucid::testing::StartTestHttpServer();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s).release();
  }
  static void TearDownTestSuite() { delete server_; }
  std::string Url(std::string_view path) { return "http://" + server_->address() + std::string(path); }
  static lucid::testing::ChildServer* server_;
};
lucid::testing::ChildServer* HttpClientTest::server_ = nullptr;

TEST_F(HttpClientTest, FetchBodyAndLowerCasedHeaders) {
  HttpClient c;
  auto r = c.Fetch({.url = Url("/hello")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->headers.at("x-test"), "Value");
  EXPECT_EQ(r->header("X-TEST"), "Value");
  EXPECT_EQ(r->bytes, 11u);
  EXPECT_EQ(r->proxy, "");
}

TEST_F(HttpClientTest, FollowsRedirects) {
  HttpClient c;
  auto r = c.Fetch({.url = Url("/redirect")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->effective_url, Url("/hello"));

  auto nofollow = c.Fetch({.url = Url("/redirect"), .follow_redirects = false});
  ASSERT_TRUE(nofollow.ok());
  EXPECT_EQ(nofollow->status, 302);
  EXPECT_EQ(nofollow->header("location"), "/hello");
}

TEST_F(HttpClientTest, HttpStatusIsAValueAndHttpErrorNamesIt) {
  HttpClient c;
  Request req{.url = Url("/status/404")};
  auto r = c.Fetch(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  Status s = HttpError(req, *r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("HTTP status 404"), std::string::npos);
  EXPECT_NE(s.message().find(Url("/status/404")), std::string::npos);
  r = c.Fetch({.url = Url("/status/503")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(HttpError(req, *r).code(), StatusCode::kUnavailable);
}

TEST_F(HttpClientTest, MaxBodyBytesGivesTooLarge) {
  HttpClient c;
  auto r = c.Fetch({.url = Url("/big/100000"), .max_body_bytes = 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(r.status().message().find("/big/100000"), std::string::npos);
  auto ok = c.Fetch({.url = Url("/big/100000"), .max_body_bytes = 100000});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body.size(), 100000u);
}

TEST_F(HttpClientTest, StallTimeout) {
  HttpClient c;
  auto start = std::chrono::steady_clock::now();
  auto r = c.Fetch({.url = Url("/stall"), .stall_timeout = std::chrono::seconds(2)});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(HttpClientTest, WholeTransferTimeout) {
  HttpClient c;
  auto r =
      c.Fetch({.url = Url("/stall"), .timeout = std::chrono::seconds(1), .stall_timeout = std::chrono::seconds(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(HttpClientTest, ConnectionRefusedNamesUrlAndCurlError) {
  HttpClient c;
  auto r = c.Fetch({.url = "http://127.0.0.1:1/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("http://127.0.0.1:1/x"), std::string::npos);
  EXPECT_NE(r.status().message().find("onnect"), std::string::npos) << r.status().message();
}

TEST_F(HttpClientTest, FetchToStreamsAndCanCancel) {
  HttpClient c;
  size_t got = 0;
  auto r = c.FetchTo({.url = Url("/big/300000")}, [&](const char*, size_t n) {
    got += n;
    return true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(got, 300000u);
  auto cancelled = c.FetchTo({.url = Url("/big/300000")}, [](const char*, size_t) { return false; });
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled);
}

TEST_F(HttpClientTest, FetchToFile) {
  auto tmp = TempFile::Create("lucid-net-test");
  ASSERT_TRUE(tmp.ok());
  HttpClient c;
  auto r = c.FetchToFile({.url = Url("/big/12345")}, tmp->path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto data = ReadFile(tmp->path(), 1 << 20);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, std::string(12345, 'x'));
}

TEST_F(HttpClientTest, SendsRequestHeadersAndUserAgent) {
  HttpClient c;
  c.user_agent = "lucid-test/1";
  auto r = c.Fetch({.url = Url("/echo-headers"), .headers = {{"Authorization", "Bearer abc"}}});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("Authorization: Bearer abc"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("User-Agent: lucid-test/1"), std::string::npos) << r->body;
}

TEST_F(HttpClientTest, PlainHttpRefusedWhenNotAllowed) {
  HttpClient c;
  auto r = c.Fetch({.url = Url("/hello"), .allow_plain_http = false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, ProxyFromEnvironmentIsUsedAndReported) {
  // A proxy that refuses connections: the error must name it.
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  HttpClient c;
  auto r = c.Fetch({.url = "http://example.invalid/x"});
  ::unsetenv("http_proxy");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("via proxy http://127.0.0.1:1"), std::string::npos) << r.status().message();
}

TEST(ProxyForTest, FollowsCurlRules) {
  ::unsetenv("http_proxy");
  ::unsetenv("https_proxy");
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("HTTP_PROXY");
  ::unsetenv("all_proxy");
  ::unsetenv("ALL_PROXY");
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  EXPECT_EQ(ProxyFor("http://a.example/x"), "");
  ::setenv("HTTP_PROXY", "http://upper:1", 1);
  EXPECT_EQ(ProxyFor("http://a.example/x"), "");  // curl ignores upper-case HTTP_PROXY
  ::setenv("http_proxy", "http://lower:1", 1);
  EXPECT_EQ(ProxyFor("http://a.example/x"), "http://lower:1");
  ::setenv("HTTPS_PROXY", "http://secure:3128", 1);
  EXPECT_EQ(ProxyFor("https://a.example/x"), "http://secure:3128");
  ::setenv("NO_PROXY", "example.com, .internal", 1);
  EXPECT_EQ(ProxyFor("https://registry.example.com/v2/"), "");
  EXPECT_EQ(ProxyFor("https://example.com:5000/v2/"), "");
  EXPECT_EQ(ProxyFor("https://x.internal/v2/"), "");
  EXPECT_EQ(ProxyFor("https://notexample.com/"), "http://secure:3128");
  ::setenv("no_proxy", "*", 1);
  EXPECT_EQ(ProxyFor("https://a.example/x"), "");
  for (const char* v : {"http_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}) ::unsetenv(v);
}

}  // namespace
}  // namespace lucid::net
