#include "ecosystems/java/jar.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/hash.h"
#include "ecosystems/debian/test_util.h"
#include "ecosystems/java/jar_scanner.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::java {
namespace {

using debian::testing::Slurp;

std::string Fixture(const std::string& rel) {
  return Slurp(debian::testing::SharedDir() + "/data/upstream-fixtures/java/java/jar/testdata/" + rel);
}

std::string Sha1(std::string_view s) {
  Hasher h(HashAlgorithm::kSha1);
  h.Update(s);
  return h.FinishHex();
}

std::map<std::string, std::string> FromAppLayer(const std::set<std::string>& wanted) {
  return lang::testing::ReadAppLayerMembers(1, wanted);
}

// Writes a zip with libarchive (stored or deflated members).
std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& members, bool deflate = true) {
  std::vector<char> buf(64 << 20);
  size_t used = 0;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  if (!deflate) archive_write_set_options(a, "zip:compression=store");
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const auto& [name, data] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

std::vector<std::string> Summary(const std::vector<JarInfo>& infos) {
  std::vector<std::string> out;
  for (const auto& i : infos) out.push_back(i.name + " " + i.version + " " + i.origin);
  return out;
}

TEST(JarTest, UpstreamInnerJar) {
  std::string bytes = Fixture("inner/inner.jar");
  auto infos = ParseJar(bytes, "inner.jar", Sha1(bytes));
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  EXPECT_EQ(Summary(*infos),
            (std::vector<std::string>{
                "jackson-annotations 2.13.0 inner.jar:BOOT-INF/lib/jackson-annotations-2.13.0.jar",
                "log4j-api 2.14 inner.jar:BOOT-INF/lib/log4j-api-2.14.jar",
                "log4j 2.14.0 inner.jar:BOOT-INF/lib/log4j-api-2.14.jar:META-INF/inner-jar/log4j-2.14.0.jar"}));
  for (const auto& i : *infos) {
    EXPECT_EQ(i.source, JarInfo::Source::kFileName);
    EXPECT_EQ(i.sha1.size(), 40u);
    EXPECT_NE(i.sha1, Sha1(bytes));  // nested: the member's own digest
  }
  // The same when nested members are spooled to temporary files.
  JarLimits tiny;
  tiny.max_in_memory = 16;
  auto spooled = ParseJar(bytes, "inner.jar", Sha1(bytes), tiny);
  ASSERT_TRUE(spooled.ok());
  EXPECT_EQ(Summary(*spooled), Summary(*infos));
  // And a depth limit stops the recursion.
  JarLimits shallow;
  shallow.max_depth = 1;
  EXPECT_EQ(ParseJar(bytes, "inner.jar", "", shallow)->size(), 2u);
}

TEST(JarTest, RealDebianJars) {
  auto files = FromAppLayer({"usr/share/java/snakeyaml.jar", "usr/share/java/xstream.jar",
                             "usr/share/java/log4j-1.2-1.2.17.jar", "usr/share/java/xpp3-min-1.1.4c.jar"});
  ASSERT_EQ(files.size(), 4u);
  auto one = [&](const std::string& path) {
    auto infos = ParseJar(files[path], path, Sha1(files[path]));
    EXPECT_TRUE(infos.ok());
    EXPECT_EQ(infos->size(), 1u) << path;
    return infos->empty() ? JarInfo{} : infos->front();
  };
  JarInfo s = one("usr/share/java/snakeyaml.jar");
  EXPECT_EQ(s.name, "org.yaml:snakeyaml");
  EXPECT_EQ(s.version, "1.33");
  EXPECT_EQ(s.source, JarInfo::Source::kPom);
  EXPECT_EQ(s.origin, "usr/share/java/snakeyaml.jar:META-INF/maven/org.yaml/snakeyaml/pom.properties");
  JarInfo x = one("usr/share/java/xstream.jar");
  EXPECT_EQ(x.name, "com.thoughtworks.xstream:xstream");
  EXPECT_EQ(x.version, "1.4.20");
  JarInfo l = one("usr/share/java/log4j-1.2-1.2.17.jar");
  EXPECT_EQ(l.source, JarInfo::Source::kManifest);
  EXPECT_EQ(l.name, "org.apache.log4j");  // Bundle-Name "Apache Log4j" has a space
  EXPECT_EQ(l.version, "1.2.17");
  JarInfo p = one("usr/share/java/xpp3-min-1.1.4c.jar");
  EXPECT_EQ(p.source, JarInfo::Source::kFileName);
  EXPECT_EQ(p.name, "xpp3-min");
  EXPECT_EQ(p.version, "1.1.4c");

  // A Spring Boot style fat jar holding the real snakeyaml jar.
  std::string fat = MakeZip({{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: x.Y\r\n\r\n"},
                             {"BOOT-INF/lib/snakeyaml-1.33.jar", files["usr/share/java/snakeyaml.jar"]},
                             {"BOOT-INF/lib/inner.jar", Fixture("inner/inner.jar")}});
  auto infos = ParseJar(fat, "app/app.jar", Sha1(fat));
  ASSERT_TRUE(infos.ok());
  ASSERT_EQ(infos->size(), 4u);
  EXPECT_EQ((*infos)[0].name, "org.yaml:snakeyaml");
  EXPECT_EQ((*infos)[0].origin,
            "app/app.jar:BOOT-INF/lib/snakeyaml-1.33.jar:META-INF/maven/org.yaml/snakeyaml/pom.properties");
  EXPECT_EQ((*infos)[0].sha1, Sha1(files["usr/share/java/snakeyaml.jar"]));
  EXPECT_EQ((*infos)[3].name, "log4j");
}

TEST(JarTest, NotAZipAndDamagedZips) {
  EXPECT_EQ(ParseJar("this is not a zip file at all, just text", "x.jar", "").status().code(), StatusCode::kCorrupt);
  EXPECT_FALSE(ParseJar("", "x.jar", "").ok());
  std::string good = Fixture("inner/inner.jar");
  for (size_t cut : {good.size() / 4, good.size() / 2, good.size() - 10}) {
    auto r = ParseJar(good.substr(0, cut), "x.jar", "");  // must not crash; an error or a partial result
    if (r.ok()) {
      EXPECT_LE(r->size(), 3u);
    }
  }
  std::string flipped = good;
  for (size_t i = 30; i < flipped.size(); i += 97) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  (void)ParseJar(flipped, "x.jar", "");
  // A zip whose central directory offset is wrong (claircore's TestMalformed).
  std::string z = MakeZip({{"META-INF/MANIFEST.MF", Fixture("malformed_zip.MF")}});
  std::string broken = z;
  size_t eocd = broken.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(eocd, std::string::npos);
  broken[eocd + 16] = static_cast<char>(broken[eocd + 16] + 7);
  auto r = ParseJar(broken, "foo.jar", "");
  EXPECT_TRUE(!r.ok() || r->empty());
}

TEST(JarTest, Manifests) {
  EXPECT_FALSE(InfoFromManifest(Fixture("malformed-manifests/bad-header")));
  EXPECT_FALSE(InfoFromManifest(Fixture("malformed-manifests/empty")));
  EXPECT_FALSE(InfoFromManifest(Fixture("malformed_zip.MF")));  // no naming attributes
  auto h = InfoFromManifest(Fixture("manifest/HdrHistogram-2.1.9.jar"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "org.hdrhistogram.HdrHistogram:HdrHistogram");
  EXPECT_EQ(h->version, "2.1.9");
  auto c = InfoFromManifest(Fixture("manifest/commons-cli-1.1.jar"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "org.apache:commons-cli");  // titles with spaces skipped, Extension-Name used
  EXPECT_EQ(c->version, "1.1");
  auto z = InfoFromManifest(Fixture("manifest/zstd-jni-1.3.8-5.jar"));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->name, "com.github.luben.zstd-jni:zstd-jni");
  EXPECT_EQ(z->version, "1.3.8.5");
  auto main = ParseManifestMain(Fixture("manifestSection/individual"));
  ASSERT_TRUE(main);
  EXPECT_EQ(main->at("sealed"), "true");
  EXPECT_FALSE(main->count("name"));
  auto cont = ParseManifestMain("Manifest-Version: 1.0\nBundle-SymbolicName: org.exam\n ple.long;singleton:=true\n");
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->at("bundle-symbolicname"), "org.exam ple.long;singleton:=true");
  int parsed = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           debian::testing::SharedDir() + "/data/upstream-fixtures/java/java/jar/testdata/properties")) {
    auto p = InfoFromPomProperties(Slurp(e.path()));
    ASSERT_TRUE(p) << e.path();
    EXPECT_NE(p->name.find(':'), std::string::npos);
    ++parsed;
  }
  EXPECT_GT(parsed, 40);
  EXPECT_EQ(InfoFromPomProperties(Fixture("properties/guava-27.0-jre.jar"))->name, "com.google.guava:guava");
  EXPECT_FALSE(InfoFromPomProperties("groupId=a\nversion=1\n"));
  EXPECT_EQ(InfoFromFileName("x/spring-core-5.3.1-SNAPSHOT.jar")->version, "5.3.1-SNAPSHOT");
  EXPECT_FALSE(InfoFromFileName("x/app.jar"));
}

