#include <gtest/gtest.h>

#include "indexer/coalescer.h"
#include "indexer/layer_notes.h"
#include "indexer/os_release_scanner.h"

namespace lucid::indexer {
namespace {

Digest D(char c) { return Digest::Parse("sha256:" + std::string(64, c)).value(); }

ScannerResult Observed(const std::string& id, const std::string& name) {
  ScannerResult r;
  r.scanner = std::string(kOsReleaseScannerName);
  Distribution d;
  d.did = id;
  d.name = name;
  r.artifacts.distributions.push_back(d);
  r.artifacts.notes.push_back(
      {"", r.scanner, std::string(kOsReleaseObservedCode), "os-release found", "etc/os-release"});
  return r;
}

ScannerResult GoBinary(const std::string& path) {
  ScannerResult r;
  r.scanner = "gobin";
  Package p;
  p.name = "stdlib";
  p.version = "1.19.8";
  p.kind = PackageKind::kBinary;
  p.filepath = path;
  p.package_db = "go:" + path;
  r.artifacts.packages.push_back(p);
  return r;
}

TEST(Notes, UnsupportedDistributionNamedOnTheEffectiveLayer) {
  std::vector<LayerResults> layers = {{D('a'), {Observed("fedora", "Fedora Linux")}},
                                      {D('b'), {Observed("arch", "Arch Linux"), GoBinary("usr/bin/x")}}};
  IndexReport r;
  Coalesce(layers, &r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].code, "unsupported-distribution");
  EXPECT_EQ(r.notes[0].layer, D('b').str());
  EXPECT_EQ(r.notes[0].path, "etc/os-release");
  EXPECT_NE(r.notes[0].message.find("distribution 'arch' (Arch Linux) is not supported"), std::string::npos);
  // Observations are neither distributions nor notes of their own.
  EXPECT_TRUE(r.distributions.empty());
  EXPECT_EQ(r.packages.size(), 1u);
}

TEST(Notes, ScannerNoteIsNotDuplicated) {
  ScannerResult debian;
  debian.scanner = "debian";
  debian.artifacts.notes.push_back(
      {"", "debian", "unsupported-distribution", "Debian release not recognised", "etc/os-release"});
  std::vector<LayerResults> layers = {{D('a'), {Observed("debian", "Debian GNU/Linux"), debian}}};
  IndexReport r;
  Coalesce(layers, &r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].scanner, "debian");
}

TEST(Notes, NoOsReleaseOnLayersWithPackages) {
  std::vector<LayerResults> layers = {{D('a'), {}}, {D('b'), {GoBinary("app/x")}}};
  IndexReport r;
  Coalesce(layers, &r);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].code, "no-os-release");
  EXPECT_EQ(r.notes[0].layer, D('b').str());
}

TEST(Notes, SupportedDistributionGivesNoNote) {
  ScannerResult debian;
  debian.scanner = "debian";
  Distribution d;
  d.did = "debian";
  d.version_id = "12";
  debian.artifacts.distributions.push_back(d);
  std::vector<LayerResults> layers = {{D('a'), {Observed("debian", "Debian GNU/Linux"), debian, GoBinary("x")}}};
  IndexReport r;
  Coalesce(layers, &r);
  EXPECT_TRUE(r.notes.empty());
  EXPECT_EQ(r.distributions.size(), 1u);
}

TEST(Notes, LayerFailures) {
  Layer l;
  l.hash = D('c');
  l.media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  const std::string ctx = "layer " + l.hash.str() + ": ";
  auto n = ExplainLayerFailure(l, Unsupported(ctx + ctx + "layer is xz-compressed; only gzip"), false);
  EXPECT_EQ(n.code, "unsupported-compression");
  EXPECT_EQ(n.layer, l.hash.str());
  EXPECT_EQ(n.message.find(l.hash.str()), std::string::npos) << n.message;  // said once, in `layer`
  EXPECT_NE(n.message.find("xz-compressed"), std::string::npos);
  EXPECT_NE(n.message.find("tar+gzip"), std::string::npos);
  EXPECT_EQ(ExplainLayerFailure(l, TooLarge("layer decompresses to more than 10 bytes"), false).code,
            "layer-too-large");
  EXPECT_EQ(ExplainLayerFailure(l, Corrupt("truncated gzip"), false).code, "layer-corrupt");
  EXPECT_EQ(ExplainLayerFailure(l, Unavailable("HTTP 503"), true).code, "layer-fetch-failed");
  EXPECT_EQ(ExplainLayerFailure(l, Unsupported("not a tar"), false).code, "unsupported-media-type");
}

}  // namespace
}  // namespace lucid::indexer
