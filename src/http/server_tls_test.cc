// TLS on the API listener: real HTTPS requests through libcurl (net::HttpClient)
// and a raw OpenSSL client, a plain-HTTP client on the TLS port, slow clients,
// bad certificate/key files, and the split-mode client (RemoteIndexer) over
// https. Key material is generated at test time, never committed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "base/log.h"
#include "http/server.h"
#include "http/test_services.h"
#include "net/http_client.h"
#include "services/remote_indexer.h"

namespace lucid::http {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

PKey NewKey() { return PKey(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

// A self-signed CA:TRUE certificate for localhost / 127.0.0.1, so it serves
// both as the server certificate and as the client's trust anchor.
Cert SelfSigned(EVP_PKEY* key) {
  Cert x(X509_new(), &X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x.get(), key, EVP_sha256());
  return x;
}

void WriteCert(const std::string& path, X509* x) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
}

void WriteKey(const std::string& path, EVP_PKEY* key, const char* passphrase = nullptr) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (passphrase) {
    PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), reinterpret_cast<const unsigned char*>(passphrase),
                         static_cast<int>(std::strlen(passphrase)), nullptr, nullptr);
  } else {
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  std::fclose(f);
}

// cert.pem/key.pem (a matching pair), other-key.pem (not matching),
// encrypted-key.pem (the right key under a pass phrase), garbage.pem.
class TlsFiles {
 public:
  TlsFiles() {
    dir_ = fs::temp_directory_path() / ("lucid-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    PKey key = NewKey(), other = NewKey();
    Cert cert = SelfSigned(key.get());
    WriteCert(cert_path(), cert.get());
    WriteKey(key_path(), key.get());
    WriteKey(path("other-key.pem"), other.get());
    WriteKey(path("encrypted-key.pem"), key.get(), "secret");
    std::ofstream(path("garbage.pem")) << "this is not PEM\n";
  }
  ~TlsFiles() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string cert_path() const { return path("cert.pem"); }
  std::string key_path() const { return path("key.pem"); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the peer sends until it closes (or the 10 s receive timeout).
std::string ReadToClose(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.listen_addr = "127.0.0.1:0";
    opts.introspection_addr = "127.0.0.1:0";
    opts.tls_cert_file = files_.cert_path();
    opts.tls_key_file = files_.key_path();
    server_ = std::make_unique<Server>(opts, &indexer_, &matcher_, &registry_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    port_ = server_->api_port();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::string Url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
  net::Request Get(const std::string& path) const {
    net::Request r;
    r.url = Url(path);
    r.ca_file = files_.cert_path();
    r.timeout = 20s;
    return r;
  }
  // One HTTPS request that must succeed with 200 and the index state body.
  void ExpectHttpsWorks() {
    net::HttpClient c;
    auto r = c.Fetch(Get("/indexer/api/v1/index_state"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::string(R"({"state":")") + testing::kState + "\"}");
  }

  TlsFiles files_;
  testing::MemoryIndexer indexer_;
  testing::MemoryMatcher matcher_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(TlsServerTest, ServesHttpsThroughLibcurl) {
  StartServer();
  ExpectHttpsWorks();
  // A vulnerability report (the cached, shared-body path) over the same
  // client, so curl reuses the TLS connection; identity and gzip.
  net::HttpClient c;
  net::Request post = Get("/indexer/api/v1/index_report");
  post.method = "POST";
  const std::string digest = testing::TestDigest('a');
  post.body = R"({"hash":")" + digest + R"(","layers":[{"hash":")" + testing::TestDigest('f') +
              R"(","uri":"http://registry.invalid/blob","headers":{}}]})";
  auto r = c.Fetch(post);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201) << r->body;
  std::string first;
  for (int i = 0; i < 3; ++i) {
    net::Request get = Get("/matcher/api/v1/vulnerability_report/" + digest);
    get.headers.emplace_back("Accept-Encoding", i == 2 ? "gzip" : "identity");  // curl decodes gzip
    r = c.Fetch(get);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->header("cache-control"), "max-age=1800");
    EXPECT_EQ(r->header("content-encoding"), i == 2 ? "gzip" : "");
    EXPECT_NE(r->body.find(R"("manifest_hash":")" + digest + "\""), std::string::npos) << r->body;
    if (i == 0) first = r->body;
    EXPECT_EQ(r->body, first);
  }
  // Without the right CA the certificate is not trusted.
  TlsFiles other;
  net::Request untrusted = Get("/indexer/api/v1/index_state");
  untrusted.ca_file = other.cert_path();
  EXPECT_FALSE(c.Fetch(untrusted).ok());
}

