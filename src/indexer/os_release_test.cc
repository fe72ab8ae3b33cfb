#include "indexer/os_release.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lucid::indexer {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits a txtar archive into its members.
std::map<std::string, std::string> Txtar(const std::string& text) {
  std::map<std::string, std::string> out;
  std::string current;
  bool in_member = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > 6 && line.rfind("-- ", 0) == 0 && line.substr(line.size() - 3) == " --") {
      current = line.substr(3, line.size() - 6);
      out[current];
      in_member = true;
      continue;
    }
    if (in_member) out[current] += line + "\n";
  }
  return out;
}

TEST(OsReleaseTest, UpstreamTxtarFixtures) {
  const std::string dir = std::string(LUCID_SHARED_DIR) + "/data/upstream-fixtures/osrelease/osrelease/testdata";
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(e.path().string());
    auto members = Txtar(Slurp(e.path().string()));
    ASSERT_TRUE(members.count("os-release") && members.count("Parsed"));
    auto got = ParseOsRelease(members["os-release"]);
    std::map<std::string, std::string> want;
    boost::json::value parsed = boost::json::parse(members["Parsed"]);
    for (const auto& kv : parsed.as_object()) {
      want[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    EXPECT_EQ(got, want);
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST(OsReleaseTest, DebianFixtures) {
  const std::string base = std::string(LUCID_SHARED_DIR) + "/data/upstream-fixtures/debian-ubuntu/debian/testdata/";
  auto m = ParseOsRelease(Slurp(base + "dist/10/etc/os-release"));
  EXPECT_EQ(m["ID"], "debian");
  EXPECT_EQ(m["VERSION_ID"], "10");
  EXPECT_EQ(m["VERSION"], "10 (buster)");
  EXPECT_EQ(m["VERSION_CODENAME"], "buster");
  auto d = ParseOsRelease(Slurp(base + "distroless_dist/9/etc/os-release"));
  EXPECT_EQ(d["PRETTY_NAME"], "Distroless");
  EXPECT_EQ(d["VERSION"], "Debian GNU/Linux 9 (stretch)");
  EXPECT_EQ(d.count("VERSION_CODENAME"), 0u);
}

TEST(OsReleaseTest, SystemdRules) {
  auto m = ParseOsRelease(
      "# comment\n"
      "; also a comment\n"
      "  A = spaced value   \n"
      "B=\"dq \\\"x\\\" \\\\ \\$HOME \\n\"\n"
      "C='single \\n \"raw\"'\n"
      "D=\n"
      "E=\"\"\n"
      "not an assignment\n"
      "1BAD=x\n"
      "BAD-KEY=x\n"
      "F=un\\ quoted\\\\\n"
      "G=\"multi\\\nline\"\n"
      "H=\"a\"'b'c\n"
      "I=first\n"
      "I=second\r\n"
      "J=\"unterminated");
  EXPECT_EQ(m["A"], "spaced value");
  EXPECT_EQ(m["B"], "dq \"x\" \\ $HOME \\n");
  EXPECT_EQ(m["C"], "single \\n \"raw\"");
  EXPECT_EQ(m.at("D"), "");
  EXPECT_EQ(m.at("E"), "");
  EXPECT_EQ(m.count("1BAD"), 0u);
  EXPECT_EQ(m.count("BAD-KEY"), 0u);
  EXPECT_EQ(m.count("not an assignment"), 0u);
  EXPECT_EQ(m["F"], "un quoted\\");
  EXPECT_EQ(m["G"], "multiline");
  EXPECT_EQ(m["H"], "abc");
  EXPECT_EQ(m["I"], "second");
  EXPECT_EQ(m["J"], "unterminated");
  EXPECT_EQ(m.size(), 10u);  // A..J
}

TEST(OsReleaseTest, InvalidUtf8ValueSkipped) {
  auto m = ParseOsRelease("A=ok\nB=\xff\xfe\nC=\xc3\xa9\n");
  EXPECT_EQ(m.count("B"), 0u);
  EXPECT_EQ(m["C"], "\xc3\xa9");
  EXPECT_EQ(m["A"], "ok");
}

TEST(OsReleaseTest, GarbageNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131) % 256));
  auto m = ParseOsRelease(junk);
  (void)m;
  EXPECT_TRUE(ParseOsRelease("").empty());
  EXPECT_TRUE(ParseOsRelease("=x\n==\n").empty());
}

}  // namespace
}  // namespace lucid::indexer
