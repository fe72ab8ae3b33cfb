#include "ecosystems/debian/dpkg_scanner.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/hash.h"
#include "ecosystems/debian/control_file.h"
#include "ecosystems/debian/test_util.h"

namespace lucid::debian {
namespace {

using testing::FakeLayer;
using testing::Slurp;

std::string DpkgFixture(const std::string& name) {
  return Slurp(testing::SharedDir() + "/data/upstream-fixtures/debian-ubuntu/dpkg/testdata/" + name);
}

TEST(ControlFileTest, ContinuationAndCase) {
  std::vector<std::string> seen;
  Status s = ForEachStanza("package: a\nDescription: x\n more\n .\n\n\n  \nPACKAGE: b\r\n", [&](const Stanza& st) {
    seen.emplace_back(st.Get("Package"));
    if (seen.size() == 1) {
      EXPECT_EQ(st.Get("description"), "x\nmore\n.");
    }
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ForEachStanza(" leading continuation\n", [](const Stanza&) { return Status::Ok(); }).code(),
            StatusCode::kCorrupt);
  EXPECT_EQ(ForEachStanza("no colon here\n", [](const Stanza&) { return Status::Ok(); }).code(), StatusCode::kCorrupt);
}

TEST(DpkgStatusTest, GiantStatusFile) {
  auto db = ParseDpkgStatus(DpkgFixture("texlive.status"), "var/lib/dpkg/status");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_FALSE(db->is_vcpkg);
  EXPECT_EQ(db->packages.size(), 357u);
  for (size_t i = 1; i < db->packages.size(); ++i) {
    EXPECT_LE(db->packages[i - 1].name, db->packages[i].name);
  }
  for (const auto& p : db->packages) {
    EXPECT_FALSE(p.version.empty());
    EXPECT_FALSE(p.arch.empty());
    EXPECT_FALSE(p.source.name.empty());
    EXPECT_EQ(p.kind, PackageKind::kBinary);
    EXPECT_EQ(p.package_db, "var/lib/dpkg/status");
  }
}

TEST(DpkgStatusTest, KeyringPackage) {
  auto db = ParseDpkgStatus(DpkgFixture("debian-only.status"), "var/lib/dpkg/status");
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->packages.size(), 1u);
  const Package& p = db->packages[0];
  EXPECT_EQ(p.name, "debian-archive-keyring");
  EXPECT_EQ(p.version, "2019.1");
  EXPECT_EQ(p.arch, "all");
  EXPECT_EQ(p.source.name, "debian-archive-keyring");  // no Source: the binary itself
  EXPECT_EQ(p.source.version, "2019.1");
}

TEST(DpkgStatusTest, VcpkgIsNotADatabase) {
  auto db = ParseDpkgStatus(DpkgFixture("vcpkg.status"), "x/status");
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE(db->is_vcpkg);
}

TEST(DpkgStatusTest, SourceFieldsAndStatusFilter) {
  auto db = ParseDpkgStatus(
      "Package: bsdutils\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\n"
      "Version: 1:2.38.1-5\n\n"
      "Package: bash\nStatus: hold ok installed\nArchitecture: amd64\nSource: bash\nVersion: 5.2-2+b1\n\n"
      "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n\n"
      "Package: purged\nStatus: purge ok not-installed\n\n"
      "Package: half\nStatus: install ok half-installed\nArchitecture: amd64\nVersion: 1\n\n"
      "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nSource: bash\nVersion: 5.2-3\n",
      "var/lib/dpkg/status");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_EQ(db->packages.size(), 2u);
  EXPECT_EQ(db->packages[0].name, "bash");
  EXPECT_EQ(db->packages[0].version, "5.2-3");  // the later stanza replaces
  EXPECT_EQ(db->packages[0].source.name, "bash");
  EXPECT_EQ(db->packages[0].source.version, "5.2-3");
  EXPECT_EQ(db->packages[1].source.name, "util-linux");
  EXPECT_EQ(db->packages[1].source.version, "2.38.1-5");
}

TEST(DpkgStatusTest, NotDpkgIsCorrupt) {
  EXPECT_EQ(ParseDpkgStatus("running\n", "a/status").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseDpkgStatus("State: up\nUptime: 3d\n", "a/status").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(ParseDpkgStatus("Package: x\nStatus: install ok installed\n", "a/status").status().code(),
            StatusCode::kCorrupt);
  auto empty = ParseDpkgStatus("", "a/status");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->packages.empty());
}

TEST(DpkgScannerTest, NeedsInfoDirectory) {
  FakeLayer with, without;
  with.files["var/lib/dpkg/status"] = DpkgFixture("debian-only.status");
  with.dirs.push_back("var/lib/dpkg/info");
  with.files["var/lib/dpkg/info/debian-archive-keyring.md5sums"] = "abc  usr/share/keyrings/x.gpg\n";
  without.files["var/lib/dpkg/status"] = DpkgFixture("debian-only.status");
  indexer::LayerArtifacts a, b;
  ASSERT_TRUE(with.Scan(*NewDpkgScanner(), &a).ok());
  ASSERT_TRUE(without.Scan(*NewDpkgScanner(), &b).ok());
  ASSERT_EQ(a.packages.size(), 1u);
  EXPECT_EQ(a.packages[0].repository_hint, Md5Hex("abc  usr/share/keyrings/x.gpg\n"));
  EXPECT_TRUE(b.packages.empty());
  EXPECT_TRUE(b.notes.empty());
}

TEST(DpkgScannerTest, OtherRootsAndImplicitInfoDir) {
  FakeLayer layer;
  layer.files["opt/chroot/var/lib/dpkg/status"] = DpkgFixture("debian-only.status");
  layer.files["opt/chroot/var/lib/dpkg/info/foo.list"] = "/x\n";  // no explicit directory entry
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewDpkgScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].package_db, "opt/chroot/var/lib/dpkg/status");
}