// A report far larger than one TLS record (and than the socket buffers), as
// real reports are: computed, then from the cache, identity and gzip.
TEST_F(TlsServerTest, LargeReportOverTls) {
  StartServer();
  IndexReport report;
  report.manifest_hash = *Digest::Parse(testing::TestDigest('b'));
  report.state = IndexState::kIndexFinished;
  report.success = true;
  for (int i = 0; i < 2000; ++i) {
    Package p;
    p.name = "package-" + std::to_string(i);
    p.version = "1.0." + std::to_string(i) + "-1~deb12u1";
    p.kind = PackageKind::kBinary;
    p.arch = "amd64";
    report.packages[std::to_string(i)] = p;
  }
  indexer_.Put(report);
  net::HttpClient c;
  std::string first;
  for (int i = 0; i < 4; ++i) {
    net::Request get = Get("/matcher/api/v1/vulnerability_report/" + report.manifest_hash.str());
    get.headers.emplace_back("Accept-Encoding", i % 2 ? "gzip" : "identity");
    auto r = c.Fetch(get);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    if (i == 0) first = r->body;
    EXPECT_GT(r->body.size(), 100000u);
    EXPECT_EQ(r->body, first) << i;
  }
}

// TLS >= 1.2 and ALPN http/1.1, seen from a raw OpenSSL client.
TEST_F(TlsServerTest, ProtocolVersionAndAlpn) {
  StartServer();
  auto handshake = [&](int max_version, const unsigned char* alpn, unsigned alpn_len, std::string* selected) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
    SSL_CTX_set_security_level(ctx.get(), 0);  // let the client offer TLS 1.0/1.1
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    if (alpn) SSL_CTX_set_alpn_protos(ctx.get(), alpn, alpn_len);
    int fd = Connect(port_);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
    SSL_set_fd(ssl.get(), fd);
    bool ok = SSL_connect(ssl.get()) == 1;
    if (ok && selected) {
      const unsigned char* p = nullptr;
      unsigned n = 0;
      SSL_get0_alpn_selected(ssl.get(), &p, &n);
      selected->assign(reinterpret_cast<const char*>(p), n);
    }
    ERR_clear_error();
    ::close(fd);
    return ok;
  };
  EXPECT_FALSE(handshake(TLS1_1_VERSION, nullptr, 0, nullptr));
  std::string alpn;
  static const unsigned char kBoth[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  EXPECT_TRUE(handshake(TLS1_2_VERSION, kBoth, sizeof kBoth, &alpn));
  EXPECT_EQ(alpn, "http/1.1");
  EXPECT_TRUE(handshake(TLS1_3_VERSION, kBoth, sizeof kBoth, &alpn));
  EXPECT_EQ(alpn, "http/1.1");
  static const unsigned char kH2[] = {2, 'h', '2'};
  EXPECT_TRUE(handshake(TLS1_3_VERSION, kH2, sizeof kH2, &alpn));  // no ALPN agreed, still TLS
  EXPECT_EQ(alpn, "");
  ExpectHttpsWorks();
}

TEST_F(TlsServerTest, PlainHttpOnTlsPortFailsCleanly) {
  StartServer();
  int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  const std::string req = "GET /indexer/api/v1/index_state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string reply = ReadToClose(fd);  // returns once the server closes
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.0 400 Bad Request\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Client sent an HTTP request to an HTTPS server."), std::string::npos) << reply;
  // Binary garbage is dropped without an answer.
  fd = Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, "\x01\x02\x03\x04", 4, MSG_NOSIGNAL), 4);
  EXPECT_EQ(ReadToClose(fd), "");
  ::close(fd);
  ExpectHttpsWorks();
}

TEST_F(TlsServerTest, SilentOrSlowClientsHitTheHandshakeTimeout) {
  ServerOptions o;
  o.handshake_timeout = 500ms;
  StartServer(o);
  int silent = Connect(port_);
  int partial = Connect(port_);
  ASSERT_GE(silent, 0);
  ASSERT_GE(partial, 0);
  ASSERT_EQ(::send(partial, "\x16\x03\x01", 3, MSG_NOSIGNAL), 3);  // the start of a record, then nothing
  ExpectHttpsWorks();                                              // others are served meanwhile
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ReadToClose(silent), "");
  EXPECT_EQ(ReadToClose(partial), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // closed by the timeout, not the 10 s recv limit
  ::close(silent);
  ::close(partial);
  ExpectHttpsWorks();
}

