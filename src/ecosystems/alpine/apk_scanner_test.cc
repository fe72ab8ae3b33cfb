#include "ecosystems/alpine/apk_scanner.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "base/io.h"

namespace lucid::alpine {
namespace {

const std::string kRootfs = LUCID_SHARED_DIR "/data/alpine-rootfs/v3.14";

// Runs one scanner session over in-memory files, as the layer reader would.
indexer::LayerArtifacts Scan(const indexer::Scanner& s, const std::map<std::string, std::string>& files) {
  auto session = s.NewSession();
  indexer::LayerFiles lf;
  for (const auto& [path, content] : files) {
    indexer::FileEntry e;
    e.path = path;
    e.size = content.size();
    lf.Add(e);
    if (session->Wants(e)) {
      StringReader r(content);
      EXPECT_TRUE(session->Consume(e, r).ok()) << path;
    }
  }
  indexer::LayerArtifacts out;
  EXPECT_TRUE(session->Finish(lf, &out).ok());
  return out;
}

TEST(ApkScanner, RealInstalledDb) {
  auto db = ReadFile(kRootfs + "/lib/apk/db/installed", 16 << 20);
  ASSERT_TRUE(db.ok());
  // Independent reading: every "P:" line starts a package; remember V and o
  // of the record it belongs to.
  std::map<std::string, std::pair<std::string, std::string>> want;  // name -> (version, origin)
  std::istringstream in(*db);
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.rfind("P:", 0) == 0) name = line.substr(2);
    if (line.rfind("V:", 0) == 0) want[name].first = line.substr(2);
    if (line.rfind("o:", 0) == 0) want[name].second = line.substr(2);
    if (line.empty()) name.clear();
  }
  ASSERT_EQ(want.size(), 26u);  // shared/data/alpine-rootfs/README.md

  auto scanner = NewApkScanner();
  EXPECT_EQ(scanner->name(), "apk");
  EXPECT_EQ(scanner->kind(), indexer::ScannerKind::kPackage);
  auto out = Scan(*scanner, {{"lib/apk/db/installed", *db}, {"etc/os-release", "ID=alpine\n"}});
  ASSERT_EQ(out.packages.size(), 26u);
  std::map<std::string, const Package*> got;
  for (const auto& p : out.packages) got[p.name] = &p;
  for (const auto& [n, vo] : want) {
    ASSERT_TRUE(got.count(n)) << n;
    const Package& p = *got[n];
    EXPECT_EQ(p.version, vo.first) << n;
    EXPECT_EQ(p.source.name, vo.second) << n;
    EXPECT_EQ(p.source.version, vo.first) << n;
    EXPECT_EQ(p.kind, PackageKind::kBinary);
    EXPECT_EQ(p.arch, "armv7");
    EXPECT_EQ(p.package_db, "lib/apk/db/installed");
    EXPECT_EQ(p.repository_hint.size(), 40u) << n;  // aports commit
  }
  // README facts.
  EXPECT_EQ(got["libcrypto1.1"]->version, "1.1.1k-r0");
  EXPECT_EQ(got["libcrypto1.1"]->source.name, "openssl");
  EXPECT_EQ(got["libssl1.1"]->source.name, "openssl");
  EXPECT_EQ(got["busybox"]->version, "1.33.1-r3");
  EXPECT_EQ(got["musl"]->version, "1.2.2-r3");
  EXPECT_EQ(got["zlib"]->version, "1.2.11-r3");
  EXPECT_EQ(got["apk-tools"]->version, "2.12.6-r0");
  EXPECT_EQ(got["musl"]->repository_hint, "1e9cba35059e3bb4635f12ee7e10dfe687df31ad");
}

TEST(ApkScanner, ExtraBlankLinesInsideRecords) {
  // The upstream inline case: stray blank lines must not crash or merge records.
  auto pkgs = ParseInstalledDb("P:foo\nV:1.0\nA:x86_64\n\n\nP:bar\nV:2.0\nA:x86_64\n");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name, "foo");
  EXPECT_EQ(pkgs[0].version, "1.0");
  EXPECT_EQ(pkgs[0].arch, "x86_64");
  EXPECT_EQ(pkgs[0].kind, PackageKind::kBinary);
  EXPECT_EQ(pkgs[0].package_db, "lib/apk/db/installed");
  EXPECT_TRUE(pkgs[0].source.empty());
  EXPECT_EQ(pkgs[1].name, "bar");
  EXPECT_EQ(pkgs[1].version, "2.0");
}

TEST(ApkScanner, OddInput) {
  // Short lines, CRLF, records without P or V, no trailing newline.
  auto pkgs = ParseInstalledDb("x\nP:a\r\nV:1-r0\r\no:src\r\n\r\nV:2\n\nP:nover\nA:x86\n\nP:last\nV:3-r1");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name, "a");
  EXPECT_EQ(pkgs[0].version, "1-r0");
  EXPECT_EQ(pkgs[0].source.name, "src");
  EXPECT_EQ(pkgs[1].name, "last");
  EXPECT_EQ(pkgs[1].version, "3-r1");
  EXPECT_TRUE(ParseInstalledDb("").empty());
  EXPECT_TRUE(ParseInstalledDb(std::string(1000, '\n')).empty());
  EXPECT_TRUE(ParseInstalledDb(std::string("\0\0P\xff", 4)).empty());
}

TEST(ApkScanner, OnlyTheInstalledDb) {
  auto s = NewApkScanner()->NewSession();
  indexer::FileEntry e;
  e.path = "lib/apk/db/installed";
  EXPECT_TRUE(s->Wants(e));
  e.path = "usr/lib/apk/db/installed";
  EXPECT_FALSE(s->Wants(e));
  e.path = "lib/apk/db/triggers";
  EXPECT_FALSE(s->Wants(e));
}

}  // namespace
}  // namespace lucid::alpine
