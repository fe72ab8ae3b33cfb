#include "ecosystems/nodejs/package_json_scanner.h"

#include <gtest/gtest.h>

#include <map>

#include "ecosystems/debian/test_util.h"

namespace lucid::nodejs {
namespace {

std::string Manifest(const std::string& name, const std::string& version) {
  return R"({"name": ")" + name + R"(", "version": ")" + version + R"(", "dependencies": {"x": "^1"}})";
}

std::map<std::string, std::string> ByPath(const indexer::LayerArtifacts& out) {
  std::map<std::string, std::string> m;
  for (const auto& p : out.packages) m[p.filepath] = p.name + "@" + p.version;
  return m;
}

TEST(PackageJsonTest, Parse) {
  auto p = ParsePackageJson(Manifest("@babel/core", "7.0.0-beta.1"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "@babel/core");
  EXPECT_EQ(p->version, "7.0.0-beta.1");
  EXPECT_FALSE(ParsePackageJson(R"({"name": "x"})"));
  EXPECT_FALSE(ParsePackageJson(R"({"name": "x", "version": 1})"));
  EXPECT_FALSE(ParsePackageJson("{not json"));
  EXPECT_FALSE(ParsePackageJson("[]"));
}

TEST(PackageJsonTest, InstalledManifestPaths) {
  EXPECT_TRUE(IsInstalledManifest("app/node_modules/lodash/package.json"));
  EXPECT_TRUE(IsInstalledManifest("node_modules/@types/node/package.json"));
  EXPECT_TRUE(IsInstalledManifest("app/node_modules/optimist/node_modules/minimist/package.json"));
  EXPECT_FALSE(IsInstalledManifest("app/package.json"));
  EXPECT_FALSE(IsInstalledManifest("app/node_modules/lodash/fp/package.json"));
  EXPECT_FALSE(IsInstalledManifest("app/node_modules/@types/package.json"));
  EXPECT_FALSE(IsInstalledManifest("app/my_node_modules/x/package.json"));
  EXPECT_FALSE(IsInstalledManifest("app/node_modules/.package-lock.json"));
}

TEST(PackageJsonTest, ScannerFindsNestedScopedAndWorkspacePackages) {
  debian::testing::FakeLayer layer;
  layer.files["app/package.json"] = Manifest("demo-app", "1.0.0");
  layer.files["app/package-lock.json"] = R"({"packages": {"node_modules/ghost": {"version": "9.9.9"}}})";
  layer.files["app/node_modules/.package-lock.json"] = R"({"packages": {}})";
  layer.files["app/node_modules/lodash/package.json"] = Manifest("lodash", "4.17.15");
  layer.files["app/node_modules/lodash/fp/package.json"] = Manifest("lodash-fp-internal", "0.0.0");
  layer.files["app/node_modules/@types/node/package.json"] = Manifest("@types/node", "20.1.0");
  layer.files["app/node_modules/optimist/node_modules/minimist/package.json"] = Manifest("minimist", "0.0.10");
  layer.files["app/node_modules/broken/package.json"] = "{oops";
  layer.files["app/packages/lib-a/package.json"] = Manifest("lib-a", "2.0.0");
  layer.symlinks["app/node_modules/lib-a"] = "../packages/lib-a";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewPackageJsonScanner(), &out).ok());
  std::map<std::string, std::string> want = {
      {"app/node_modules/lodash/package.json", "lodash@4.17.15"},
      {"app/node_modules/@types/node/package.json", "@types/node@20.1.0"},
      {"app/node_modules/optimist/node_modules/minimist/package.json", "minimist@0.0.10"},
      {"app/node_modules/lib-a/package.json", "lib-a@2.0.0"}};
  EXPECT_EQ(ByPath(out), want);
  for (const auto& p : out.packages) {
    EXPECT_EQ(p.package_db, "nodejs:" + p.filepath);
    EXPECT_EQ(p.repository_hint, "npm");
    EXPECT_EQ(p.kind, PackageKind::kBinary);
    EXPECT_FALSE(p.os_managed);
  }
  ASSERT_EQ(out.repositories.size(), 1u);
  EXPECT_EQ(out.repositories[0].name, "npm");
  EXPECT_EQ(out.repositories[0].uri, "https://www.npmjs.com/");
  for (const auto& p : out.packages) {
    if (p.name == "lodash") {
      EXPECT_EQ(p.normalized_version.str(), "semver:0.4.17.15.0.0.0.0.0.0");
    }
  }
}

TEST(PackageJsonTest, NothingFoundMeansNoRepository) {
  debian::testing::FakeLayer layer;
  layer.files["app/package.json"] = Manifest("demo-app", "1.0.0");
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewPackageJsonScanner(), &out).ok());
  EXPECT_TRUE(out.packages.empty());
  EXPECT_TRUE(out.repositories.empty());
}

TEST(PackageJsonTest, DebianPackagedNodeModulesAreOsManaged) {
  debian::testing::FakeLayer layer;
  layer.files["usr/lib/nodejs/node_modules/acorn/package.json"] = Manifest("acorn", "8.8.1");
  layer.files["var/lib/dpkg/info/node-acorn.list"] = "/usr/lib/nodejs/node_modules/acorn/package.json\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewPackageJsonScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_TRUE(out.packages[0].os_managed);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "os-managed-language-packages");
}

}  // namespace
}  // namespace lucid::nodejs
