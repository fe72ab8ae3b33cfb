#include "ecosystems/rpm/rpm_scanner.h"

#include <gtest/gtest.h>

#include "ecosystems/debian/test_util.h"
#include "ecosystems/lang/lang_common.h"
#include "ecosystems/python/dist_scanner.h"
#include "ecosystems/rpm/test_util.h"

namespace lucid::rpm {
namespace {

using debian::testing::FakeLayer;

TEST(RpmScannerTest, PackagesFromRealHeader) {
  FakeLayer layer;
  layer.files["usr/lib/sysimage/rpm/rpmdb.sqlite"] = testing::MakeSqliteDb(
      {testing::CryptoPoliciesBlob(), testing::MakeHeaderBlob("gpg-pubkey", "fd431d51", "4ae0493b", {})});
  layer.files["etc/os-release"] = "ID=fedora\nVERSION_ID=34\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewRpmScanner(), &out).ok());
  EXPECT_TRUE(out.notes.empty());
  ASSERT_EQ(out.packages.size(), 1u);
  const Package& p = out.packages[0];
  EXPECT_EQ(p.name, "crypto-policies");
  EXPECT_EQ(p.version, "20210213-1.git5c710c0.fc34");
  EXPECT_EQ(p.kind, PackageKind::kBinary);
  EXPECT_EQ(p.arch, "noarch");
  EXPECT_EQ(p.source.name, "crypto-policies");
  EXPECT_EQ(p.source.version, "20210213-1.git5c710c0.fc34");
  EXPECT_EQ(p.package_db, "sqlite:usr/lib/sysimage/rpm");
  EXPECT_EQ(p.module, "");
  EXPECT_EQ(p.repository_hint,
            "hash=sha256%3A096014c6afe8188778cdf490444f370e34f907224854b8979b672f5440de1005&key=1161ae6945719a39");
  EXPECT_TRUE(p.filepath.empty());  // removed only by a rewritten database
}

TEST(RpmScannerTest, HeaderFieldsToPackage) {
  HeaderInfo h;
  h.name = "nodejs";
  h.epoch = "1";
  h.version = "18.14.2";
  h.release = "2.module+el8.7.0+18113+4b7e3ac7";
  h.arch = "x86_64";
  h.source_rpm = "nodejs-18.14.2-2.module+el8.7.0+18113+4b7e3ac7.src.rpm";
  h.modularity_label = "nodejs:18:8070020230306170042:ad008a3a";
  Package p = PackageFromHeader(h, "bdb:var/lib/rpm");
  EXPECT_EQ(p.version, "1:18.14.2-2.module+el8.7.0+18113+4b7e3ac7");
  EXPECT_EQ(p.source.version, "18.14.2-2.module+el8.7.0+18113+4b7e3ac7");  // no epoch in srpm names
  EXPECT_EQ(p.module, "nodejs:18");
  EXPECT_EQ(p.repository_hint, "");
  h.epoch = "0";
  h.modularity_label = "nodejs:18";
  h.payload_digest = "ab";
  h.payload_digest_algo = 2;  // not sha256: no hash in the hint
  h.signer_key_id = "199e2f91fd431d51";
  p = PackageFromHeader(h, "bdb:var/lib/rpm");
  EXPECT_EQ(p.version, "18.14.2-2.module+el8.7.0+18113+4b7e3ac7");
  EXPECT_EQ(p.module, "");
  EXPECT_EQ(p.repository_hint, "key=199e2f91fd431d51");
}

TEST(RpmScannerTest, UnreadableDatabasesAreExplained) {
  FakeLayer layer;
  layer.files["usr/lib/sysimage/rpm/Packages.db"] = std::string("RpmP") + std::string(100, '\0');
  layer.files["var/lib/rpm/rpmdb.sqlite"] =
      debian::testing::Slurp(testing::FixtureDir() + "/internal/rpm/sqlite/testdata/no_packages.sqlite");
  layer.files["srv/mirror/Packages"] = "Package: not-bdb\n";  // only named like one
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewRpmScanner(), &out).ok());
  EXPECT_TRUE(out.packages.empty());
  ASSERT_EQ(out.notes.size(), 2u);
  EXPECT_EQ(out.notes[0].code, "rpm-db-unsupported");
  EXPECT_EQ(out.notes[0].path, "usr/lib/sysimage/rpm/Packages.db");
  EXPECT_NE(out.notes[0].message.find("ndb"), std::string::npos);
  EXPECT_EQ(out.notes[1].code, "rpm-db-unreadable");
  EXPECT_EQ(out.notes[1].path, "var/lib/rpm/rpmdb.sqlite");
  EXPECT_NE(out.notes[1].message.find("no Packages table"), std::string::npos);
}

