// docker://HOST[:PORT]/REPO[:TAG|@DIGEST] over the Registry v2 API.
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>

#include <boost/json.hpp>

#include "base/hash.h"
#include "base/strings.h"
#include "image/manifest_json.h"
#include "image/sources.h"
#include "net/http_client.h"

namespace lucid::image {

namespace json = boost::json;

namespace {

constexpr uint64_t kMaxManifest = 16u << 20;
constexpr int kMaxIndexDepth = 4;
const char* kAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

bool IsLoopback(std::string_view host) {
  return host == "localhost" || StartsWith(host, "127.") || host == "[::1]" || host == "::1";
}

std::string Base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Parses `Bearer realm="...",service="...",scope="..."` into key/values.
std::map<std::string, std::string> ParseChallenge(std::string_view h, std::string* scheme) {
  std::map<std::string, std::string> out;
  h = TrimSpace(h);
  auto sp = h.find(' ');
  *scheme = ToLower(h.substr(0, sp));
  if (sp == std::string_view::npos) return out;
  h.remove_prefix(sp + 1);
  while (!h.empty()) {
    h = TrimSpace(h);
    auto eq = h.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = ToLower(TrimSpace(h.substr(0, eq)));
    h.remove_prefix(eq + 1);
    std::string val;
    if (!h.empty() && h[0] == '"') {
      size_t i = 1;
      for (; i < h.size() && h[i] != '"'; ++i) {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        val += h[i];
      }
      h.remove_prefix(std::min(h.size(), i + 1));
    } else {
      auto comma = h.find(',');
      val = std::string(TrimSpace(h.substr(0, comma)));
      h.remove_prefix(comma == std::string_view::npos ? h.size() : comma);
    }
    out[key] = val;
    auto comma = h.find(',');
    if (comma == std::string_view::npos) break;
    h.remove_prefix(comma + 1);
  }
  return out;
}

// Owns the spooled blob and reads it.
class SpooledBlobReader final : public Reader {
 public:
  SpooledBlobReader(TempFile file, std::unique_ptr<FileReader> r) : file_(std::move(file)), r_(std::move(r)) {}
  Result<size_t> Read(char* buf, size_t n) override { return r_->Read(buf, n); }

 private:
  TempFile file_;
  std::unique_ptr<FileReader> r_;
};

class RegistrySource final : public ImageSource {
 public:
  RegistrySource(std::string host, std::string repo, std::string tag, Digest digest, SourceOptions options)
      : host_(std::move(host)),
        repo_(std::move(repo)),
        tag_(std::move(tag)),
        digest_(std::move(digest)),
        options_(std::move(options)) {
    plain_ok_ = options_.insecure || IsLoopback(HostOnly());
    base_ = std::string(plain_ok_ ? "http://" : "https://") + host_;
  }

  Result<ImageInfo> Resolve() override {
    auto r = DoResolve();
    if (!r.ok()) return r.status().WithContext(Where());
    r->reference = Where();
    return r;
  }

  Result<std::unique_ptr<Reader>> OpenLayer(const Digest& digest) override {
    if (digest.empty()) return InvalidArgument("empty layer digest");
    LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create("lucid-blob"));
    std::string url = BlobUrl(digest);
    net::Request req = NewRequest(url);
    req.max_body_bytes = options_.max_blob_bytes;
    Hasher hasher(digest.algorithm() == "sha512" ? HashAlgorithm::kSha512 : HashAlgorithm::kSha256);
    // Spool to a temporary file (as Clair does) while hashing; ScanLayer re-checks when reading.
    auto resp = Fetch(req, [&](net::Request& r) { return http_.FetchToFile(r, tmp.path()); });
    if (!resp.ok()) return resp.status();
    if (resp->status != 200) return net::HttpError(req, *resp).WithContext("blob " + digest.str());
    LUCID_ASSIGN_OR_RETURN(auto check, FileReader::Open(tmp.path()));
    std::unique_ptr<char[]> buf(new char[1 << 20]);
    while (true) {
      LUCID_ASSIGN_OR_RETURN(size_t n, check->Read(buf.get(), 1 << 20));
      if (n == 0) break;
      hasher.Update(buf.get(), n);
    }
    std::string hex = hasher.FinishHex();
    if (hex != digest.hex()) {
      return Corrupt(url + ": blob digest mismatch: expected " + digest.str() + ", got " + digest.algorithm() + ":" +
                     hex);
    }
    LUCID_ASSIGN_OR_RETURN(auto r, FileReader::Open(tmp.path()));
    return std::unique_ptr<Reader>(new SpooledBlobReader(std::move(tmp), std::move(r)));
  }

