// End-to-end tests of the HTTP server over real sockets on 127.0.0.1.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "base/io.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/test_services.h"

namespace lucid::http {
namespace {
using namespace std::chrono_literals;
using testing::kRef1;
using testing::kRef2;
using testing::kState;
using testing::TestDigest;

const std::string kPskKey = "server-test-key";

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool ok = false;  // a full response was read
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (EqualsIgnoreCase(k, name)) return v;
    return "";
  }
  int Count(std::string_view name) const {
    int n = 0;
    for (const auto& [k, v] : headers) n += EqualsIgnoreCase(k, name) ? 1 : 0;
    return n;
  }
  bool Has(std::string_view name) const { return Count(name) > 0; }
};

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one response (Content-Length or read-to-close bodies). Bytes read
// past the response are kept in `carry` (for pipelined responses).
HttpResponse ReadResponse(int fd, bool head = false, std::string* carry = nullptr) {
  HttpResponse r;
  std::string buf = carry ? std::move(*carry) : std::string();
  if (carry) carry->clear();
  char tmp[16384];
  size_t hdr_end;
  while ((hdr_end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return r;
    buf.append(tmp, static_cast<size_t>(n));
  }
  std::string head_text = buf.substr(0, hdr_end);
  std::string rest = buf.substr(hdr_end + 4);
  auto lines = SplitString(head_text, '\n');
  std::string status_line(TrimSpace(lines[0]));
  if (status_line.size() < 12) return r;
  r.status = std::stoi(status_line.substr(9, 3));
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = TrimSpace(lines[i]);
    size_t c = l.find(':');
    if (c == std::string_view::npos) continue;
    r.headers.emplace_back(std::string(l.substr(0, c)), std::string(TrimSpace(l.substr(c + 1))));
  }
  bool no_body = head || r.status == 204 || r.status == 304;
  if (no_body) {
    if (carry) *carry = rest;
    r.ok = true;
    return r;
  }
  if (r.Has("Content-Length")) {
    size_t len = std::stoul(r.Header("Content-Length"));
    while (rest.size() < len) {
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return r;
      rest.append(tmp, static_cast<size_t>(n));
    }
    r.body = rest.substr(0, len);
    if (carry) *carry = rest.substr(len);
  } else {
    for (;;) {
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) break;
      rest.append(tmp, static_cast<size_t>(n));
    }
    r.body = rest;
  }
  r.ok = true;
  return r;
}

std::string BuildRequest(const std::string& method, const std::string& target,
                         const std::vector<std::string>& headers = {}, const std::string& body = "",
                         bool close = true) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (close) req += "Connection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "DELETE")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  return req;
}

HttpResponse Do(uint16_t port, const std::string& method, const std::string& target,
                const std::vector<std::string>& headers = {}, const std::string& body = "") {
  int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, BuildRequest(method, target, headers, body));
  HttpResponse r = ReadResponse(fd, method == "HEAD");
  ::close(fd);
  return r;
}

std::string ManifestJson(char c, const std::string& uri = "http://registry.invalid/blob") {
  return R"({"hash":")" + TestDigest(c) + R"(","layers":[{"hash":")" + TestDigest('f') + R"(","uri":")" + uri +
         R"(","headers":{"Authorization":["Bearer x"]}}]})";
}

