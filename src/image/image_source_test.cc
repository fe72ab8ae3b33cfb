#include "image/image_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "base/hash.h"
#include "image/manifest_json.h"
#include "indexer/scanner.h"
#include "layer/layer_reader.h"
#include "layer/whiteout_scanner.h"
#include "testing/process.h"

namespace lucid::image {
namespace {

const std::string kShared = LUCID_SHARED_DIR;
const std::string kOci = kShared + "/images/oci";

struct Expected {
  std::string manifest;
  std::string config;
  std::vector<std::string> digests;
  std::vector<std::string> diff_ids;
};

Expected LoadExpected(const std::string& image) {
  auto text = ReadFile(kShared + "/images/expected/" + image + ".json", 64 << 20);
  EXPECT_TRUE(text.ok());
  auto v = boost::json::parse(*text).as_object();
  Expected e;
  e.manifest = std::string(v["manifest"].as_object()["digest"].as_string());
  e.config = std::string(v["config"].as_object()["digest"].as_string());
  for (auto& l : v["layers"].as_array()) {
    e.digests.emplace_back(l.as_object()["digest"].as_string());
    e.diff_ids.emplace_back(l.as_object()["diff_id"].as_string());
  }
  return e;
}

std::vector<std::string> Digests(const ImageInfo& info) {
  std::vector<std::string> out;
  for (const auto& l : info.layers) out.push_back(l.digest.str());
  return out;
}

// Scans the last layer of `info` (debian-app's whiteout layer) through the source.
void ScanLastLayer(ImageSource& src, const ImageInfo& info) {
  layer::WhiteoutScanner ws;
  auto session = ws.NewSession();
  indexer::LayerFiles files;
  const Digest& d = info.layers.back().digest;
  Status st = layer::ScanLayer(src.Opener(d), d, {session.get()}, &files);
  ASSERT_TRUE(st.ok()) << st.ToString();
  indexer::LayerArtifacts out;
  ASSERT_TRUE(session->Finish(files, &out).ok());
  EXPECT_EQ(out.whiteouts, std::vector<std::string>{"app/node_modules/.wh.minimist"});
}

TEST(OciLayout, DebianAppAndBase) {
  for (std::string image : {"debian-app", "debian-base"}) {
    Expected want = LoadExpected(image);
    auto src = OpenImageSource("oci:" + kOci + ":" + image);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    auto info = (*src)->Resolve();
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->manifest_digest.str(), want.manifest);
    EXPECT_EQ(info->config_digest.str(), want.config);
    EXPECT_EQ(Digests(*info), want.digests);
    EXPECT_EQ(info->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
    EXPECT_EQ(info->layers[0].size, 30120553);
    EXPECT_FALSE(info->lucid_manifest.has_value());
    if (image == "debian-app") ScanLastLayer(**src, *info);
  }
}

TEST(OciLayout, WrongTagAndAmbiguity) {
  auto src = OpenImageSource("oci:" + kOci + ":no-such-tag");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_NE(info.status().message().find("debian-app"), std::string::npos) << info.status().message();
  auto both = OpenImageSource("oci:" + kOci);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->Resolve().status().code(), StatusCode::kInvalidArgument);
  auto missing = OpenImageSource("oci:/nonexistent/dir:x");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ((*missing)->Resolve().status().code(), StatusCode::kNotFound);
}

TEST(OpenImageSource, RejectsUnknownTransports) {
  EXPECT_EQ(OpenImageSource("ftp://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenImageSource("docker://nohost").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenImageSource("docker://h.example/Bad_Name:x").status().code(), StatusCode::kInvalidArgument);
}

TEST(ManifestJson, PlatformSelection) {
  auto doc = ParseManifestDoc(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,
      "digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
      "platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
     {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,
      "digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222",
      "platform":{"os":"linux","architecture":"amd64"}}]})");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_TRUE(doc->is_index);
  EXPECT_EQ(SelectPlatform(*doc, {})->digest.hex()[0], '2');
  EXPECT_EQ(SelectPlatform(*doc, *Platform::Parse("linux/arm64"))->digest.hex()[0], '1');
  auto none = SelectPlatform(*doc, *Platform::Parse("linux/s390x"));
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("linux/arm64/v8"), std::string::npos);
  EXPECT_EQ(ParseManifestDoc("{\"schemaVersion\":1}").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseManifestDoc("not json").status().code(), StatusCode::kCorrupt);
}

