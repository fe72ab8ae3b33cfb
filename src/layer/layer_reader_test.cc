#include "layer/layer_reader.h"

#include <gtest/gtest.h>

#include <map>

#include "base/hash.h"
#include "layer/whiteout_scanner.h"
#include "testing/archive_builder.h"

namespace lucid::layer {
namespace {

using indexer::EntryType;
using indexer::FileEntry;
using indexer::LayerArtifacts;
using indexer::LayerFiles;
using lucid::testing::Compression;
using lucid::testing::TarBuilder;

const std::string kBlobs = std::string(LUCID_SHARED_DIR) + "/images/oci/blobs/sha256/";
const char* kLayer0 = "98f6f51d700cb33d69a2440b9978f0e96d7d850acf3fe5d316f1e7c00a5dd1af";
const char* kLayer1 = "92f4d57af11ea8eb43cf3e7a7d1f91e4f9f58bcf894eaf990e1ffea16664eb2d";
const char* kLayer2 = "a68a36452668078a33c53ed703678488af186f0df7553f84e2d66df100c96717";
const char* kLayer3 = "ff4f90be448ad0749200f1cf10c830d793d7507f9f5661eb16bbd200d49fd672";

// Buffers the files it wants (by exact path), keeping the last copy.
class CollectSession : public indexer::ScanSession {
 public:
  explicit CollectSession(std::vector<std::string> want) : want_(std::move(want)) {}
  bool Wants(const FileEntry& e) override {
    for (const auto& w : want_) {
      if (e.path == w) return true;
    }
    return false;
  }
  Status Consume(const FileEntry& e, Reader& content) override {
    auto data = ReadAll(content, indexer::kMaxBufferedFile);
    if (!data.ok()) return data.status();
    got[e.path] = std::move(*data);
    types[e.path] = e.type;
    ++consumed;
    return Status::Ok();
  }
  Status Finish(const LayerFiles&, LayerArtifacts*) override { return Status::Ok(); }
  std::map<std::string, std::string> got;
  std::map<std::string, EntryType> types;
  int consumed = 0;

