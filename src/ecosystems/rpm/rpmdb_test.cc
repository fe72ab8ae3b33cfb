#include "ecosystems/rpm/rpmdb.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "ecosystems/rpm/test_util.h"

namespace lucid::rpm {
namespace {

Result<std::unique_ptr<CollectedDb>> CollectBytes(std::string_view path, const std::string& bytes) {
  StringReader r(bytes);
  return CollectedDb::Collect(path, *DbFormatOfPath(path), bytes.size(), r);
}

std::vector<HeaderInfo> ReadAllHeaders(const CollectedDb& db, Status* st) {
  std::vector<HeaderInfo> out;
  *st = db.ForEachHeader([&](const RpmHeader& h) {
    out.push_back(h.Info());
    return Status::Ok();
  });
  return out;
}

void ExpectCryptoPolicies(const HeaderInfo& h) {
  EXPECT_EQ(h.name, "crypto-policies");
  EXPECT_EQ(h.epoch, "");
  EXPECT_EQ(h.version, "20210213");
  EXPECT_EQ(h.release, "1.git5c710c0.fc34");
  EXPECT_EQ(h.arch, "noarch");
  EXPECT_EQ(h.source_rpm, "crypto-policies-20210213-1.git5c710c0.fc34.src.rpm");
  EXPECT_EQ(h.payload_digest_algo, 8u);
  EXPECT_EQ(h.payload_digest, "096014c6afe8188778cdf490444f370e34f907224854b8979b672f5440de1005");
  EXPECT_EQ(h.signer_key_id, "1161ae6945719a39");
}

TEST(RpmHeaderTest, DecodesRealHeaderBlob) {
  std::string blob = testing::CryptoPoliciesBlob();
  ASSERT_EQ(blob.size(), 31260u);
  auto h = RpmHeader::Import(blob);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExpectCryptoPolicies(h->Info());
  std::set<std::string> dirs;
  std::vector<std::string> paths;
  size_t n = h->ForEachFile([&](std::string_view p, uint32_t mode) {
    paths.emplace_back(p);
    EXPECT_NE(mode, 0u) << p;
    dirs.insert(std::string(p.substr(0, p.rfind('/') + 1)));
  });
  EXPECT_EQ(n, 152u);
  EXPECT_EQ(dirs.size(), 22u);  // every Dirnames entry is used
  EXPECT_EQ(paths.front(), "etc/crypto-policies");
  EXPECT_NE(std::find(paths.begin(), paths.end(), "usr/share/crypto-policies/policies/modules/NO-SHA1.pmod"),
            paths.end());
}

TEST(RpmHeaderTest, DamagedBlobsAreErrors) {
  std::string blob = testing::CryptoPoliciesBlob();
  EXPECT_EQ(RpmHeader::Import("").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(RpmHeader::Import("abc").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(RpmHeader::Import(blob.substr(0, 200)).status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(RpmHeader::Import(blob.substr(0, blob.size() - 1)).status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(RpmHeader::Import(std::string(4096, '\xff')).status().code(), StatusCode::kCorrupt);
  std::string bad_count = blob;
  bad_count[0] = '\x7f';  // index count far beyond the data
  EXPECT_EQ(RpmHeader::Import(bad_count).status().code(), StatusCode::kCorrupt);
}

TEST(RpmHeaderTest, OutOfRangeDirIndexIsSkipped) {
  std::string blob = testing::MakeHeaderBlob("x", "1", "1", {{"/usr/bin/", "a", 0100755}, {"/usr/lib/", "b", 0100644}});
  auto h = RpmHeader::Import(blob);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> paths;
  h->ForEachFile([&](std::string_view p, uint32_t) { paths.emplace_back(p); });
  EXPECT_EQ(paths, (std::vector<std::string>{"usr/bin/a", "usr/lib/b"}));
}

TEST(RpmDbTest, FormatsByName) {
  EXPECT_EQ(DbFormatOfPath("var/lib/rpm/Packages"), DbFormat::kBdb);
  EXPECT_EQ(DbFormatOfPath("usr/lib/sysimage/rpm/rpmdb.sqlite"), DbFormat::kSqlite);
  EXPECT_EQ(DbFormatOfPath("usr/lib/sysimage/rpm/Packages.db"), DbFormat::kNdb);
  EXPECT_FALSE(DbFormatOfPath("var/lib/apt/lists/x_Packages").has_value());
  EXPECT_FALSE(DbFormatOfPath("var/lib/rpm/rpmdb.sqlite-wal").has_value());
}

TEST(RpmDbTest, SqliteFromRealHeaderBlob) {
  std::string bytes = testing::MakeSqliteDb({testing::CryptoPoliciesBlob()});
  ASSERT_FALSE(bytes.empty());
  auto db = CollectBytes("usr/lib/sysimage/rpm/rpmdb.sqlite", bytes);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->package_db(), "sqlite:usr/lib/sysimage/rpm");
  Status st;
  auto headers = ReadAllHeaders(**db, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(headers.size(), 1u);
  ExpectCryptoPolicies(headers[0]);
}

TEST(RpmDbTest, SqliteSkipsGpgPubkeyAndKeepsOrder) {
  std::string bytes = testing::MakeSqliteDb({testing::MakeHeaderBlob("zlib", "1.2.11", "30.el9", {}),
                                             testing::MakeHeaderBlob("gpg-pubkey", "fd431d51", "4ae0493b", {}),
                                             testing::MakeHeaderBlob("bash", "5.1.8", "6.el9", {})});
  auto db = CollectBytes("var/lib/rpm/rpmdb.sqlite", bytes);
  ASSERT_TRUE(db.ok());
  Status st;
  auto headers = ReadAllHeaders(**db, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].name, "zlib");  // hnum order
  EXPECT_EQ(headers[1].name, "bash");
}

TEST(RpmDbTest, SqliteWithoutPackagesTableIsRejected) {
  std::string bytes =
      debian::testing::Slurp(testing::FixtureDir() + "/internal/rpm/sqlite/testdata/no_packages.sqlite");
  ASSERT_EQ(bytes.size(), 8192u);
  auto db = CollectBytes("var/lib/rpm/rpmdb.sqlite", bytes);
  ASSERT_TRUE(db.ok());
  Status st;
  auto headers = ReadAllHeaders(**db, &st);
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("no Packages table"), std::string::npos) << st.ToString();
  EXPECT_TRUE(headers.empty());
}

TEST(RpmDbTest, DamagedSqliteIsAnError) {
  std::string good = testing::MakeSqliteDb({testing::CryptoPoliciesBlob()});
  ASSERT_GT(good.size(), 8192u);
  // Truncated after the first pages, and garbage after a valid magic.
  for (std::string bytes : {good.substr(0, 4096), std::string("SQLite format 3\0", 16) + std::string(8000, 'x')}) {
    auto db = CollectBytes("var/lib/rpm/rpmdb.sqlite", bytes);
    ASSERT_TRUE(db.ok());
    Status st;
    auto headers = ReadAllHeaders(**db, &st);
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(headers.empty());
  }
  // A damaged header blob inside a sound database.
  std::string blob = testing::CryptoPoliciesBlob();
  auto db = CollectBytes("var/lib/rpm/rpmdb.sqlite", testing::MakeSqliteDb({blob.substr(0, 1000)}));
  ASSERT_TRUE(db.ok());
  Status st;
  ReadAllHeaders(**db, &st);
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("hnum 1"), std::string::npos) << st.ToString();
}

TEST(RpmDbTest, MagicAndSizeChecks) {
  EXPECT_EQ(CollectBytes("var/lib/rpm/Packages", "Package: dpkg\nVersion: 1\n\n").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(CollectBytes("var/lib/rpm/rpmdb.sqlite", "not sqlite").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(
      CollectBytes("usr/lib/sysimage/rpm/Packages.db", std::string("RpmP") + std::string(60, '\0')).status().code(),
      StatusCode::kUnsupported);
  EXPECT_EQ(CollectBytes("usr/lib/sysimage/rpm/Packages.db", std::string(64, '\0')).status().code(),
            StatusCode::kNotFound);
  std::string sqlite = testing::MakeSqliteDb({});
  StringReader r(sqlite);
  EXPECT_EQ(CollectedDb::Collect("var/lib/rpm/rpmdb.sqlite", DbFormat::kSqlite, kMaxDbSize + 1, r).status().code(),
            StatusCode::kTooLarge);
}

TEST(RpmDbTest, CopyIsRemoved) {
  std::string sqlite = testing::MakeSqliteDb({testing::CryptoPoliciesBlob()});
  char tmpl[] = "/tmp/lucid-rpm-tmpdir-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const char* old = std::getenv("TMPDIR");
  std::string saved = old == nullptr ? "" : old;
  ::setenv("TMPDIR", tmpl, 1);
  auto count = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmpl))
      n += e.path().filename().string().rfind("lucid-rpmdb-", 0) == 0;
    return n;
  };
  {
    auto db = CollectBytes("var/lib/rpm/rpmdb.sqlite", sqlite);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(count(), 1u);
    Status st;
    EXPECT_EQ(ReadAllHeaders(**db, &st).size(), 1u);
    EXPECT_EQ(count(), 1u);
  }
  EXPECT_EQ(count(), 0u);
  if (old == nullptr) {
    ::unsetenv("TMPDIR");
  } else {
    ::setenv("TMPDIR", saved.c_str(), 1);
  }
  std::filesystem::remove_all(tmpl);
}

TEST(RpmDbTest, BerkeleyDbThroughLibrpm) {
  std::string bytes = testing::MakeBdb(
      {testing::CryptoPoliciesBlob(), testing::MakeHeaderBlob("gpg-pubkey", "fd431d51", "4ae0493b", {})});
  if (bytes.empty()) GTEST_SKIP() << "db5.3_load (db5.3-util) is not installed";
  auto db = CollectBytes("var/lib/rpm/Packages", bytes);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->package_db(), "bdb:var/lib/rpm");
  Status st;
  auto headers = ReadAllHeaders(**db, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(headers.size(), 1u);
  ExpectCryptoPolicies(headers[0]);
}

TEST(RpmDbTest, DamagedBerkeleyDbIsAnError) {
  std::string bytes = testing::MakeBdb({testing::CryptoPoliciesBlob()});
  if (bytes.empty()) GTEST_SKIP() << "db5.3_load (db5.3-util) is not installed";
  for (size_t cut : {size_t{4096}, bytes.size() / 2}) {
    auto db = CollectBytes("var/lib/rpm/Packages", bytes.substr(0, cut));
    ASSERT_TRUE(db.ok());
    Status st;
    auto headers = ReadAllHeaders(**db, &st);
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
    EXPECT_TRUE(headers.empty());
  }
  std::string garbage = bytes.substr(0, 16) + std::string(8192, '\x5a');
  auto db = CollectBytes("var/lib/rpm/Packages", garbage);
  ASSERT_TRUE(db.ok());
  Status st;
  EXPECT_TRUE(ReadAllHeaders(**db, &st).empty());
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace lucid::rpm