// Validates `body` against a schema of clair-schemas/v1-as-emitted with
// Debian's python3-jsonschema. Returns "" when valid, else the error text.
std::string ValidateSchema(const std::string& schema, const std::string& body) {
  auto tmp = TempFile::Create("lucid-schema-");
  EXPECT_TRUE(tmp.ok());
  std::ofstream(tmp->path()) << body;
  const std::string dir = std::string(LUCID_SHARED_DIR) + "/reference/clair-schemas/v1-as-emitted";
  const std::string script =
      "import json,sys,glob,os\n"
      "from jsonschema import Draft202012Validator, RefResolver\n"
      "store={}\n"
      "for f in glob.glob(os.path.join(sys.argv[1],'*.schema.json')):\n"
      "  s=json.load(open(f)); store[s['$id']]=s\n"
      "schema=store['https://clairproject.org/api/http/v1-as-emitted/'+sys.argv[2]+'.schema.json']\n"
      "v=Draft202012Validator(schema, resolver=RefResolver.from_schema(schema, store=store))\n"
      "errs=[e.message+' at '+'/'.join(map(str,e.path)) for e in v.iter_errors(json.load(open(sys.argv[3])))]\n"
      "print('\\n'.join(errs)); sys.exit(1 if errs else 0)\n";
  auto py = TempFile::Create("lucid-schema-py-");
  std::ofstream(py->path()) << script;
  std::string cmd = "/usr/bin/python3 -W ignore " + py->path() + " " + dir + " " + schema + " " + tmp->path() + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> b;
  size_t n;
  while ((n = fread(b.data(), 1, b.size(), p.get())) > 0) out.append(b.data(), n);
  int rc = pclose(p.release());
  return rc == 0 ? "" : (out.empty() ? "validator failed" : out);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}, bool with_psk = false) {
    opts.listen_addr = "127.0.0.1:0";
    opts.introspection_addr = "127.0.0.1:0";
    if (opts.openapi_path.empty()) opts.openapi_path = std::string(LUCID_SHARED_DIR) + "/reference/clair-openapi.json";
    opts.cache_age = 1800s;
    if (with_psk) {
      auto v = auth::PskVerifier::Create(kPskKey, {"quay", "clairctl"});
      ASSERT_TRUE(v.ok());
      opts.psk = std::move(*v);
    }
    server_ = std::make_unique<Server>(opts, &indexer_, &matcher_, &registry_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->api_port();
    intro_ = server_->introspection_port();
    ASSERT_NE(port_, 0);
    ASSERT_NE(intro_, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::string Token(const std::string& iss = "quay") {
    return "Authorization: Bearer " + auth::MintToken(kPskKey, iss);
  }

  testing::MemoryIndexer indexer_;
  testing::MemoryMatcher matcher_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0, intro_ = 0;
};

TEST_F(ServerTest, IndexReportLifecycle) {
  StartServer();
  const std::string digest = TestDigest('a');
  const std::string etag = std::string("\"") + kState + "\"";
  auto r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a'));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("ETag"), etag);
  EXPECT_EQ(r.Header("Location"), "/indexer/api/v1/index_report/" + digest);
  EXPECT_EQ(r.Count("Link"), 2);
  EXPECT_EQ(r.Header("Link"),
            "</indexer/api/v1/index_report/" + digest + ">; rel=\"https://projectquay.io/clair/v1/index_report\"");
  EXPECT_EQ(ValidateSchema("index_report", r.body), "");

  // Same scanner state: 412 with Link headers, empty body.
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {"If-None-Match: " + etag}, ManifestJson('a'));
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Count("Link"), 2);

  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ETag"), etag);
  EXPECT_EQ(r.Header("Content-Type"), "application/vnd.clair.index_report.v1+json");
  EXPECT_EQ(ValidateSchema("index_report", r.body), "");
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest, {"Accept: application/json"});
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest, {"Accept: text/html"});
  EXPECT_EQ(r.status, 415);
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest, {"Accept: nonsense"});
  EXPECT_EQ(r.status, 400);
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest, {"If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);
  EXPECT_FALSE(r.Has("ETag"));
  // 304 even for an unknown manifest (upstream quirk).
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + TestDigest('9'), {"If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);

  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + TestDigest('9'));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"code":"not-found","message":"index report not found"})");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(ValidateSchema("error", r.body), "");
  r = Do(port_, "GET", "/indexer/api/v1/index_report/sha256:xyz");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"bad-request","message":"malformed path: )")) << r.body;

  r = Do(port_, "DELETE", "/indexer/api/v1/index_report/" + digest);
  EXPECT_EQ(r.status, 204);
  r = Do(port_, "GET", "/indexer/api/v1/index_report/" + digest);
  EXPECT_EQ(r.status, 404);
  r = Do(port_, "DELETE", "/indexer/api/v1/index_report/" + digest);
  EXPECT_EQ(r.status, 204);  // unknown digests are fine
}