 private:
  std::string HostOnly() const {
    if (!host_.empty() && host_[0] == '[') return host_.substr(0, host_.find(']') + 1);
    return host_.substr(0, host_.find(':'));
  }
  std::string Where() const {
    return "docker://" + host_ + "/" + repo_ + (digest_.empty() ? ":" + tag_ : "@" + digest_.str());
  }
  std::string BlobUrl(const Digest& d) const { return base_ + "/v2/" + repo_ + "/blobs/" + d.str(); }

  net::Request NewRequest(std::string url) const {
    net::Request req;
    req.url = std::move(url);
    req.allow_plain_http = plain_ok_;
    return req;
  }

  // Sends `req` with the current credentials; on a 401 challenge obtains a token (once) and retries.
  Result<net::Response> Fetch(net::Request& req, const std::function<Result<net::Response>(net::Request&)>& send) {
    auto base_headers = req.headers;
    for (int attempt = 0; attempt < 2; ++attempt) {
      req.headers = base_headers;
      if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
      LUCID_ASSIGN_OR_RETURN(net::Response resp, send(req));
      if (resp.status != 401 || attempt == 1) return resp;
      std::string scheme;
      auto params = ParseChallenge(resp.header("www-authenticate"), &scheme);
      if (scheme == "bearer") {
        LUCID_RETURN_IF_ERROR(GetToken(params));
      } else if (scheme == "basic" && !options_.username.empty()) {
        authorization_ = "Basic " + Base64(options_.username + ":" + options_.password);
      } else {
        return net::HttpError(req, resp);
      }
    }
    return Internal("unreachable");
  }

  Status GetToken(std::map<std::string, std::string>& params) {
    std::string realm = params["realm"];
    if (realm.empty()) return Status(StatusCode::kPermissionDenied, "bearer challenge without realm");
    std::string scope = params.count("scope") ? params["scope"] : "repository:" + repo_ + ":pull";
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "scope=" + UrlEncode(scope);
    if (params.count("service")) url += "&service=" + UrlEncode(params["service"]);
    net::Request req = NewRequest(url);
    req.max_body_bytes = 1 << 20;
    if (!options_.username.empty()) {
      req.headers.emplace_back("Authorization", "Basic " + Base64(options_.username + ":" + options_.password));
    }
    LUCID_ASSIGN_OR_RETURN(net::Response resp, http_.Fetch(req));
    if (resp.status != 200) return net::HttpError(req, resp).WithContext("token request");
    boost::system::error_code ec;
    json::value v = json::parse(resp.body, ec);
    if (ec || !v.is_object()) return Corrupt("token response from " + realm + " is not a JSON object");
    std::string token;
    for (const char* key : {"token", "access_token"}) {
      if (auto* t = v.as_object().if_contains(key); t != nullptr && t->is_string() && !t->as_string().empty()) {
        token = std::string(t->as_string());
        break;
      }
    }
    if (token.empty()) return Corrupt("token response from " + realm + " has no token");
    authorization_ = "Bearer " + token;
    return Status::Ok();
  }