// Builds the docker-archive once and caches it under $TMPDIR, keyed by the OCI index.
std::string DockerArchive() {
  auto index = ReadFile(kOci + "/index.json", 1 << 20);
  std::string dir = TempDirectory() + "/lucid-test-docker-archive-" + Sha256Hex(*index).substr(0, 16);
  std::string gz = dir + "/docker/debian-images.docker.tar.gz";
  if (std::filesystem::exists(gz)) return gz;
  std::string tmp = dir + ".tmp." + std::to_string(::getpid());
  // One build at a time across test processes: on a fresh machine the script
  // apt-installs its tools, and concurrent apt runs fail on dpkg's lock.
  std::string cmd = "flock " + dir + ".lock sh -c '[ -e " + gz + " ] || " + kShared +
                    "/images/build-images.sh --docker-archive-only " + tmp + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return "";
  std::error_code ec;
  std::filesystem::rename(tmp, dir, ec);  // another process may have won the race: fine
  std::filesystem::remove_all(tmp, ec);
  return std::filesystem::exists(gz) ? gz : "";
}

class DockerArchiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gz_ = DockerArchive();
    if (gz_.empty()) return;
    plain_ = gz_.substr(0, gz_.size() - 3);
    if (!std::filesystem::exists(plain_)) {
      std::string tmp = plain_ + ".tmp." + std::to_string(::getpid());
      if (std::system(("gzip -dc '" + gz_ + "' > '" + tmp + "'").c_str()) == 0) std::filesystem::rename(tmp, plain_);
    }
  }
  static std::string gz_, plain_;
};
std::string DockerArchiveTest::gz_, DockerArchiveTest::plain_;

TEST_F(DockerArchiveTest, GzippedAndPlainWithTags) {
  ASSERT_FALSE(gz_.empty()) << "build-images.sh --docker-archive-only failed";
  Expected app = LoadExpected("debian-app");
  Expected base = LoadExpected("debian-base");
  for (const std::string& file : {gz_, plain_}) {
    auto src = OpenImageSource("docker-archive:" + file + ":debian-app:latest");
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    auto info = (*src)->Resolve();
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(Digests(*info), app.diff_ids);
    EXPECT_EQ(info->config_digest.str(), app.config);
    EXPECT_EQ(info->manifest_digest.str(), app.config);  // documented: the config digest
    EXPECT_EQ(info->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar");
    ScanLastLayer(**src, *info);

    auto b = OpenImageSource("docker-archive:" + file + ":debian-base");  // ":latest" implied
    ASSERT_TRUE(b.ok());
    auto binfo = (*b)->Resolve();
    ASSERT_TRUE(binfo.ok()) << binfo.status().ToString();
    EXPECT_EQ(Digests(*binfo), base.diff_ids);
  }
}

TEST_F(DockerArchiveTest, LayerZeroScansWithDiffIdDigest) {
  ASSERT_FALSE(gz_.empty());
  auto src = OpenImageSource("docker-archive:" + plain_ + ":debian-base:latest");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  ASSERT_TRUE(info.ok());
  indexer::LayerFiles files;
  layer::LayerStats stats;
  const Digest& d = info->layers[0].digest;
  Status st = layer::ScanLayer((*src)->Opener(d), d, {}, &files, {}, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(stats.compression, "none");
  EXPECT_EQ(stats.entries, 4214u);
}

TEST_F(DockerArchiveTest, WrongTagAndAmbiguity) {
  ASSERT_FALSE(gz_.empty());
  auto src = OpenImageSource("docker-archive:" + gz_ + ":nope:latest");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound) << info.status().ToString();
  auto both = OpenImageSource("docker-archive:" + gz_);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->Resolve().status().code(), StatusCode::kInvalidArgument);
  auto missing = OpenImageSource("docker-archive:/nonexistent.tar");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ((*missing)->Resolve().status().code(), StatusCode::kNotFound);
}