TEST_F(ServerTest, IndexReportErrors) {
  StartServer();
  auto r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"bad-request","message":"failed to deserialize manifest: )")) << r.body;
  EXPECT_EQ(r.Count("Link"), 0);
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, R"({"hash":")" + TestDigest('a') + R"(","layers":[]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":"bad-request","message":"bogus manifest"})");
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, R"({"layers":[]})");
  EXPECT_EQ(r.body, R"({"code":"bad-request","message":"bogus manifest"})");
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('b', "bad-tar"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"bad-request","message":"failed to start scan: )")) << r.body;
  EXPECT_EQ(r.Count("Link"), 0);
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('b', "unreachable"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"internal-error","message":"failed to start scan: )")) << r.body;
  // Wrong method: JSON 405 without Allow.
  r = Do(port_, "PUT", "/indexer/api/v1/index_report", {}, "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"method-not-allowed")")) << r.body;
  EXPECT_FALSE(r.Has("Allow"));
  EXPECT_EQ(ValidateSchema("error", r.body), "");
  r = Do(port_, "HEAD", "/indexer/api/v1/index_state");
  EXPECT_EQ(r.status, 405);
  r = Do(port_, "OPTIONS", "/indexer/api/v1/index_state");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ServerTest, BulkDeleteStateAndAffectedManifests) {
  StartServer();
  ASSERT_EQ(Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a')).status, 201);
  ASSERT_EQ(Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('b')).status, 201);

  auto r = Do(port_, "GET", "/indexer/api/v1/index_state");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(R"({"state":")") + kState + "\"}");
  EXPECT_EQ(r.Header("Content-Type"), "application/vnd.clair.index_state.v1+json");
  EXPECT_EQ(ValidateSchema("index_state", r.body), "");
  r = Do(port_, "GET", "/indexer/api/v1/index_state", {std::string("If-None-Match: \"") + kState + "\""});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.Header("ETag"), std::string("\"") + kState + "\"");
  // Not a list: one exact compare per header line.
  r = Do(port_, "GET", "/indexer/api/v1/index_state", {std::string("If-None-Match: \"x\", \"") + kState + "\""});
  EXPECT_EQ(r.status, 200);

  const std::string vulns =
      R"({"vulnerabilities":[{"id":"7","updater":"u","name":"CVE-1","description":"","issued":"0001-01-01T00:00:00Z","links":"","severity":"","normalized_severity":"High","package":{"id":"","name":"openssl","version":"","normalized_version":"","cpe":""},"fixed_in_version":""}]})";
  r = Do(port_, "POST", "/indexer/api/v1/internal/affected_manifest/", {}, vulns);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/vnd.clair.affected_manifests.v1+json");
  EXPECT_NE(r.body.find(TestDigest('a')), std::string::npos);
  EXPECT_EQ(ValidateSchema("affected_manifests", r.body), "");
  r = Do(port_, "POST", "/indexer/api/v1/internal/affected_manifest/", {}, "[1,2");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"bad-request","message":"failed to deserialize vulnerabilities: )"));
  r = Do(port_, "POST", "/indexer/api/v1/internal/affected_manifest", {}, vulns);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/indexer/api/v1/internal/affected_manifest/");

  r = Do(port_, "DELETE", "/indexer/api/v1/index_report", {},
         R"([")" + TestDigest('a') + R"(",")" + TestDigest('c') + R"("])");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"([")" + TestDigest('a') + R"("])");
  EXPECT_EQ(ValidateSchema("bulk_delete", r.body), "");
  r = Do(port_, "DELETE", "/indexer/api/v1/index_report", {}, R"({"x":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(StartsWith(r.body, R"({"code":"bad-request","message":"failed to deserialize bulk delete: )"));
  r = Do(port_, "DELETE", "/indexer/api/v1/index_report", {}, "null");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
}

