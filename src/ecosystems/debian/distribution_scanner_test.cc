#include "ecosystems/debian/distribution_scanner.h"

#include <gtest/gtest.h>

#include "ecosystems/debian/releases.h"
#include "ecosystems/debian/test_util.h"

namespace lucid::debian {
namespace {

using testing::FakeLayer;
using testing::Slurp;

std::string Fixture(const std::string& rel) {
  return Slurp(testing::SharedDir() + "/data/upstream-fixtures/debian-ubuntu/" + rel);
}

indexer::LayerArtifacts ScanLayer(const FakeLayer& layer) {
  indexer::LayerArtifacts out;
  Status s = layer.Scan(*NewDistributionScanner(), &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(DebianDistributionScannerTest, UpstreamDistFixtures) {
  struct Want {
    const char* dir;
    const char* version_id;
    const char* codename;
  };
  for (const Want& w :
       {Want{"debian/testdata/dist/7", "7", "wheezy"}, Want{"debian/testdata/dist/8", "8", "jessie"},
        Want{"debian/testdata/dist/9", "9", "stretch"}, Want{"debian/testdata/dist/10", "10", "buster"},
        Want{"debian/testdata/dist/11", "11", "bullseye"}, Want{"debian/testdata/distroless_dist/9", "9", "stretch"},
        Want{"debian/testdata/distroless_dist/10", "10", "buster"}}) {
    SCOPED_TRACE(w.dir);
    FakeLayer layer;
    layer.files["etc/os-release"] = Fixture(std::string(w.dir) + "/etc/os-release");
    auto out = ScanLayer(layer);
    ASSERT_EQ(out.distributions.size(), 1u);
    const Distribution& d = out.distributions[0];
    EXPECT_EQ(d.did, "debian");
    EXPECT_EQ(d.name, "Debian GNU/Linux");
    EXPECT_EQ(d.version_id, w.version_id);
    EXPECT_EQ(d.version_code_name, w.codename);
    EXPECT_EQ(d.version, std::string(w.version_id) + " (" + w.codename + ")");
    EXPECT_EQ(d.pretty_name, std::string("Debian GNU/Linux ") + w.version_id + " (" + w.codename + ")");
    EXPECT_TRUE(d.arch.empty() && d.cpe.empty());
    EXPECT_TRUE(out.notes.empty());
  }
}

TEST(DebianDistributionScannerTest, Bookworm) {
  FakeLayer layer;
  layer.files["usr/lib/os-release"] =
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
      "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";
  layer.symlinks["etc/os-release"] = "../usr/lib/os-release";
  auto out = ScanLayer(layer);
  ASSERT_EQ(out.distributions.size(), 1u);
  EXPECT_EQ(out.distributions[0], CanonicalDistribution("12", "bookworm"));
  EXPECT_EQ(out.distributions[0].pretty_name, "Debian GNU/Linux 12 (bookworm)");
}

TEST(DebianDistributionScannerTest, EtcWinsOverUsrLib) {
  FakeLayer layer;
  layer.files["usr/lib/os-release"] = "ID=debian\nVERSION_ID=11\n";
  layer.files["etc/os-release"] = "ID=debian\nVERSION_ID=12\n";
  auto out = ScanLayer(layer);
  ASSERT_EQ(out.distributions.size(), 1u);
  EXPECT_EQ(out.distributions[0].version_id, "12");
  EXPECT_EQ(out.distributions[0].version_code_name, "bookworm");  // from the offline table
}

TEST(DebianDistributionScannerTest, UsrLibAlone) {
  FakeLayer layer;
  layer.files["usr/lib/os-release"] = "ID=debian\nVERSION_CODENAME=trixie\n";  // testing: no VERSION_ID
  auto out = ScanLayer(layer);
  ASSERT_EQ(out.distributions.size(), 1u);
  EXPECT_EQ(out.distributions[0].version_id, "13");
}

TEST(DebianDistributionScannerTest, NotDebianIsSilent) {
  FakeLayer layer;
  layer.files["etc/os-release"] = Fixture("ubuntu/testdata/dist/20.04/etc/os-release");
  auto out = ScanLayer(layer);
  EXPECT_TRUE(out.distributions.empty());
  EXPECT_TRUE(out.notes.empty());
}

TEST(DebianDistributionScannerTest, NoOsReleaseAddsNothing) {
  FakeLayer layer;
  layer.files["etc/debian_version"] = "12.5\n";
  auto out = ScanLayer(layer);
  EXPECT_TRUE(out.distributions.empty());
  EXPECT_TRUE(out.notes.empty());
}

TEST(DebianDistributionScannerTest, BadAndUnsupportedGiveNotes) {
  {
    FakeLayer layer;
    layer.files["etc/os-release"] = "\x01\x02 garbage without assignments\n";
    auto out = ScanLayer(layer);
    EXPECT_TRUE(out.distributions.empty());
    ASSERT_EQ(out.notes.size(), 1u);
    EXPECT_EQ(out.notes[0].code, "bad-os-release");
    EXPECT_EQ(out.notes[0].path, "etc/os-release");
    EXPECT_EQ(out.notes[0].scanner, "debian");
  }
  {
    FakeLayer layer;
    layer.files["etc/os-release"] = "ID=debian\nVERSION_ID=\"12.x\"\n";
    auto out = ScanLayer(layer);
    ASSERT_EQ(out.notes.size(), 1u);
    EXPECT_EQ(out.notes[0].code, "bad-os-release");
  }
  {
    FakeLayer layer;
    layer.files["etc/os-release"] = "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux sid\"\n";
    auto out = ScanLayer(layer);
    EXPECT_TRUE(out.distributions.empty());
    ASSERT_EQ(out.notes.size(), 1u);
    EXPECT_EQ(out.notes[0].code, "unsupported-distribution");
  }
  {
    // A future release with a codename we have never heard of still works.
    FakeLayer layer;
    layer.files["etc/os-release"] = "ID=debian\nVERSION_ID=15\nVERSION_CODENAME=duke\n";
    auto out = ScanLayer(layer);
    ASSERT_EQ(out.distributions.size(), 1u);
    EXPECT_EQ(out.distributions[0].version, "15 (duke)");
  }
}

TEST(DebianDistributionScannerTest, Identity) {
  auto s = NewDistributionScanner();
  EXPECT_EQ(s->key(), "debian/3/distribution");
}

TEST(DebianReleasesTest, Table) {
  EXPECT_EQ(ReleaseByCodename("bookworm")->version_id, "12");
  EXPECT_EQ(ReleaseByVersionId("14")->codename, "forky");
  EXPECT_EQ(ReleaseByCodename("buzz")->version_id, "1.1");
  EXPECT_FALSE(ReleaseByCodename("sid"));
  EXPECT_EQ(NormalizeUrgency("unimportant"), Severity::kLow);
  EXPECT_EQ(NormalizeUrgency("LOW"), Severity::kMedium);
  EXPECT_EQ(NormalizeUrgency("medium"), Severity::kHigh);
  EXPECT_EQ(NormalizeUrgency("high"), Severity::kCritical);
  EXPECT_EQ(NormalizeUrgency("high**"), Severity::kUnknown);
  EXPECT_EQ(NormalizeUrgency("not yet assigned"), Severity::kUnknown);
  EXPECT_EQ(NormalizeUrgency("end-of-life"), Severity::kUnknown);
}

}  // namespace
}  // namespace lucid::debian