  // Fetches a manifest by tag or digest and checks it against the digest that names it.
  Result<std::pair<Digest, ManifestDoc>> FetchManifest(const std::string& ref, const Digest& want) {
    std::string url = base_ + "/v2/" + repo_ + "/manifests/" + ref;
    net::Request req = NewRequest(url);
    req.headers.emplace_back("Accept", kAccept);
    req.max_body_bytes = kMaxManifest;
    LUCID_ASSIGN_OR_RETURN(net::Response resp, Fetch(req, [this](net::Request& r) { return http_.Fetch(r); }));
    if (resp.status != 200) return net::HttpError(req, resp).WithContext("manifest " + ref);
    Digest computed = ComputeDigest(resp.body);
    if (!want.empty()) {
      LUCID_RETURN_IF_ERROR(VerifyDigest(resp.body, want, "manifest " + url));
      computed = want;
    }
    std::string header = resp.header("docker-content-digest");
    if (!header.empty()) {
      auto hd = Digest::Parse(header);
      if (!hd.ok() || (hd->algorithm() == computed.algorithm() && *hd != computed)) {
        return Corrupt("manifest " + url + ": digest mismatch: registry says " + header + ", content is " +
                       computed.str());
      }
    }
    std::string ctype = resp.header("content-type");
    LUCID_ASSIGN_OR_RETURN(ManifestDoc doc, ParseManifestDoc(resp.body, ctype.substr(0, ctype.find(';'))));
    return std::make_pair(computed, std::move(doc));
  }

  Result<ImageInfo> DoResolve() {
    std::string ref = digest_.empty() ? tag_ : digest_.str();
    LUCID_ASSIGN_OR_RETURN(auto m, FetchManifest(ref, digest_));
    for (int depth = 0; m.second.is_index; ++depth) {
      if (depth >= kMaxIndexDepth) return Corrupt("manifest lists nested too deeply");
      LUCID_ASSIGN_OR_RETURN(Descriptor d, SelectPlatform(m.second, options_.platform));
      LUCID_ASSIGN_OR_RETURN(m, FetchManifest(d.digest.str(), d.digest));
    }
    ImageInfo info;
    info.manifest_digest = m.first;
    info.manifest_media_type = m.second.media_type;
    info.config_digest = m.second.config.digest;
    Manifest lm;
    lm.hash = m.first;
    for (const auto& l : m.second.layers) {
      info.layers.push_back({l.digest, l.media_type, l.size});
      Layer layer;
      layer.hash = l.digest;
      layer.uri = BlobUrl(l.digest);
      layer.media_type = l.media_type;
      if (!authorization_.empty()) layer.headers["Authorization"] = {authorization_};
      lm.layers.push_back(std::move(layer));
    }
    info.lucid_manifest = std::move(lm);
    return info;
  }

  std::string host_, repo_, tag_;
  Digest digest_;
  SourceOptions options_;
  bool plain_ok_ = false;
  std::string base_;
  std::string authorization_;
  net::HttpClient http_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> NewRegistrySource(std::string_view reference, SourceOptions options) {
  std::string_view r = reference;
  auto slash = r.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return InvalidArgument("docker://" + std::string(reference) + ": expected HOST[:PORT]/REPO[:TAG|@DIGEST]");
  }
  std::string host(r.substr(0, slash));
  std::string_view rest = r.substr(slash + 1);
  bool is_registry_host =
      host.find('.') != std::string::npos || host.find(':') != std::string::npos || host == "localhost";
  if (!is_registry_host) {  // Docker Hub short form: "library/x", "user/x"
    host = "registry-1.docker.io";
    rest = r;
  }
  std::string repo, tag;
  Digest digest;
  auto at = rest.find('@');
  if (at != std::string_view::npos) {
    auto d = Digest::Parse(rest.substr(at + 1));
    if (!d.ok()) return d.status().WithContext("docker://" + std::string(reference));
    digest = *d;
    repo = std::string(rest.substr(0, at));
  } else {
    auto last_slash = rest.rfind('/');
    auto colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
    repo = std::string(rest.substr(0, colon));
    tag = colon == std::string_view::npos ? "latest" : std::string(rest.substr(colon + 1));
  }
  if (host == "registry-1.docker.io" && repo.find('/') == std::string::npos) repo = "library/" + repo;
  if (repo.empty() || (digest.empty() && tag.empty())) {
    return InvalidArgument("docker://" + std::string(reference) + ": missing repository or tag");
  }
  for (char c : repo) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_' || c == '-' || c == '/')) {
      return InvalidArgument("docker://" + std::string(reference) + ": invalid repository name \"" + repo + "\"");
    }
  }
  return std::unique_ptr<ImageSource>(
      new RegistrySource(std::move(host), std::move(repo), std::move(tag), std::move(digest), std::move(options)));
}

}  // namespace lucid::image