TEST_F(ServerTest, MatcherEndpoints) {
  StartServer();
  const std::string digest = TestDigest('a');
  matcher_.initialized = false;
  auto r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report/" + digest);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
  matcher_.initialized = true;
  r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report/" + digest);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"code":"not-found","message":"index report for manifest \")" + digest + R"(\" not found"})");
  IndexReport unfinished;
  unfinished.manifest_hash = *Digest::Parse(TestDigest('e'));
  unfinished.state = IndexState::kScanLayers;
  indexer_.Put(unfinished);
  r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report/" + TestDigest('e'));
  EXPECT_EQ(r.status, 404);
  r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report/bogus");
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a')).status, 201);
  r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report/" + digest);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Cache-Control"), "max-age=1800");
  EXPECT_FALSE(r.Has("ETag"));
  EXPECT_EQ(ValidateSchema("vulnerability_report", r.body), "");
  r = Do(port_, "GET", "/matcher/api/v1/vulnerability_report");
  EXPECT_EQ(r.status, 301);

  r = Do(port_, "GET", "/matcher/api/v1/internal/update_operation");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ETag"), std::string("\"") + kRef2 + "\"");
  EXPECT_EQ(ValidateSchema("update_operations", r.body), "");
  EXPECT_NE(r.body.find(kRef1), std::string::npos);
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_operation?latest=true&kind=vulnerability");
  EXPECT_EQ(r.body.find(kRef1), std::string::npos);
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_operation", {std::string("If-None-Match: \"") + kRef2 + "\""});
  EXPECT_EQ(r.status, 304);
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_operation?kind=enrichment");
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.Has("ETag"));
  EXPECT_EQ(r.body, "{}");
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_operation?kind=bogus");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":"bad-request","message":"unknown kind: bogus"})");

  r = Do(port_, "DELETE", std::string("/matcher/api/v1/internal/update_operation/") + kRef1);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  {
    std::lock_guard<std::mutex> l(matcher_.mu);
    EXPECT_EQ(matcher_.deleted.count(kRef1), 1u);
  }
  r = Do(port_, "DELETE", "/matcher/api/v1/internal/update_operation/not-a-uuid");
  EXPECT_EQ(r.status, 400);

  r = Do(port_, "GET", "/matcher/api/v1/internal/update_diff");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":"bad-request","message":"\"cur\" query param is required"})");
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_diff?cur=zzz");
  EXPECT_EQ(r.status, 400);
  r = Do(port_, "GET", std::string("/matcher/api/v1/internal/update_diff?cur=") + kRef2);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("00000000-0000-0000-0000-000000000000"), std::string::npos);
  EXPECT_EQ(ValidateSchema("update_diff", r.body), "");
  r = Do(port_, "GET", std::string("/matcher/api/v1/internal/update_diff?cur=") + kRef2 + "&prev=" + kRef1);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(ValidateSchema("update_diff", r.body), "");
  r = Do(port_, "GET", "/matcher/api/v1/internal/update_diff?cur=99999999-7777-8888-9999-000000000000");
  EXPECT_EQ(r.status, 500);
}