// rpm-owned language packages (ecosystems.md §2.6), like dpkg-listed ones.
TEST(RpmOwnershipTest, PythonDistributionOwnedByRpm) {
  const std::string owned_meta = "usr/lib/python3.9/site-packages/lucidtest-1.2.3.dist-info/METADATA";
  const std::string pip_meta = "usr/local/lib/python3.9/site-packages/six-1.16.0.dist-info/METADATA";
  FakeLayer layer;
  layer.files["var/lib/rpm/rpmdb.sqlite"] = testing::MakeSqliteDb(
      {testing::CryptoPoliciesBlob(),
       testing::MakeHeaderBlob("python3-lucidtest", "1.2.3", "4.fc34",
                               {{"/usr/lib/python3.9/site-packages/lucidtest-1.2.3.dist-info/", "METADATA", 0100644},
                                {"/usr/lib/python3.9/site-packages/", "lucidtest-1.2.3.dist-info", 040755}})});
  layer.files[owned_meta] = "Metadata-Version: 2.1\nName: lucidtest\nVersion: 1.2.3\n";
  layer.files[pip_meta] = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*python::NewDistScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 2u);
  for (const auto& p : out.packages) EXPECT_EQ(p.os_managed, p.filepath == owned_meta) << p.filepath;
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "os-managed-language-packages");
  EXPECT_NE(out.notes[0].message.find("1 python"), std::string::npos);

  // Without the database nothing is OS-managed.
  layer.files.erase("var/lib/rpm/rpmdb.sqlite");
  indexer::LayerArtifacts plain;
  ASSERT_TRUE(layer.Scan(*python::NewDistScanner(), &plain).ok());
  for (const auto& p : plain.packages) EXPECT_FALSE(p.os_managed);
  EXPECT_TRUE(plain.notes.empty());
}

lang::OsOwnedFiles Load(const std::string& db_bytes, lang::OsOwnedFiles owned) {
  indexer::FileEntry e{"var/lib/rpm/rpmdb.sqlite", indexer::EntryType::kRegular, db_bytes.size(), 0644, ""};
  EXPECT_TRUE(lang::OsOwnedFiles::IsOwnerSource(e));
  StringReader r(db_bytes);
  EXPECT_TRUE(owned.Consume(e, r).ok());
  owned.LoadRpmOwners();
  return owned;
}

// Only paths a scanner could report are kept: the real crypto-policies
// header owns 152 paths, none of them language package metadata.
TEST(RpmOwnershipTest, InterestingFilterOverRealFileList) {
  std::string db = testing::MakeSqliteDb({testing::CryptoPoliciesBlob()});
  EXPECT_EQ(Load(db, lang::OsOwnedFiles([](std::string_view) { return true; })).size(), 152u);
  auto python_like = [](std::string_view p) {
    return p.find(".dist-info/") != std::string_view::npos || p.find(".egg-info") != std::string_view::npos;
  };
  EXPECT_EQ(Load(db, lang::OsOwnedFiles(python_like)).size(), 0u);
  auto all =
      Load(db, lang::OsOwnedFiles([](std::string_view p) { return p.rfind("usr/share/crypto-policies/", 0) == 0; }));
  EXPECT_TRUE(all.Owns("usr/share/crypto-policies/policies/modules/NO-SHA1.pmod"));
  EXPECT_FALSE(all.Owns("etc/crypto-policies/config"));  // filtered out
}

TEST(RpmOwnershipTest, ExecutablesOnlyUsesRpmModes) {
  std::string db = testing::MakeSqliteDb({testing::MakeHeaderBlob("x", "1", "1",
                                                                  {{"/usr/bin/", "tool", 0100755},
                                                                   {"/usr/bin/", "notes.txt", 0100644},
                                                                   {"/usr/libexec/", "x", 040755},
                                                                   {"/usr/bin/", "alias", 0120777}})});
  auto owned = Load(db, lang::OsOwnedFiles([](std::string_view) { return true; }, /*rpm_executables_only=*/true));
  EXPECT_EQ(owned.size(), 2u);
  EXPECT_TRUE(owned.Owns("usr/bin/tool"));
  EXPECT_TRUE(owned.Owns("usr/bin/alias"));
  EXPECT_FALSE(owned.Owns("usr/bin/notes.txt"));
  EXPECT_FALSE(owned.Owns("usr/libexec/x"));
}

}  // namespace
}  // namespace lucid::rpm
