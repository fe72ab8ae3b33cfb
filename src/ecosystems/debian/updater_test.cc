// The debian/updater against a loopback HTTP server that honours
// If-Modified-Since (a small Python script written by the test).
#include <gtest/gtest.h>
#include <unistd.h>

#include "ecosystems/debian/debian.h"
#include "ecosystems/debian/test_util.h"
#include "ecosystems/debian/updater.h"
#include "net/http_client.h"
#include "testing/process.h"

namespace lucid::debian {
namespace {

constexpr const char* kServer = R"PY(
import argparse, email.utils, gzip, http.server, socketserver, sys
ap = argparse.ArgumentParser()
ap.add_argument('--file', required=True)
ap.add_argument('--ready-file', required=True)
a = ap.parse_args()
LM = 'Wed, 02 Dec 2026 10:00:00 GMT'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *x): pass
    def do_GET(self):
        body = open(a.file, 'rb').read()
        if self.path == '/json.gz': body = gzip.compress(body)
        if self.path == '/broken': body = body[:len(body)//2]
        if self.path == '/missing':
            self.send_response(404); self.send_header('Content-Length', '0'); self.end_headers(); return
        if self.headers.get('If-Modified-Since') == LM:
            self.send_response(304); self.send_header('Content-Length', '0'); self.end_headers(); return
        self.send_response(200)
        self.send_header('Last-Modified', LM)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(('127.0.0.1', 0), H)
open(a.ready_file + '.tmp', 'w').write('127.0.0.1:%d' % s.server_address[1])
import os; os.rename(a.ready_file + '.tmp', a.ready_file)
s.serve_forever()
)PY";

class CountSink : public updater::VulnerabilitySink {
 public:
  Status Add(Vulnerability v) override {
    names.push_back(v.name);
    return Status::Ok();
  }
  std::vector<std::string> names;
};

class DebianUpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    script_ = TempDirectory() + "/lucid-debian-updater-server-" + std::to_string(getpid()) + ".py";
    ASSERT_TRUE(WriteFileAtomic(script_, kServer).ok());
    auto srv = lucid::testing::ChildServer::Start(
        {"python3", script_, "--file",
         testing::SharedDir() + "/data/feeds/debian/tracker-json-samples/tracker-json-excerpt-vuls.json"},
        20);
    ASSERT_TRUE(srv.ok()) << srv.status().ToString();
    server_ = std::move(*srv);
  }
  void TearDown() override {
    server_.reset();
    unlink(script_.c_str());
  }
  std::unique_ptr<updater::Updater> Make(const std::string& path) {
    auto eco = MakeEcosystem();
    EXPECT_EQ(eco.updater_sets.size(), 1u);
    EXPECT_EQ(eco.updater_sets[0]->name(), "debian");
    std::string cfg = R"({"json_url":"http://)" + server_->address() + path + R"("})";
    auto ups = eco.updater_sets[0]->Create(cfg, http_);
    EXPECT_TRUE(ups.ok());
    EXPECT_EQ(ups->size(), 1u);
    EXPECT_EQ((*ups)[0]->name(), "debian/updater");
    return std::move((*ups)[0]);
  }

  std::string script_;
  std::unique_ptr<lucid::testing::ChildServer> server_;
  net::HttpClient http_;
};

TEST_F(DebianUpdaterTest, FetchParseAndConditionalRefetch) {
  auto up = Make("/json");
  auto f = up->Fetch(http_, "");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f->unchanged);
  EXPECT_EQ(f->fingerprint, "Wed, 02 Dec 2026 10:00:00 GMT");
  ASSERT_NE(f->body, nullptr);
  CountSink sink;
  ASSERT_TRUE(up->Parse(*f, &sink, nullptr).ok());
  EXPECT_EQ(sink.names.size(), 4u);

  auto again = up->Fetch(http_, f->fingerprint);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->fingerprint, f->fingerprint);
}

TEST_F(DebianUpdaterTest, GzipBody) {
  auto up = Make("/json.gz");
  auto f = up->Fetch(http_, "");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  CountSink sink;
  ASSERT_TRUE(up->Parse(*f, &sink, nullptr).ok());
  EXPECT_EQ(sink.names.size(), 4u);
}

TEST_F(DebianUpdaterTest, TruncatedBodyIsCorrupt) {
  auto up = Make("/broken");
  auto f = up->Fetch(http_, "");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  CountSink sink;
  EXPECT_EQ(up->Parse(*f, &sink, nullptr).code(), StatusCode::kCorrupt);
}

TEST_F(DebianUpdaterTest, HttpErrorIsAnError) {
  auto up = Make("/missing");
  auto f = up->Fetch(http_, "");
  EXPECT_FALSE(f.ok());
}

}  // namespace
}  // namespace lucid::debian
