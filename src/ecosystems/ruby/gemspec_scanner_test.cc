#include "ecosystems/ruby/gemspec_scanner.h"

#include <gtest/gtest.h>

#include "ecosystems/debian/test_util.h"

namespace lucid::ruby {
namespace {

constexpr const char* kRake =
    "# -*- encoding: utf-8 -*-\n# stub: rake 13.0.6 ruby lib\n\nGem::Specification.new do |s|\n"
    "  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n\n  s.required_rubygems_version = "
    "Gem::Requirement.new(\">= 1.3.2\".freeze) if s.respond_to? :required_rubygems_version=\n"
    "  s.metadata = { \"bug_tracker_uri\" => \"https://github.com/ruby/rake/issues\" } if s.respond_to? :metadata=\n";

TEST(GemspecTest, Parse) {
  auto g = ParseGemspec(kRake);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->name, "rake");
  EXPECT_EQ(g->version, "13.0.6");
  EXPECT_FALSE(ParseGemspec("s.name = \"x\"\n"));
  EXPECT_FALSE(ParseGemspec("s.name = \"x y\"\ns.version = \"1\"\n"));  // not a single token
  auto q = ParseGemspec("spec.name = 'secure_headers'\nspec.version = '6.0.0'.freeze\n");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->name, "secure_headers");
  EXPECT_EQ(q->version, "6.0.0");
}

TEST(GemspecTest, Paths) {
  EXPECT_TRUE(IsInstalledGemspec("usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"));
  EXPECT_FALSE(IsInstalledGemspec("var/lib/gems/3.1.0/specifications/default/x.gemspec"));
  EXPECT_FALSE(IsInstalledGemspec("specifications/rake.gemspec"));
  EXPECT_FALSE(IsInstalledGemspec("src/rake/rake.gemspec"));
}

TEST(GemspecTest, ScannerReportsGemsAndRepository) {
  debian::testing::FakeLayer layer;
  layer.files["usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"] = kRake;
  layer.files["usr/lib/ruby/gems/3.1.0/specifications/broken.gemspec"] = "nothing here";
  layer.files["var/lib/dpkg/info/rake.list"] = "/.\n/usr\n/usr/lib/ruby/vendor_ruby/rake.rb\n";
  indexer::LayerArtifacts out;
  ASSERT_TRUE(layer.Scan(*NewGemspecScanner(), &out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  const Package& p = out.packages[0];
  EXPECT_EQ(p.name, "rake");
  EXPECT_EQ(p.version, "13.0.6");
  EXPECT_EQ(p.package_db, "ruby:usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec");
  EXPECT_EQ(p.filepath, "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec");
  EXPECT_FALSE(p.os_managed);
  ASSERT_EQ(out.repositories.size(), 1u);
  EXPECT_EQ(out.repositories[0].name, "rubygems");
  EXPECT_EQ(out.repositories[0].uri, "https://rubygems.org/gems/");
  EXPECT_TRUE(out.notes.empty());

  // The same gem installed by dpkg (its .list names the gemspec).
  layer.files["var/lib/dpkg/info/rake.list"] += "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec\n";
  indexer::LayerArtifacts owned;
  ASSERT_TRUE(layer.Scan(*NewGemspecScanner(), &owned).ok());
  ASSERT_EQ(owned.packages.size(), 1u);
  EXPECT_TRUE(owned.packages[0].os_managed);
  ASSERT_EQ(owned.notes.size(), 1u);
  EXPECT_EQ(owned.notes[0].code, "os-managed-language-packages");
}

}  // namespace
}  // namespace lucid::ruby
