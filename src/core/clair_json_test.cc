#include "core/clair_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lucid {

TEST(ClairJson, IndexReportUsesClairKeys) {
  IndexReport r;
  r.manifest_hash = *Digest::Parse("sha256:" + std::string(64, '1'));
  r.state = IndexState::kIndexFinished;
  r.success = true;
  Package p;
  p.name = "libc6";
  p.version = "2.36";
  p.source = {"glibc", "2.36", {}, ""};
  p.package_db = "var/lib/dpkg/status";
  r.packages["2"] = p;
  r.source_ids["2"] = "1";
  r.environments["2"].push_back({"var/lib/dpkg/status", r.manifest_hash, "1", std::nullopt});
  auto v = json::EncodeIndexReport(r);
  const auto& o = v.as_object();
  EXPECT_TRUE(o.contains("repository"));
  EXPECT_FALSE(o.contains("repositories"));
  EXPECT_EQ(o.at("state").as_string(), "IndexFinished");
  const auto& pkg = o.at("packages").as_object().at("2").as_object();
  EXPECT_EQ(pkg.at("kind").as_string(), "binary");
  EXPECT_EQ(pkg.at("source").as_object().at("kind").as_string(), "source");
  EXPECT_EQ(pkg.at("source").as_object().at("id").as_string(), "1");
  EXPECT_FALSE(pkg.contains("package_db"));  // internal field stays out of Clair JSON
  EXPECT_TRUE(o.at("environments").as_object().at("2").as_array()[0].as_object().at("repository_ids").is_null());

  // Lucid JSON round-trips the internal fields.
  auto text = json::Serialize(json::EncodeIndexReport(r, {.lucid_extras = true}));
  auto back = json::DecodeIndexReport(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->packages.at("2").package_db, "var/lib/dpkg/status");
  EXPECT_EQ(back->packages.at("2").source.name, "glibc");
  EXPECT_EQ(back->source_ids.at("2"), "1");
}

TEST(ClairJson, ManifestDecodeRejectsBogus) {
  EXPECT_FALSE(json::DecodeManifest("{").ok());
  EXPECT_FALSE(json::DecodeManifest("[]").ok());
  EXPECT_FALSE(json::DecodeManifest(R"({"hash":""})").ok());
  auto m = json::DecodeManifest(R"({"hash":"sha256:)" + std::string(64, 'a') + R"(","layers":[{"hash":"sha256:)" +
                                std::string(64, 'b') +
                                R"(","uri":"http://x/y","headers":{"Authorization":["Bearer t"]}}]})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].headers.at("Authorization")[0], "Bearer t");
  EXPECT_FALSE(json::DecodeManifest(R"({"hash":"sha256:)" + std::string(64, 'a') +
                                    R"(","layers":[{"hash":"sha256:x","uri":""}]})")
                   .ok());
}

TEST(ClairJson, NormalizedVersionRoundTrip) {
  auto nv = NormalizedVersion::Parse("semver:0.1.2.3.0.0.0.0.0.0");
  EXPECT_EQ(nv.kind, "semver");
  EXPECT_EQ(nv.v[2], 2);
  EXPECT_EQ(nv.str(), "semver:0.1.2.3.0.0.0.0.0.0");
  EXPECT_TRUE(NormalizedVersion::Parse("junk").empty());
}

}  // namespace lucid