// (Symlinks to jars reach Wants() with type kSymlink from the real layer
// reader and are refused; the e2e test checks the 18 links of debian-app.)
TEST(JarScannerTest, LayerWithJarsAndDpkgOwnership) {
  auto files = FromAppLayer({"usr/share/java/snakeyaml.jar"});
  debian::testing::FakeLayer layer;
  layer.files["usr/share/java/snakeyaml.jar"] = files["usr/share/java/snakeyaml.jar"];
  layer.files["opt/app/app.jar"] =
      MakeZip({{"WEB-INF/lib/snakeyaml-1.33.jar", files["usr/share/java/snakeyaml.jar"]}}, /*deflate=*/false);
  layer.files["opt/app/notzip.jar"] = std::string(100, 'x');
  layer.files["var/lib/dpkg/info/libyaml-snake-java.list"] =
      "/usr/share/java/snakeyaml.jar\n/usr/share/java/snakeyaml-1.33.jar\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewJarScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 2u);
  std::map<std::string, const Package*> by;
  for (const auto& p : out.packages) by[p.filepath] = &p;
  ASSERT_TRUE(by.count("usr/share/java/snakeyaml.jar"));
  ASSERT_TRUE(by.count("opt/app/app.jar"));
  const Package& deb = *by["usr/share/java/snakeyaml.jar"];
  EXPECT_TRUE(deb.os_managed);
  EXPECT_EQ(deb.package_db, "maven:usr/share/java/snakeyaml.jar");
  EXPECT_EQ(deb.repository_hint, "sha1:" + Sha1(files["usr/share/java/snakeyaml.jar"]));
  const Package& app = *by["opt/app/app.jar"];
  EXPECT_FALSE(app.os_managed);
  EXPECT_EQ(app.name, "org.yaml:snakeyaml");
  EXPECT_EQ(app.package_db, "maven:opt/app/app.jar:WEB-INF/lib/snakeyaml-1.33.jar");
  ASSERT_EQ(out.repositories.size(), 1u);
  EXPECT_EQ(out.repositories[0].name, "maven");
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "os-managed-language-packages");
}

}  // namespace
}  // namespace lucid::java