 private:
  std::vector<std::string> want_;
};

// Reads the first `n` bytes of what it wants and stops.
class PartialSession : public CollectSession {
 public:
  using CollectSession::CollectSession;
  Status Consume(const FileEntry& e, Reader& content) override {
    char buf[4];
    auto n = content.Read(buf, sizeof buf);
    if (!n.ok()) return n.status();
    got[e.path] = std::string(buf, *n);
    return Status::Ok();
  }
};

BlobOpener Bytes(const std::string& data) {
  return [data]() -> Result<std::unique_ptr<Reader>> { return std::unique_ptr<Reader>(new StringReader(data)); };
}
Digest DigestOf(const std::string& data) { return Digest::Sha256FromHex(Sha256Hex(data)); }

Status Scan(const std::string& blob, const std::vector<indexer::ScanSession*>& sessions, LayerFiles* files,
            const LayerLimits& limits = {}, LayerStats* stats = nullptr) {
  return ScanLayer(Bytes(blob), DigestOf(blob), sessions, files, limits, stats);
}

TEST(NormalizeMemberPath, Cases) {
  EXPECT_EQ(*NormalizeMemberPath("./usr/bin/x"), "usr/bin/x");
  EXPECT_EQ(*NormalizeMemberPath("/etc//passwd"), "etc/passwd");
  EXPECT_EQ(*NormalizeMemberPath("a/./b/../c/"), "a/c");
  EXPECT_EQ(*NormalizeMemberPath("./"), "");
  auto bad = NormalizeMemberPath("a/../../etc/shadow");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(bad.status().message().find("a/../../etc/shadow"), std::string::npos);
}

TEST(ScanLayerReal, Layer0DotSlashHardLinksAndDelivery) {
  CollectSession s({"var/lib/dpkg/status", "usr/lib/os-release", "etc/os-release"});
  LayerFiles files;
  LayerStats stats;
  auto d = Digest::Sha256FromHex(kLayer0);
  Status st = ScanLayerFile(kBlobs + kLayer0, d, {&s}, &files, {}, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(stats.compression, "gzip");
  EXPECT_EQ(stats.actual, d);
  EXPECT_EQ(stats.compressed_bytes, 30120553u);
  // libarchive stops at the tar end markers; the rest of the 77557760 tar bytes is padding.
  EXPECT_GT(stats.uncompressed_bytes, 77500000u);
  EXPECT_LE(stats.uncompressed_bytes, 77557760u);
  EXPECT_EQ(stats.entries, 4214u);
  // 4214 members; "./" itself is the root and not recorded.
  EXPECT_EQ(files.entries().size(), 4213u);
  for (const auto& [p, e] : files.entries()) {
    EXPECT_FALSE(p.starts_with("./") || p.starts_with("/")) << p;
  }
  int hardlinks = 0;
  for (const auto& [p, e] : files.entries()) {
    if (e.type == EntryType::kHardlink) {
      ++hardlinks;
      EXPECT_NE(files.Find(e.link_target), nullptr) << p << " -> " << e.link_target;
    }
  }
  EXPECT_EQ(hardlinks, 2);
  ASSERT_TRUE(s.got.count("var/lib/dpkg/status"));
  EXPECT_NE(s.got["var/lib/dpkg/status"].find("Package: base-files"), std::string::npos);
  // etc/os-release is a symlink to ../usr/lib/os-release: delivered in a second pass.
  ASSERT_TRUE(s.got.count("etc/os-release"));
  EXPECT_EQ(s.got["etc/os-release"], s.got["usr/lib/os-release"]);
  EXPECT_EQ(s.types["etc/os-release"], EntryType::kSymlink);
  EXPECT_NE(s.got["etc/os-release"].find("bookworm"), std::string::npos);
  EXPECT_EQ(stats.passes, 2);
  const FileEntry* bin = files.Find("bin");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(bin->type, EntryType::kSymlink);
  EXPECT_EQ(bin->link_target, "usr/bin");
}

TEST(ScanLayerReal, Layer0SinglePassWhenNoLinkIsWanted) {
  CollectSession s({"var/lib/dpkg/status"});
  LayerFiles files;
  LayerStats stats;
  ASSERT_TRUE(ScanLayerFile(kBlobs + kLayer0, Digest::Sha256FromHex(kLayer0), {&s}, &files, {}, &stats).ok());
  EXPECT_EQ(stats.passes, 1);
}

TEST(ScanLayerReal, Layer1PaxNames) {
  // Layer 1's PAX headers carry UTF-8 names and link targets (path, linkpath).
  const std::string crt =
      "usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_F\u0151tan\u00fas\u00edtv\u00e1ny.crt";
  CollectSession s({crt, "etc/ssl/certs/988a38cb.0"});
  LayerFiles files;
  LayerStats stats;
  Status st = ScanLayerFile(kBlobs + kLayer1, Digest::Sha256FromHex(kLayer1), {&s}, &files, {}, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_NE(files.Find(crt), nullptr);
  const FileEntry* pem = files.Find("etc/ssl/certs/NetLock_Arany_=Class_Gold=_F\u0151tan\u00fas\u00edtv\u00e1ny.pem");
  ASSERT_NE(pem, nullptr);
  EXPECT_EQ(pem->type, EntryType::kSymlink);
  EXPECT_EQ(pem->link_target, "/" + crt);
  EXPECT_NE(files.Find("usr/bin/fzf"), nullptr);
  // The hashed cert name resolves through two symlinks (one absolute) to the .crt.
  EXPECT_EQ(*files.Resolve("etc/ssl/certs/988a38cb.0"), crt);
  ASSERT_TRUE(s.got.count("etc/ssl/certs/988a38cb.0"));
  EXPECT_EQ(s.got["etc/ssl/certs/988a38cb.0"], s.got[crt]);
  EXPECT_NE(s.got[crt].find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST(ScanLayerReal, Layer3WhiteoutScanner) {
  WhiteoutScanner ws;
  EXPECT_EQ(ws.key(), "whiteout/1/file");
  auto session = ws.NewSession();
  LayerFiles files;
  ASSERT_TRUE(ScanLayerFile(kBlobs + kLayer3, Digest::Sha256FromHex(kLayer3), {session.get()}, &files).ok());
  LayerArtifacts out;
  ASSERT_TRUE(session->Finish(files, &out).ok());
  EXPECT_EQ(out.whiteouts, std::vector<std::string>{"app/node_modules/.wh.minimist"});
}

TEST(ScanLayerReal, Layer2NoWhiteouts) {
  WhiteoutScanner ws;
  auto session = ws.NewSession();
  LayerFiles files;
  ASSERT_TRUE(ScanLayerFile(kBlobs + kLayer2, Digest::Sha256FromHex(kLayer2), {session.get()}, &files).ok());
  LayerArtifacts out;
  ASSERT_TRUE(session->Finish(files, &out).ok());
  EXPECT_TRUE(out.whiteouts.empty());
  EXPECT_NE(files.Find("app/node_modules/minimist/package.json"), nullptr);
}

TEST(ScanLayerReal, DigestMismatch) {
  LayerFiles files;
  auto wrong = Digest::Sha256FromHex(std::string(64, 'a'));
  Status st = ScanLayerFile(kBlobs + kLayer3, wrong, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find(wrong.str()), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(std::string("sha256:") + kLayer3), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, CompressionsAndMultipleSessions) {
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string blob = TarBuilder(c).Dir("etc").File("etc/a", "alpha").File("etc/b", "beta").Finish();
    CollectSession s1({"etc/a", "etc/b"});
    CollectSession s2({"etc/a"});
    LayerFiles files;
    LayerStats stats;
    Status st = Scan(blob, {&s1, &s2}, &files, {}, &stats);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(s1.got["etc/a"], "alpha");
    EXPECT_EQ(s1.got["etc/b"], "beta");
    EXPECT_EQ(s2.got["etc/a"], "alpha");
    EXPECT_EQ(stats.delivered_files, 3u);
    EXPECT_EQ(stats.compression, c == Compression::kNone ? "none" : c == Compression::kGzip ? "gzip" : "zstd");
  }
}

TEST(ScanLayerCrafted, PartialConsumeSkipsTheRest) {
  std::string blob = TarBuilder().File("a", std::string(100000, 'x')).File("b", "bee").Finish();
  PartialSession s({"a", "b"});
  LayerFiles files;
  ASSERT_TRUE(Scan(blob, {&s}, &files).ok());
  EXPECT_EQ(s.got["a"], "xxxx");
  EXPECT_EQ(s.got["b"], "bee");
}

TEST(ScanLayerCrafted, TruncatedGzip) {
  std::string blob = TarBuilder().File("a", std::string(200000, 'q') + Sha256Hex("x")).Finish();
  std::string cut = blob.substr(0, blob.size() / 2);
  CollectSession s({"a"});
  LayerFiles files;
  Status st = Scan(cut, {&s}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
}

TEST(ScanLayerCrafted, CorruptZstd) {
  std::string blob = TarBuilder(Compression::kZstd).File("a", "hello world").File("b", "more").Finish();
  for (size_t i = 8; i < blob.size(); ++i) blob[i] = static_cast<char>(blob[i] ^ 0x5a);
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.ToString();
}

TEST(ScanLayerCrafted, NotATar) {
  LayerFiles files;
  Status st = Scan(std::string(4096, 'z'), {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("Unrecognized archive format"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, Bzip2IsUnsupported) {
  LayerFiles files;
  Status st = Scan("BZh91AY&SY", {}, &files);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
}

TEST(ScanLayerCrafted, DotDotEscapeIsAnErrorNamingThePath) {
  std::string blob = TarBuilder().File("ok", "1").File("../../etc/passwd", "root").Finish();
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("../../etc/passwd"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, AbsoluteHardlinkIsAnError) {
  std::string blob = TarBuilder().File("a", "1").Hardlink("b", "/etc/shadow").Finish();
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("/etc/shadow"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, EscapingHardlinkIsAnError) {
  std::string blob = TarBuilder().File("a", "1").Hardlink("b", "../x").Finish();
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("../x"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, HardlinkDeliversTargetBytes) {
  std::string blob =
      TarBuilder().File("usr/bin/perl5", "#!perl").Hardlink("./usr/bin/perl", "./usr/bin/perl5").Finish();
  CollectSession s({"usr/bin/perl"});
  LayerFiles files;
  LayerStats stats;
  ASSERT_TRUE(Scan(blob, {&s}, &files, {}, &stats).ok());
  EXPECT_EQ(s.got["usr/bin/perl"], "#!perl");
  EXPECT_EQ(s.types["usr/bin/perl"], EntryType::kHardlink);
  EXPECT_EQ(files.Find("usr/bin/perl")->link_target, "usr/bin/perl5");
  EXPECT_EQ(stats.passes, 2);
}

TEST(ScanLayerCrafted, SymlinkLoopIsAnErrorNamingThePath) {
  std::string blob = TarBuilder().Symlink("a", "b").Symlink("b", "a").Finish();
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("layer member a"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, DuplicateMembersLastWins) {
  std::string blob = TarBuilder().File("etc/issue", "first").File("etc/issue", "second").Finish();
  CollectSession s({"etc/issue"});
  LayerFiles files;
  ASSERT_TRUE(Scan(blob, {&s}, &files).ok());
  EXPECT_EQ(s.got["etc/issue"], "second");
  EXPECT_EQ(s.consumed, 2);
  EXPECT_EQ(files.Find("etc/issue")->size, 6u);
}

TEST(ScanLayerCrafted, SymlinkedIntermediateDirectory) {
  std::string blob = TarBuilder()
                         .Dir("usr/lib")
                         .Symlink("lib", "usr/lib")
                         .File("lib/os-release", "ID=test\n")
                         .Symlink("usr/share/x", "../lib")
                         .File("usr/share/x/y", "why")
                         .Finish();
  CollectSession s({"usr/lib/os-release", "usr/lib/y"});
  LayerFiles files;
  Status st = Scan(blob, {&s}, &files);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_NE(files.Find("usr/lib/os-release"), nullptr);
  EXPECT_EQ(files.Find("lib/os-release"), nullptr);
  EXPECT_EQ(s.got["usr/lib/os-release"], "ID=test\n");
  EXPECT_EQ(s.got["usr/lib/y"], "why");
}

TEST(ScanLayerCrafted, InvalidUtf8IsEscaped) {
  std::string blob = TarBuilder(Compression::kNone).File(std::string("caf\xe9.txt"), "x").Finish();
  LayerFiles files;
  Status st = Scan(blob, {}, &files);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(files.entries().size(), 1u);
  EXPECT_EQ(files.entries().begin()->first, "caf\\xE9.txt");
}

TEST(ScanLayerCrafted, OpaqueWhiteoutsSeveralPerLayer) {
  std::string blob = TarBuilder()
                         .File("a/.wh..wh..opq", "")
                         .File("b/c/.wh..wh..opq", "")
                         .File("d/.wh.e", "")
                         .File("d/f", "keep")
                         .Finish();
  WhiteoutScanner ws;
  auto session = ws.NewSession();
  LayerFiles files;
  ASSERT_TRUE(Scan(blob, {session.get()}, &files).ok());
  LayerArtifacts out;
  ASSERT_TRUE(session->Finish(files, &out).ok());
  EXPECT_EQ(out.whiteouts, (std::vector<std::string>{"a/.wh..wh..opq", "b/c/.wh..wh..opq", "d/.wh.e"}));
}

TEST(ScanLayerCrafted, UncompressedLimit) {
  std::string blob = TarBuilder().File("a", std::string(1 << 20, 'a')).Finish();
  LayerFiles files;
  LayerLimits limits;
  limits.max_uncompressed_bytes = 100000;
  Status st = Scan(blob, {}, &files, limits);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kTooLarge);
  EXPECT_NE(st.message().find("100000"), std::string::npos) << st.message();
}

TEST(ScanLayerCrafted, DecompressionBomb) {
  // 256 MiB of zeros compress ~1000:1 with gzip; lower the threshold so the guard trips.
  std::string blob = TarBuilder().ZeroFile("zeros", 256ull << 20).Finish();
  ASSERT_LT(blob.size(), 1u << 20);
  LayerFiles files;
  LayerLimits limits;
  limits.ratio_check_after = 16 << 20;
  limits.max_ratio = 200;
  Status st = Scan(blob, {}, &files, limits);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kTooLarge);
  EXPECT_NE(st.message().find("decompression bomb"), std::string::npos) << st.message();
  // The same layer read by a session that wants the file trips it as well.
  CollectSession s({"zeros"});
  LayerFiles files2;
  st = Scan(blob, {&s}, &files2, limits);
  EXPECT_EQ(st.code(), StatusCode::kTooLarge) << st.ToString();
}

TEST(ScanLayerCrafted, ZstdBombHitsTheDefaultRatioGuard) {
  // zstd reaches far beyond 1000:1 on zeros; with a 64 MiB check point the default ratio trips.
  std::string blob = TarBuilder(Compression::kZstd).ZeroFile("zeros", 512ull << 20).Finish();
  LayerFiles files;
  LayerLimits limits;
  limits.ratio_check_after = 64 << 20;
  Status st = Scan(blob, {}, &files, limits);
  EXPECT_EQ(st.code(), StatusCode::kTooLarge) << st.ToString();
}

TEST(ScanLayerCrafted, EmptyDigestDisablesCheck) {
  std::string blob = TarBuilder().File("a", "1").Finish();
  LayerFiles files;
  LayerStats stats;
  ASSERT_TRUE(ScanLayer(Bytes(blob), Digest(), {}, &files, {}, &stats).ok());
  EXPECT_TRUE(stats.actual.empty());
}

}  // namespace
}  // namespace lucid::layer