TEST_F(ServerTest, MuxRobotsOpenApi) {
  StartServer();
  auto r = Do(port_, "GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "404 page not found\n");
  r = Do(port_, "GET", "/notifier/api/v1/notification/" + std::string(kRef1));
  EXPECT_EQ(r.status, 404);
  r = Do(port_, "GET", "/indexer/api/v1/../v1/index_state?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/indexer/api/v1/index_state?x=1");

  r = Do(port_, "GET", "/robots.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "User-agent: *\nDisallow: /\n");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_TRUE(r.Has("Last-Modified"));
  r = Do(port_, "HEAD", "/robots.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), "26");

  r = Do(port_, "GET", "/openapi/v1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/openapi+json");
  EXPECT_EQ(r.Header("Etag"), "\"c8f7a50c0be60ee322a40f622e544801f5014effe8ff338ea35b18ed4c07806b\"");
  EXPECT_EQ(r.body.find('\n'), std::string::npos);  // compacted
  r = Do(port_, "GET", "/openapi/v1", {"Accept: application/yaml"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/yaml");
  r = Do(port_, "GET", "/openapi/v1", {"Accept: image/png"});
  EXPECT_EQ(r.status, 415);
  r = Do(port_, "POST", "/openapi/v1", {}, "");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ServerTest, OpenApiMissingIs404) {
  ServerOptions o;
  o.openapi_path = "/nonexistent/openapi.json";
  StartServer(o);
  EXPECT_EQ(Do(port_, "GET", "/openapi/v1").status, 404);
}

TEST_F(ServerTest, AuthMatrix) {
  StartServer({}, /*with_psk=*/true);
  const std::string path = "/indexer/api/v1/index_state";
  auto python_token = [](const std::string& claims, const std::string& key, const std::string& alg) {
    std::string cmd = "/usr/bin/python3 -c 'import jwt,time; now=int(time.time()); print(jwt.encode(" + claims + ", " +
                      key + ", algorithm=\"" + alg + "\"))' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, p.get());
    std::string out(buf, n);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return "Authorization: Bearer " + out;
  };
  const std::string key = "b\"" + kPskKey + "\"";
  struct Case {
    std::string name;
    std::vector<std::string> headers;
    int want;
  };
  std::vector<Case> cases = {
      {"ours, listed issuer", {Token("quay")}, 200},
      {"ours, intraservice", {Token("clair-intraservice")}, 200},
      {"pyjwt HS256", {python_token("{\"iss\":\"quay\",\"exp\":now+30}", key, "HS256")}, 200},
      {"pyjwt HS512", {python_token("{\"iss\":\"clairctl\",\"nbf\":now-5}", key, "HS512")}, 200},
      {"wrong key", {python_token("{\"iss\":\"quay\"}", "b\"other\"", "HS256")}, 401},
      {"expired", {python_token("{\"iss\":\"quay\",\"exp\":now-60}", key, "HS256")}, 401},
      {"nbf future", {python_token("{\"iss\":\"quay\",\"nbf\":now+600}", key, "HS256")}, 401},
      {"unlisted issuer", {Token("mallory")}, 401},
      {"alg none", {python_token("{\"iss\":\"quay\"}", "None", "none")}, 401},
      {"missing header", {}, 401},
      {"basic scheme", {"Authorization: Basic Zm9vOmJhcg=="}, 401},
  };
  for (const auto& c : cases) {
    auto r = Do(port_, "GET", path, c.headers);
    EXPECT_EQ(r.status, c.want) << c.name;
    if (c.want == 401) {
      EXPECT_EQ(r.body, "") << c.name;
      EXPECT_FALSE(r.Has("WWW-Authenticate")) << c.name;
    }
  }
  // Auth runs before routing; robots.txt and introspection are open.
  EXPECT_EQ(Do(port_, "GET", "/nope").status, 401);
  EXPECT_EQ(Do(port_, "GET", "/nope", {Token()}).status, 404);
  EXPECT_EQ(Do(port_, "GET", "/openapi/v1").status, 401);
  EXPECT_EQ(Do(port_, "GET", "/robots.txt").status, 200);
  EXPECT_EQ(Do(intro_, "GET", "/healthz").status, 200);
  EXPECT_EQ(Do(intro_, "GET", "/metrics").status, 200);
}

TEST_F(ServerTest, IntrospectionAndMetrics) {
  StartServer();
  auto r = Do(intro_, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Do(intro_, "POST", "/healthz", {}, "").status, 200);
  r = Do(intro_, "GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Header("Content-Length"), "0");
  server_->SetReady(true);
  r = Do(intro_, "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(Do(intro_, "POST", "/readyz", {}, "").status, 405);
  EXPECT_EQ(Do(intro_, "GET", "/indexer/api/v1/index_state").status, 404);  // API not on introspection

  ASSERT_EQ(Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a')).status, 201);
  ASSERT_EQ(Do(port_, "GET", "/indexer/api/v1/index_state").status, 200);
  r = Do(intro_, "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("clair_http_indexerv1_request_total{handler=\"/indexer/api/v1/"
                        "index_report\",code=\"201\",method=\"POST\"} 1\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("clair_http_indexerv1_request_duration_seconds_bucket{handler=\"/indexer/api/v1/"
                        "index_state\",code=\"200\",method=\"GET\",le=\"0.5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("clair_http_indexerv1_in_flight_requests{handler=\"/indexer/api/v1/index_report\"} 0\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("clair_cmd_version_info{version=\"lucid\""), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE clair_http_concurrencylimited_total counter"), std::string::npos);
}

TEST_F(ServerTest, RequestLogLine) {
  StartServer();
  ::testing::internal::CaptureStderr();
  Do(port_, "GET", "/indexer/api/v1/index_state?a=b");
  std::this_thread::sleep_for(300ms);  // the line is written after the response
  log::Flush();
  std::string err = ::testing::internal::GetCapturedStderr();
  std::regex line(R"(\{"level":"info".*"message":"handled HTTP request".*)");
  EXPECT_TRUE(std::regex_search(err, line)) << err;
  EXPECT_TRUE(std::regex_search(err, std::regex(R"("request_id":"[0-9a-f]{16}")"))) << err;
  EXPECT_NE(err.find(R"("request_uri":"/indexer/api/v1/index_state?a=b")"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("status":200)"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("method":"GET")"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("remote_addr":"127.0.0.1:)"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("written":)"), std::string::npos) << err;
  EXPECT_NE(err.find(R"("duration":)"), std::string::npos) << err;
}

TEST_F(ServerTest, ConcurrencyGateAnswers429) {
  ServerOptions o;
  o.index_concurrency = 2;
  StartServer(o);
  indexer_.index_delay = 700ms;
  std::vector<std::future<HttpResponse>> fs;
  for (int i = 0; i < 3; ++i) {
    fs.push_back(std::async(std::launch::async, [this, i] {
      return Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson(static_cast<char>('a' + i)));
    }));
    std::this_thread::sleep_for(100ms);  // let the first two take their slots
  }
  std::map<int, int> statuses;
  std::string body429;
  for (auto& f : fs) {
    auto r = f.get();
    statuses[r.status]++;
    if (r.status == 429) body429 = r.body;
  }
  EXPECT_EQ(statuses[201], 2);
  EXPECT_EQ(statuses[429], 1);
  EXPECT_EQ(body429, R"({"code":"too-many-requests","message":"server handling too many requests"})");
  EXPECT_EQ(ValidateSchema("error", body429), "");
  EXPECT_LE(indexer_.max_concurrent.load(), 2);
  // Non-gated endpoints stay available while the gate is full.
  indexer_.index_delay = 0ms;
  auto r = Do(intro_, "GET", "/metrics");
  EXPECT_NE(
      r.body.find("clair_http_concurrencylimited_total{endpoint=\"/indexer/api/v1/index_report\",method=\"POST\"} 1"),
      std::string::npos)
      << r.body;
}

TEST_F(ServerTest, HugeBodyGets413) {
  ServerOptions o;
  o.max_body_bytes = 1 << 20;
  StartServer(o);
  std::string big(2 << 20, ' ');
  auto r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, "{" + big + "}");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"code":"internal-error","message":"request body too large"})");
  // A body just under the limit is read and parsed normally.
  r = Do(port_, "POST", "/indexer/api/v1/index_report", {}, "{" + std::string((1 << 20) - 10, ' ') + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":"bad-request","message":"bogus manifest"})");
}

TEST_F(ServerTest, ExpectContinueAndKeepAlive) {
  StartServer();
  int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  std::string body = ManifestJson('a');
  std::string head =
      "POST /indexer/api/v1/index_report HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_TRUE(SendAll(fd, head));
  char buf[64];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, body));
  auto r = ReadResponse(fd);
  EXPECT_EQ(r.status, 201);
  // Same connection, two pipelined requests.
  ASSERT_TRUE(SendAll(fd, BuildRequest("GET", "/indexer/api/v1/index_state", {}, "", false) +
                              BuildRequest("GET", "/indexer/api/v1/index_report/" + TestDigest('a'), {}, "", false)));
  std::string carry;
  EXPECT_EQ(ReadResponse(fd, false, &carry).status, 200);
  EXPECT_EQ(ReadResponse(fd, false, &carry).status, 200);
  ::close(fd);
}

// Cached reports are written from the shared body with a hand-rendered head:
// the framing must stay right for keep-alive, pipelining, HTTP/1.0 and gzip.
TEST_F(ServerTest, CachedReportResponsesKeepHttpFraming) {
  StartServer({}, true);
  const std::string digest = TestDigest('a');
  const std::string path = "/matcher/api/v1/vulnerability_report/" + digest;
  ASSERT_EQ(Do(port_, "POST", "/indexer/api/v1/index_report", {Token()}, ManifestJson('a')).status, 201);
  auto fresh = Do(port_, "GET", path, {Token()});  // computed on a worker
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  ASSERT_FALSE(fresh.body.empty());
  int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  // Three pipelined cache hits on one connection, the last one closing it.
  ASSERT_TRUE(SendAll(fd, BuildRequest("GET", path, {Token()}, "", false) +
                              BuildRequest("GET", path, {Token(), "Accept-Encoding: gzip"}, "", false) +
                              BuildRequest("GET", path, {Token()}, "", true)));
  std::string carry;
  for (int i = 0; i < 3; ++i) {
    auto r = ReadResponse(fd, false, &carry);
    ASSERT_TRUE(r.ok) << i;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("Content-Type"), "application/vnd.clair.vulnerability_report.v1+json");
    EXPECT_EQ(r.Header("Cache-Control"), "max-age=1800");
    EXPECT_EQ(r.Header("Trailer"), "Clair-Error");
    EXPECT_EQ(r.Count("Date"), 1);
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size()));
    EXPECT_EQ(r.Header("Connection"), i == 2 ? "close" : "");
    if (i == 1) {
      EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
      z_stream z{};
      ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
      std::string out(fresh.body.size() + 1, '\0');
      z.next_in = reinterpret_cast<Bytef*>(r.body.data());
      z.avail_in = static_cast<uInt>(r.body.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
      out.resize(z.total_out);
      inflateEnd(&z);
      EXPECT_EQ(out, fresh.body);
    } else {
      EXPECT_FALSE(r.Has("Content-Encoding"));
      EXPECT_EQ(r.body, fresh.body);
    }
  }
  EXPECT_EQ(carry, "");
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // closed after the third
  ::close(fd);
  // HTTP/1.0: closed unless the client asks for keep-alive.
  fd = Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET " + path + " HTTP/1.0\r\nConnection: keep-alive\r\n" + Token() + "\r\n\r\n"));
  auto r = ReadResponse(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Connection"), "keep-alive");
  EXPECT_EQ(r.body, fresh.body);
  ASSERT_TRUE(SendAll(fd, "GET " + path + " HTTP/1.0\r\n" + Token() + "\r\n\r\n"));
  r = ReadResponse(fd);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, fresh.body);
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
  ::close(fd);
}

TEST_F(ServerTest, SlowClientDoesNotBlockOthersAndTimesOut) {
  ServerOptions o;
  o.header_timeout = 800ms;
  o.io_threads = 1;  // the slow client must not starve the only io thread either
  StartServer(o);
  int slow = Connect(port_);
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(SendAll(slow, "GET /indexer/api/v1/index_state HTTP/1.1\r\nHo"));
  auto t0 = std::chrono::steady_clock::now();
  auto r = Do(port_, "GET", "/indexer/api/v1/index_state");
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  // Dribble bytes: the header deadline still applies.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(200ms);
    if (!SendAll(slow, "s")) break;
  }
  char c;
  ssize_t n = ::recv(slow, &c, 1, 0);  // closed by the server, no response
  EXPECT_LE(n, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  ::close(slow);
}

TEST_F(ServerTest, ClientDisconnectCancelsIndex) {
  StartServer();
  indexer_.index_delay = 5000ms;
  int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, BuildRequest("POST", "/indexer/api/v1/index_report", {}, ManifestJson('a'))));
  std::this_thread::sleep_for(300ms);
  ::close(fd);
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (indexer_.cancelled.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(indexer_.cancelled.load(), 1);
  EXPECT_EQ(indexer_.index_calls.load(), 1);
}

TEST_F(ServerTest, ThousandConcurrentConnections) {
  StartServer();
  constexpr int kThreads = 8, kPerThread = 125;
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::vector<int> fds;
      for (int i = 0; i < kPerThread; ++i) {
        int fd = Connect((i + t) % 2 ? intro_ : port_);
        if (fd >= 0) fds.push_back(fd);
      }
      // Every connection is open before any request is sent.
      for (size_t i = 0; i < fds.size(); ++i) {
        SendAll(fds[i], BuildRequest("GET", (i + static_cast<size_t>(t)) % 2 ? "/healthz" : "/robots.txt"));
      }
      for (int fd : fds) {
        auto r = ReadResponse(fd);
        if (r.ok && r.status == 200) ++ok;
        ::close(fd);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
}

TEST_F(ServerTest, GracefulStopWaitsForInFlight) {
  StartServer();
  indexer_.index_delay = 800ms;
  auto f = std::async(std::launch::async,
                      [this] { return Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a')); });
  // An idle keep-alive connection must not hold up shutdown.
  int idle = Connect(port_);
  ASSERT_GE(idle, 0);
  std::this_thread::sleep_for(200ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  auto took = std::chrono::steady_clock::now() - t0;
  auto r = f.get();
  EXPECT_EQ(r.status, 201);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_LT(Connect(port_), 0);  // no longer accepting
  ::close(idle);
}

TEST_F(ServerTest, StopCancelsAfterGrace) {
  ServerOptions o;
  o.shutdown_grace = 300ms;
  StartServer(o);
  indexer_.index_delay = 20s;
  auto f = std::async(std::launch::async,
                      [this] { return Do(port_, "POST", "/indexer/api/v1/index_report", {}, ManifestJson('a')); });
  std::this_thread::sleep_for(200ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(indexer_.cancelled.load(), 1);
  auto r = f.get();
  EXPECT_EQ(r.status, 500);  // the handler returned Cancelled
}

TEST(ServerOptions, FromConfig) {
  auto cfg = config::Decode(R"({"http_listen_addr":"127.0.0.1:7000","indexer":{"index_report_request_concurrency":-1},
      "matcher":{"cache_age":"1h"},"auth":{"psk":{"key":"c2VjcmV0","iss":["quay"]}},
      "metrics":{"name":"otlp"}})",
                            "t.json");
  ASSERT_TRUE(cfg.ok());
  (void)cfg->ValidateForMode(config::Mode::kIndexer);
  auto o = OptionsFromConfig(*cfg, config::Mode::kIndexer);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->listen_addr, "127.0.0.1:7000");
  EXPECT_EQ(o->introspection_addr, ":8089");
  EXPECT_TRUE(o->serve_indexer);
  EXPECT_FALSE(o->serve_matcher);
  EXPECT_EQ(o->index_concurrency, -1);
  EXPECT_EQ(o->cache_age, 3600s);
  EXPECT_TRUE(o->psk.has_value());
  EXPECT_FALSE(o->metrics_enabled);
  auto bad = config::Decode(R"({"auth":{"psk":{"key":"","iss":["quay"]}}})", "t.json");
  EXPECT_FALSE(OptionsFromConfig(*bad, config::Mode::kCombo).ok());
}

TEST(ServerStart, BindFailureIsAnError) {
  testing::MemoryIndexer ix;
  ServerOptions o;
  o.listen_addr = "127.0.0.1:0";
  o.introspection_addr = "";
  metrics::Registry reg;
  Server a(o, &ix, nullptr, &reg);
  ASSERT_TRUE(a.Start().ok());
  o.listen_addr = "127.0.0.1:" + std::to_string(a.api_port());
  Server b(o, &ix, nullptr, &reg);
  EXPECT_FALSE(b.Start().ok());
  o.listen_addr = "no-port";
  Server c(o, &ix, nullptr, &reg);
  EXPECT_FALSE(c.Start().ok());
}

}  // namespace
}  // namespace lucid::http
