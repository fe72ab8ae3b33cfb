#include "ecosystems/python/dist_scanner.h"

#include <gtest/gtest.h>

#include "ecosystems/debian/test_util.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::python {
namespace {

std::map<std::string, const Package*> ByPath(const indexer::LayerArtifacts& out) {
  std::map<std::string, const Package*> m;
  for (const auto& p : out.packages) m[p.filepath] = &p;
  return m;
}

TEST(DistMetadataTest, ParseAndNormalize) {
  auto m = ParseMetadata(
      "Metadata-Version: 2.1\r\nName: Charset_Normalizer\r\nVersion: 3.0.1\r\nSummary: x\r\n"
      " continued\r\n\r\nName: not-a-header\nVersion: 9\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "Charset_Normalizer");
  EXPECT_EQ(m->version, "3.0.1");
  EXPECT_FALSE(ParseMetadata("Metadata-Version: 2.1\n\nName: body\nVersion: 1\n"));
  EXPECT_EQ(NormalizeName("Charset_Normalizer"), "charset-normalizer");
  EXPECT_EQ(NormalizeName("zope.interface"), "zope-interface");
  EXPECT_EQ(NormalizeName("A-_.B"), "a-b");
  EXPECT_EQ(NormalizeName("PyYAML"), "pyyaml");
}

TEST(DistScannerTest, EggInfoDistInfoAndBadVersions) {
  debian::testing::FakeLayer layer;
  layer.files["usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO"] =
      "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n";
  layer.files["usr/lib/python3/dist-packages/charset_normalizer-3.0.1.dist-info/METADATA"] =
      "Metadata-Version: 2.1\nName: charset-normalizer\nVersion: 3.0.1\n";
  layer.files["usr/lib/python3/dist-packages/charset_normalizer-3.0.1.dist-info/INSTALLER"] = "debian\n";
  layer.files["opt/venv/lib/python3.11/site-packages/PyYAML-5.1.dist-info/METADATA"] =
      "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.1\n";
  layer.files["opt/venv/lib/python3.11/site-packages/PyYAML-5.1.dist-info/INSTALLER"] = "pip\n";
  layer.files["opt/venv/lib/python3.11/site-packages/bare.egg-info"] = "Name: bare\nVersion: 1.0-1\n";
  layer.files["opt/venv/lib/python3.11/site-packages/mypackage.egg-info/PKG-INFO"] = "Name: mypackage\nVersion: xxx\n";
  layer.files["var/lib/dpkg/info/python3-requests.list"] =
      "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info\n"
      "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewDistScanner(), &out).ok());
  auto by = ByPath(out);
  ASSERT_EQ(by.size(), 4u);
  const Package* req = by["usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO"];
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->package_db, "python:usr/lib/python3/dist-packages");
  EXPECT_EQ(req->normalized_version.str(), "pep440:0.2.28.1.0.0.0.0.0.0");
  EXPECT_TRUE(req->os_managed);  // listed by dpkg
  EXPECT_TRUE(
      by["usr/lib/python3/dist-packages/charset_normalizer-3.0.1.dist-info/METADATA"]->os_managed);  // INSTALLER
  const Package* yaml = by["opt/venv/lib/python3.11/site-packages/PyYAML-5.1.dist-info/METADATA"];
  ASSERT_NE(yaml, nullptr);
  EXPECT_EQ(yaml->name, "pyyaml");
  EXPECT_FALSE(yaml->os_managed);
  const Package* bare = by["opt/venv/lib/python3.11/site-packages/bare.egg-info"];
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->version, "1.0.post1");  // canonical PEP 440
  EXPECT_EQ(bare->package_db, "python:opt/venv/lib/python3.11/site-packages");
  ASSERT_EQ(out.repositories.size(), 1u);
  EXPECT_EQ(out.repositories[0].name, "pypi");
  EXPECT_EQ(out.repositories[0].uri, "https://pypi.org/simple");
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_NE(out.notes[0].message.find("2 python"), std::string::npos);
}

// claircore's fixture: a PKG-INFO whose version is not PEP 440, plus an .egg zip.
TEST(DistScannerTest, UpstreamBadVersionLayer) {
  debian::testing::FakeLayer layer;
  std::string tar = debian::testing::Slurp(lang::testing::SharedDir() +
                                           "/data/upstream-fixtures/python/python/testdata/layer-with-bad-version.tar");
  ASSERT_GT(tar.size(), 1000u);
  // Tar members are 512-byte headers followed by data; read them plainly.
  for (size_t off = 0; off + 512 <= tar.size();) {
    std::string name(tar.data() + off, strnlen(tar.data() + off, 100));
    if (name.empty()) break;
    size_t size = std::stoul(std::string(tar.data() + off + 124, 11), nullptr, 8);
    if (tar[off + 156] == '0' || tar[off + 156] == '\0') layer.files[name] = tar.substr(off + 512, size);
    off += 512 + (size + 511) / 512 * 512;
  }
  ASSERT_FALSE(layer.files.empty());
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewDistScanner(), &out).ok());
  EXPECT_TRUE(out.packages.empty());
  EXPECT_TRUE(out.repositories.empty());
}

}  // namespace
}  // namespace lucid::python