TEST(DpkgScannerTest, VcpkgSilentNotDpkgNoted) {
  FakeLayer layer;
  layer.files["vcpkg/installed/vcpkg/status"] = DpkgFixture("vcpkg.status");
  layer.dirs.push_back("vcpkg/installed/vcpkg/info");
  layer.files["srv/weird/status"] = "this is not\na control file\n";
  layer.dirs.push_back("srv/weird/info");
  layer.files["var/lib/dpkg/status"] = DpkgFixture("debian-only.status");
  layer.dirs.push_back("var/lib/dpkg/info");
  indexer::LayerArtifacts out;
  Status s = layer.Scan(*NewDpkgScanner(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.packages.size(), 1u);  // the real database still counts
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "unknown-package-db-format");
  EXPECT_EQ(out.notes[0].path, "srv/weird/status");
  EXPECT_EQ(out.notes[0].scanner, "dpkg");
}

TEST(DistrolessScannerTest, StatusD) {
  FakeLayer layer;
  layer.files["var/lib/dpkg/status.d/tzdata"] =
      "Package: tzdata\nVersion: 2021a-1+deb11u8\nArchitecture: all\nSource: tzdata-src (2021a-1)\n";
  layer.files["var/lib/dpkg/status.d/base"] = "Package: base-files\nVersion: 11.1+deb11u7\nArchitecture: amd64\n";
  layer.files["var/lib/dpkg/status.d/tzdata.md5sums"] = "x  y\n";
  layer.files["var/lib/dpkg/status.d/sub/nested"] = "Package: no\nVersion: 1\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewDistrolessScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 2u);
  std::map<std::string, Package> by;
  for (auto& p : out.packages) by[p.name] = p;
  EXPECT_EQ(by["tzdata"].package_db, "var/lib/dpkg/status.d/tzdata");
  EXPECT_EQ(by["tzdata"].source.name, "tzdata-src");
  EXPECT_EQ(by["tzdata"].source.version, "2021a-1+deb11u8");
  EXPECT_TRUE(by["base-files"].source.empty());
  EXPECT_EQ(by["base-files"].arch, "amd64");
  EXPECT_EQ(NewDistrolessScanner()->key(), "dpkg-distroless/1/package");
  EXPECT_EQ(NewDpkgScanner()->key(), "dpkg/7/package");
}

// Reads the members we need from the real debian-base layer blob.
std::map<std::string, std::string> ExtractDpkgFromBlob(const std::string& blob) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, blob.c_str(), 1 << 16), ARCHIVE_OK) << archive_error_string(a);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    bool want = name == "var/lib/dpkg/status" || (name.rfind("var/lib/dpkg/info/", 0) == 0 && name.size() > 8 &&
                                                  name.compare(name.size() - 8, 8, ".md5sums") == 0);
    if (!want || archive_entry_filetype(e) != AE_IFREG) continue;
    std::string data;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    out[name] = std::move(data);
  }
  archive_read_free(a);
  return out;
}

TEST(DpkgScannerTest, DebianBaseLayerMatchesExpected) {
  const std::string shared = testing::SharedDir();
  auto members = ExtractDpkgFromBlob(
      shared + "/images/oci/blobs/sha256/98f6f51d700cb33d69a2440b9978f0e96d7d850acf3fe5d316f1e7c00a5dd1af");
  ASSERT_TRUE(members.count("var/lib/dpkg/status"));
  FakeLayer layer;
  layer.files = members;
  layer.dirs.push_back("var/lib/dpkg/info");
  indexer::LayerArtifacts out;
  Status s = layer.Scan(*NewDpkgScanner(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();

  auto doc = boost::json::parse(Slurp(shared + "/images/expected/debian-base.json"));
  const auto& want = doc.at("layers").at(0).at("adds").at("dpkg").as_array();
  ASSERT_EQ(out.packages.size(), want.size());
  ASSERT_EQ(out.packages.size(), 88u);
  std::map<std::string, const Package*> by;
  for (const auto& p : out.packages) by[p.name] = &p;
  int hinted = 0;
  for (const auto& w : want) {
    std::string name(w.at("name").as_string());
    SCOPED_TRACE(name);
    ASSERT_TRUE(by.count(name));
    const Package& p = *by[name];
    EXPECT_EQ(p.version, w.at("version").as_string());
    EXPECT_EQ(p.arch, w.at("arch").as_string());
    EXPECT_EQ(p.source.name, w.at("source").as_string());
    EXPECT_EQ(p.source.version, w.at("source_version").as_string());
    EXPECT_EQ(p.package_db, w.at("db").as_string());
    if (!p.repository_hint.empty()) ++hinted;
  }
  EXPECT_GT(hinted, 80);
}

}  // namespace
}  // namespace lucid::debian
