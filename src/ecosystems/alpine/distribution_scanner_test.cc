#include "ecosystems/alpine/distribution_scanner.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "base/io.h"

namespace lucid::alpine {
namespace {

const std::string kFixtures = LUCID_SHARED_DIR "/data/upstream-fixtures/alpine/alpine/testdata/";
const std::string kRootfs = LUCID_SHARED_DIR "/data/alpine-rootfs/v3.14/";

struct File {
  std::string content;
  std::string symlink;  // non-empty: a symlink with this target, no content
};

indexer::LayerArtifacts Scan(const std::map<std::string, File>& files) {
  auto session = NewDistributionScanner()->NewSession();
  indexer::LayerFiles lf;
  for (const auto& [path, f] : files) {
    indexer::FileEntry e;
    e.path = path;
    if (!f.symlink.empty()) {
      e.type = indexer::EntryType::kSymlink;
      e.link_target = f.symlink;
      lf.Add(e);
      continue;
    }
    e.size = f.content.size();
    lf.Add(e);
    if (session->Wants(e)) {
      StringReader r(f.content);
      EXPECT_TRUE(session->Consume(e, r).ok()) << path;
    }
  }
  indexer::LayerArtifacts out;
  EXPECT_TRUE(session->Finish(lf, &out).ok());
  return out;
}

std::string Read(const std::string& path) {
  auto t = ReadFile(path, 1 << 20);
  EXPECT_TRUE(t.ok()) << path;
  return t.ok() ? *t : "";
}

void ExpectCanonical(const Distribution& d, const std::string& release) {
  EXPECT_EQ(d.did, "alpine");
  EXPECT_EQ(d.name, "Alpine Linux");
  EXPECT_EQ(d.version, release);
  EXPECT_EQ(d.version_id, release);
  EXPECT_EQ(d.pretty_name, release == "edge" ? "Alpine Linux edge" : "Alpine Linux v" + release);
  EXPECT_TRUE(d.version_code_name.empty());
  EXPECT_TRUE(d.arch.empty());
  EXPECT_TRUE(d.cpe.empty());
}

TEST(AlpineDistribution, UpstreamFixtures) {
  int dirs = 0;
  for (const char* rel :
       {"3.3", "3.4", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.13", "3.14", "3.15", "3.16", "3.17"}) {
    std::string dir = kFixtures + rel;
    auto want = boost::json::parse(Read(dir + "/want")).as_array();
    ASSERT_EQ(want.size(), 1u);
    const auto& w = want[0].as_object();
    auto out =
        Scan({{"etc/os-release", {Read(dir + "/etc/os-release"), ""}}, {"etc/issue", {Read(dir + "/etc/issue"), ""}}});
    ASSERT_EQ(out.distributions.size(), 1u) << rel;
    const Distribution& d = out.distributions[0];
    // Upstream's expectation, field by field (Lucid also fills version_id).
    EXPECT_EQ(d.did, std::string(w.at("did").as_string())) << rel;
    EXPECT_EQ(d.name, std::string(w.at("name").as_string())) << rel;
    EXPECT_EQ(d.version, std::string(w.at("version").as_string())) << rel;
    EXPECT_EQ(d.pretty_name, std::string(w.at("pretty_name").as_string())) << rel;
    ExpectCanonical(d, rel);
    EXPECT_TRUE(out.notes.empty()) << rel;
    ++dirs;
  }
  EXPECT_EQ(dirs, 13);
}

TEST(AlpineDistribution, RealRootfs) {
  auto out = Scan({{"etc/os-release", {Read(kRootfs + "etc/os-release"), ""}},
                   {"etc/alpine-release", {Read(kRootfs + "etc/alpine-release"), ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "3.14");
  // alpine-release alone is enough.
  out = Scan({{"etc/alpine-release", {Read(kRootfs + "etc/alpine-release"), ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "3.14");
}

TEST(AlpineDistribution, SymlinkedOsRelease) {
  std::string text = Read(kRootfs + "etc/os-release");
  auto out = Scan({{"etc/os-release", {"", "../usr/lib/os-release"}}, {"usr/lib/os-release", {text, ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "3.14");
}

TEST(AlpineDistribution, Edge) {
  auto out = Scan({{"etc/os-release",
                    {"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.15.0_alpha20210804\n"
                     "PRETTY_NAME=\"Alpine Linux edge\"\n",
                     ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "edge");
  out = Scan({{"etc/alpine-release", {"3.19_alpha20230901\n", ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "edge");
}

TEST(AlpineDistribution, VersionFromAlpineReleaseWhenOsReleaseLacksIt) {
  auto out =
      Scan({{"etc/os-release", {"ID=alpine\nNAME=\"Alpine Linux\"\n", ""}}, {"etc/alpine-release", {"3.18.4\n", ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "3.18");
}

TEST(AlpineDistribution, OtherDistributionsAndGarbage) {
  // Someone else's os-release: nothing, and no note either.
  auto out = Scan({{"etc/os-release", {"ID=debian\nVERSION_ID=\"12\"\n", ""}}});
  EXPECT_TRUE(out.distributions.empty());
  EXPECT_TRUE(out.notes.empty());
  // Nothing relevant in the layer.
  out = Scan({{"etc/passwd", {"root:x:0:0::/root:/bin/sh\n", ""}}});
  EXPECT_TRUE(out.distributions.empty());
  EXPECT_TRUE(out.notes.empty());
  // Garbled versions become notes, not failures.
  out = Scan({{"etc/os-release", {"ID=alpine\nVERSION_ID=banana\n", ""}}});
  EXPECT_TRUE(out.distributions.empty());
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "unsupported-distribution");
  EXPECT_EQ(out.notes[0].scanner, "alpine");
  EXPECT_EQ(out.notes[0].path, "etc/os-release");
  out = Scan({{"etc/alpine-release", {"\xff\xfe garbage", ""}}});
  EXPECT_TRUE(out.distributions.empty());
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].path, "etc/alpine-release");
  out = Scan({{"etc/os-release", {"ID=alpine\n", ""}}});
  EXPECT_TRUE(out.distributions.empty());
  ASSERT_EQ(out.notes.size(), 1u);
  // A garbled os-release does not hide a good alpine-release.
  out = Scan({{"etc/os-release", {"\x01\x02\x03", ""}}, {"etc/alpine-release", {"3.16.2", ""}}});
  ASSERT_EQ(out.distributions.size(), 1u);
  ExpectCanonical(out.distributions[0], "3.16");
  // Oversized files are refused with a note.
  out = Scan({{"etc/alpine-release", {std::string(100 << 10, '3'), ""}}});
  EXPECT_TRUE(out.distributions.empty());
  ASSERT_GE(out.notes.size(), 1u);
}

TEST(AlpineDistribution, ReleaseFromVersion) {
  EXPECT_EQ(ReleaseFromVersion("3.14.0"), "3.14");
  EXPECT_EQ(ReleaseFromVersion("3.14"), "3.14");
  EXPECT_EQ(ReleaseFromVersion("3.18.4"), "3.18");
  EXPECT_EQ(ReleaseFromVersion("v3.20"), "3.20");
  EXPECT_EQ(ReleaseFromVersion("edge"), "edge");
  EXPECT_EQ(ReleaseFromVersion("3.21_alpha20240807"), "edge");
  EXPECT_FALSE(ReleaseFromVersion("3"));
  EXPECT_FALSE(ReleaseFromVersion(""));
  EXPECT_FALSE(ReleaseFromVersion("3.x"));
  EXPECT_FALSE(ReleaseFromVersion("1.2.3.4"));
}

}  // namespace
}  // namespace lucid::alpine