TEST_F(TlsServerTest, IntrospectionStaysPlain) {
  StartServer();
  net::HttpClient c;
  auto r = c.Fetch({.url = "http://127.0.0.1:" + std::to_string(server_->introspection_port()) + "/healthz"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
}

// Split mode: a matcher's client for an https:// indexer_addr, trusting the
// CA through tls.root_ca (RemoteIndexer's root_ca) and through SSL_CERT_FILE.
TEST_F(TlsServerTest, RemoteIndexerOverHttps) {
  StartServer();
  IndexReport report;
  report.manifest_hash = *Digest::Parse(testing::TestDigest('c'));
  report.state = IndexState::kIndexFinished;
  report.success = true;
  indexer_.Put(report);
  services::RemoteIndexer with_root_ca(Url("/ignored/path"), "", files_.cert_path());
  EXPECT_EQ(with_root_ca.State(), testing::kState);
  auto got = with_root_ca.GetIndexReport(report.manifest_hash);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->manifest_hash, report.manifest_hash);

  TlsFiles other;
  services::RemoteIndexer untrusted(Url(""), "", other.cert_path());
  EXPECT_EQ(untrusted.State(), "");
  EXPECT_FALSE(untrusted.GetIndexReport(report.manifest_hash).ok());

  ::setenv("SSL_CERT_FILE", files_.cert_path().c_str(), 1);
  services::RemoteIndexer with_env(Url(""), "");
  EXPECT_EQ(with_env.State(), testing::kState);
  ::unsetenv("SSL_CERT_FILE");
}

TEST(TlsServerStart, BadFilesAreStartupErrorsNamingTheFile) {
  TlsFiles files;
  testing::MemoryIndexer ix;
  metrics::Registry reg;
  auto start = [&](const std::string& cert, const std::string& key) {
    ServerOptions o;
    o.listen_addr = "127.0.0.1:0";
    o.introspection_addr = "";
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    Server s(o, &ix, nullptr, &reg);
    return s.Start();
  };
  EXPECT_TRUE(start(files.cert_path(), files.key_path()).ok());
  struct Case {
    std::string cert, key, named, says;
  };
  const std::string missing = files.path("missing.pem");
  for (const Case& c : std::vector<Case>{
           {missing, files.key_path(), missing, "cannot read"},
           {files.path("garbage.pem"), files.key_path(), files.path("garbage.pem"), "not a PEM certificate"},
           {files.cert_path(), missing, missing, "cannot read"},
           {files.cert_path(), files.path("garbage.pem"), files.path("garbage.pem"), "not a PEM private key"},
           {files.cert_path(), files.path("encrypted-key.pem"), files.path("encrypted-key.pem"), "encrypted"},
           {files.cert_path(), files.path("other-key.pem"), files.path("other-key.pem"), "does not match"},
           {files.key_path(), files.key_path(), files.key_path(), "not a PEM certificate"},
       }) {
    Status s = start(c.cert, c.key);
    EXPECT_FALSE(s.ok()) << c.cert << " " << c.key;
    EXPECT_NE(s.message().find("\"" + c.named + "\""), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
  }
}

TEST(TlsServerOptions, FromConfig) {
  TlsFiles files;
  auto cfg = config::Decode(R"({"tls":{"cert":")" + files.cert_path() + R"(","key":")" + files.key_path() + R"("}})",
                            "t.json");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto o = OptionsFromConfig(*cfg, config::Mode::kCombo);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->tls_cert_file, files.cert_path());
  EXPECT_EQ(o->tls_key_file, files.key_path());
  auto plain = config::Decode(R"({"tls":{"root_ca":")" + files.cert_path() + R"("}})", "t.json");
  ASSERT_TRUE(plain.ok());
  o = OptionsFromConfig(*plain, config::Mode::kCombo);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->tls_cert_file, "");  // root_ca alone: outbound only
  auto half = config::Decode(R"({"tls":{"cert":")" + files.cert_path() + R"("}})", "t.json");
  ASSERT_TRUE(half.ok());
  EXPECT_FALSE(OptionsFromConfig(*half, config::Mode::kCombo).ok());
}

}  // namespace
}  // namespace lucid::http