TEST(DockerArchiveNewLayout, OciDirAsDockerSaveTar) {
  // Docker >= 25 `docker save` layout: blobs/sha256/<hex> members, gzip layers.
  std::string tar = TempDirectory() + "/lucid-docker25-" + std::to_string(::getpid()) + ".tar";
  ASSERT_EQ(std::system(("tar -C '" + kOci + "' -cf '" + tar + "' .").c_str()), 0);
  auto src = OpenImageSource("docker-archive:" + tar + ":debian-app:latest");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  Expected app = LoadExpected("debian-app");
  EXPECT_EQ(Digests(*info), app.digests);
  EXPECT_EQ(info->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  ScanLastLayer(**src, *info);
  std::filesystem::remove(tar);
}

class RegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = lucid::testing::StartRegistry();
    if (s.ok())
      server_ = std::move(*s).release();
    else
      std::fprintf(stderr, "registry: %s\n", s.status().ToString().c_str());
  }
  static void TearDownTestSuite() { delete server_; }
  static lucid::testing::ChildServer* server_;
};
lucid::testing::ChildServer* RegistryTest::server_ = nullptr;

TEST_F(RegistryTest, ResolveScanAndErrors) {
  ASSERT_NE(server_, nullptr);
  Expected app = LoadExpected("debian-app");
  std::string addr = server_->address();
  auto src = OpenImageSource("docker://" + addr + "/debian-app:latest");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto info = (*src)->Resolve();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->manifest_digest.str(), app.manifest);
  EXPECT_EQ(Digests(*info), app.digests);
  ASSERT_TRUE(info->lucid_manifest.has_value());
  EXPECT_EQ(info->lucid_manifest->hash.str(), app.manifest);
  ASSERT_EQ(info->lucid_manifest->layers.size(), 4u);
  EXPECT_EQ(info->lucid_manifest->layers[3].uri, "http://" + addr + "/v2/debian-app/blobs/" + app.digests[3]);
  EXPECT_TRUE(info->lucid_manifest->layers[3].headers.empty());
  ScanLastLayer(**src, *info);

  // By digest.
  auto by_digest = OpenImageSource("docker://" + addr + "/debian-app@" + app.manifest);
  ASSERT_TRUE(by_digest.ok());
  auto info2 = (*by_digest)->Resolve();
  ASSERT_TRUE(info2.ok()) << info2.status().ToString();
  EXPECT_EQ(Digests(*info2), app.digests);

  // A missing blob.
  auto missing = (*src)->OpenLayer(Digest::Sha256FromHex(std::string(64, '0')));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();

  // A wrong tag.
  auto wrong = OpenImageSource("docker://" + addr + "/debian-app:nope");
  ASSERT_TRUE(wrong.ok());
  auto winfo = (*wrong)->Resolve();
  ASSERT_FALSE(winfo.ok());
  EXPECT_EQ(winfo.status().code(), StatusCode::kNotFound) << winfo.status().ToString();
  EXPECT_NE(winfo.status().message().find("debian-app:nope"), std::string::npos);
}

TEST(FakeRegistry, BearerTokenAuth) {
  auto srv = lucid::testing::StartTestHttpServer({"--registry", kOci, "--auth", "bearer"});
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();
  Expected app = LoadExpected("debian-app");
  auto src = OpenImageSource("docker://" + (*srv)->address() + "/debian-app:latest");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->manifest_digest.str(), app.manifest);
  ASSERT_TRUE(info->lucid_manifest.has_value());
  auto& headers = info->lucid_manifest->layers[0].headers;
  ASSERT_EQ(headers.count("Authorization"), 1u);
  EXPECT_EQ(headers.at("Authorization"), std::vector<std::string>{"Bearer test-token-123"});
  ScanLastLayer(**src, *info);
}

TEST(FakeRegistry, ManifestDigestMismatch) {
  auto srv = lucid::testing::StartTestHttpServer({"--registry", kOci, "--bad-digest"});
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();
  Expected app = LoadExpected("debian-app");
  // By tag: Docker-Content-Digest disagrees with the content.
  auto src = OpenImageSource("docker://" + (*srv)->address() + "/debian-app:latest");
  ASSERT_TRUE(src.ok());
  auto info = (*src)->Resolve();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(info.status().message().find("digest mismatch"), std::string::npos) << info.status().message();
  // By digest: the content does not hash to the digest asked for.
  auto by_digest = OpenImageSource("docker://" + (*srv)->address() + "/debian-app@" + app.manifest);
  ASSERT_TRUE(by_digest.ok());
  auto info2 = (*by_digest)->Resolve();
  ASSERT_FALSE(info2.ok());
  EXPECT_EQ(info2.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(info2.status().message().find(app.manifest), std::string::npos) << info2.status().message();
}

}  // namespace
}  // namespace lucid::image
