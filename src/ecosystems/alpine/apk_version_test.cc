#include "ecosystems/alpine/apk_version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/io.h"

namespace lucid::alpine {
namespace {

int Cmp(std::string_view a, std::string_view b) {
  auto r = CompareApkVersions(a, b);
  EXPECT_TRUE(r.ok()) << a << " vs " << b << ": " << r.status().ToString();
  return r.ok() ? *r : 0;
}

struct Case {
  const char* a;
  char op;
  const char* b;
};

// A selection of apk-tools' own version table (the "a OP b" list that
// go-apk-version and claircore test against; all of its 704 valid lines were
// checked while writing this), plus suffix-order cases and the Alpine facts
// from shared/data/alpine-rootfs/README.md.
const Case kCases[] = {
    {"2.34", '>', "0.1.0_alpha"},
    {"0.1.0_alpha", '=', "0.1.0_alpha"},
    {"0.1.0_alpha", '<', "0.1.3_alpha"},
    {"0.1.0_alpha2", '>', "0.1.0_alpha"},
    {"0.1.0_alpha", '<', "2.2.39-r1"},
    {"1.0.4-r3", '<', "1.0.4-r4"},
    {"1.1", '>', "1.1_alpha1"},
    {"1.2.1", '>', "1.2"},
    {"1.3_alpha", '<', "1.3_alpha2"},
    {"0.7.0", '<', "0.8_beta1"},
    {"3.10.18-r1", '>', "2.3.0b-r1"},
    {"2.3.0b-r1", '<', "2.3.0b-r2"},
    {"0.12.3", '>', "0.12"},
    {"0.12", '<', "0.13_beta1"},
    {"1.2.11", '<', "1.2.12.1"},
    {"0.2.0-r1", '<', "3.1_p16"},
    {"3.1_p16", '<', "3.1_p17"},
    {"1.06-r6", '<', "006"},
    {"006", '>', "1.0.0"},
    {"1.2.2-r1", '>', "1.2.2"},
    {"2.59", '<', "20050718-r1"},
    {"3.9.8-r5", '>', "2.01.01_alpha10"},
    {"1.0", '>', "0.99.3.20040818"},
    {"1.39", '>', "1.00_beta2"},
    {"7.15.1-r1", '>', "1.02"},
    {"1.02", '<', "1.03-r1"},
    {"2.8.0.6-r1", '>', "0.5.2.7"},
    {"4.2.52_p2-r1", '<', "4.2.52_p4-r2"},
    {"4.2.52_p4-r2", '>', "1.02.07"},
    {"1.05-r18", '<', "1.05-r19"},
    {"20060720", '>', "3.0.20060720"},
    {"2.1.9.200602141850", '>', "1.6"},
    {"2.5.1-r8", '<', "2.5.1a-r1"},
    {"1.3.5-r10", '>', "1.3.5-r8"},
    {"20040401", '>', "2.0.0_rc3-r1"},
    {"3.0.0-r2", '<', "021109-r3"},
    {"0.9.16-r1", '<', "3.9_pre20060124"},
    {"3.9_pre20060124", '>', "0.01"},
    {"0.01", '<', "0.06"},
    {"1.1.7", '<', "6b-r7"},
    {"0.10.0-r1", '>', "0.10.0"},
    {"0.10.0", '<', "0.10.1_rc1"},
    {"2.0.2", '>', "1.1a"},
    {"1.1a", '<', "1.3a"},
    {"1.0-r1", '>', "0.15.1b"},
    {"0.15.1b-r2", '>', "0.15.1b"},
    {"22.7-r1", '<', "22.7.3-r1"},
    {"22.7", '>', "2.1_pre20"},
    {"2.1_pre20", '<', "2.1_pre26"},
    {"2.10.1", '>', "02.08.01b"},
    {"8.1.2.20050715-r1", '<', "20030215"},
    {"3.81", '>', "1.6d"},
    {"1.6d", '>', "1.2.07.8"},
    {"1.2.07.8", '<', "1.2.12.04"},
    {"1.2.12.04", '<', "1.2.12.05"},
    {"1.07-r1", '<', "1.07.5"},
    {"1.07.5", '>', "1.07"},
    {"0.1_pre20060810", '<', "0.1_pre20060817"},
    {"3.3.17", '>', "0.59s-r11"},
    {"4.01", '<', "4.20"},
    {"4.20", '>', "0.20070118"},
    {"0.20070118", '<', "0.20070207_rc1"},
    {"0.20070207_rc1", '<', "1.0"},
    {"4.5_p1-r1", '>', "4.5_p1"},
    {"4.5_p1", '>', "0.9.8c-r1"},
    {"0.9.8c-r1", '<', "0.9.8d"},
    {"2.2.3-r2", '<', "013"},
    {"013", '<', "014-r1"},
    {"1.7", '<', "1.7b"},
    {"1.8.5", '<', "1.8.5_p2"},
    {"1.4.9-r2", '<', "2.9.11_pre20051101-r2"},
    {"2.9.11_pre20051101-r3", '>', "2.9.11_pre20051101"},
    {"1.6.8_p12-r1", '>', "1.6.8_p9-r2"},
    {"0.9.28-r2", '<', "0.9.28.1"},
    {"0.9.28.1", '<', "087-r1"},
    {"104-r11", '>', "104-r9"},
    {"5.52-r1", '>', "1.2.5_rc2"},
    {"20040406-r1", '>', "2.12r-r4"},
    {"2.12r-r4", '<', "2.12r-r5"},
    {"7.0.17", '<', "7.0.174"},
    {"1.1.1-r3", '>', "0.3.4_pre20061029"},
    {"1.3-r0", '<', "1.3.1-r0"},
    {"1.3_pre1-r1", '<', "1.3.2"},
    {"1.0_p10-r0", '>', "1.0_p9-r0"},
    {"0.1.0_alpha_pre2", '<', "0.1.0_alpha"},
    // Suffix order and the empty suffix between _rc and _cvs.
    {"1.2_alpha", '<', "1.2_beta"},
    {"1.2_beta", '<', "1.2_pre"},
    {"1.2_pre", '<', "1.2_rc"},
    {"1.2_rc", '<', "1.2"},
    {"1.2", '<', "1.2_cvs"},
    {"1.2_cvs", '<', "1.2_svn"},
    {"1.2_svn", '<', "1.2_git"},
    {"1.2_git", '<', "1.2_hg"},
    {"1.2_hg", '<', "1.2_p"},
    {"1.2_p", '<', "1.2_p0"},
    {"1.2-r0", '>', "1.2"},
    {"1.2_p1", '>', "1.2-r9"},
    {"1.2a", '<', "1.2.1"},
    {"1.2a", '>', "1.2_p1"},
    // Numbers beyond 64 bits still compare numerically.
    {"1.123456789012345678901234567890", '<', "1.123456789012345678901234567891"},
    {"99999999999999999999999", '>', "9999999999999999999999"},
    // shared/data/alpine-rootfs/README.md facts.
    {"1.1.1k-r0", '<', "1.1.1l-r0"},
    {"1.1.1k-r0", '=', "1.1.1k-r0"},
    {"1.2.2-r3", '>', "1.2.2_pre2-r0"},
};

TEST(ApkVersion, Table) {
  for (const auto& c : kCases) {
    int want = c.op == '<' ? -1 : (c.op == '>' ? 1 : 0);
    EXPECT_EQ(Cmp(c.a, c.b), want) << c.a << " " << c.op << " " << c.b;
    EXPECT_EQ(Cmp(c.b, c.a), -want) << c.b << " vs " << c.a;
  }
}

TEST(ApkVersion, Invalid) {
  // "1.0bc", "23_foo" and "10.0.0_b2-r0" are the invalid lines of apk-tools' table.
  for (const char* v : {"", "abc", "1.0-x", "1.0_foo", "1.0A", "1.0bc", "1a.2", "1.0-r1_p1", "1.0-r1a", "_rc1",
                        "23_foo", "10.0.0_b2-r0", "-r1", "1 .0", "1.0\n", "1.0~abc", "v1.2"}) {
    EXPECT_FALSE(IsValidApkVersion(v)) << v;
    auto r = CompareApkVersions(v, "1.0");
    EXPECT_FALSE(r.ok()) << v;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
    EXPECT_FALSE(CompareApkVersions("1.0", v).ok()) << v;
  }
  for (const char* v : {"1", "1.0", "1.2.3a", "1.2.3_rc1-r0", "1.0_alpha_pre2", "2.12r-r4", "1.2.3_p1_p2-r9",
                        "1.2.3p1-r0", "0.0.0-r0", "1.2.3.-r0"}) {
    EXPECT_TRUE(IsValidApkVersion(v)) << v;
  }
}

// An independent model of the ordering for the common shape
// N(.N)*[letter][_suffix[N]]-rN without leading zeros: compare components
// (a proper prefix is older), then letter (none oldest), suffix rank
// (none between _rc and _cvs), suffix number (none oldest), revision.
struct Model {
  std::vector<long long> parts;
  int letter = -1;
  int suffix = 0;
  long long suffix_no = -1;
  long long rev = 0;
  auto Key() const { return std::tie(parts, letter, suffix, suffix_no, rev); }
};

std::optional<Model> ModelOf(const std::string& v) {
  static const std::regex re(
      R"(^(\d{1,15}(?:\.\d{1,15})*)([a-z])?(?:_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d{1,15})?)?-r(\d{1,9})$)");
  std::smatch m;
  if (!std::regex_match(v, m, re)) return std::nullopt;
  Model md;
  std::string parts = m[1];
  size_t pos = 0;
  bool first = true;
  while (true) {
    size_t dot = parts.find('.', pos);
    std::string p = parts.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!first && p.size() > 1 && p[0] == '0') return std::nullopt;  // zero-led: apk's special case
    md.parts.push_back(std::stoll(p));
    first = false;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (m[2].matched) md.letter = m[2].str()[0];
  if (m[3].matched) {
    static const std::vector<std::string> order = {"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"};
    md.suffix = static_cast<int>(std::find(order.begin(), order.end(), m[3].str()) - order.begin()) - 4;
    if (m[4].matched) md.suffix_no = std::stoll(m[4]);
  }
  md.rev = std::stoll(m[5]);
  return md;
}

// Every secfixes key of every secdb file, plus the installed versions.
std::vector<std::string> RealVersions() {
  std::set<std::string> out;
  namespace fs = std::filesystem;
  for (const auto& e : fs::recursive_directory_iterator(LUCID_SHARED_DIR "/data/feeds/alpine/secdb")) {
    if (e.path().extension() != ".json") continue;
    auto text = ReadFile(e.path().string(), 64 << 20);
    if (!text.ok()) continue;
    auto doc = boost::json::parse(*text);
    for (const auto& p : doc.at("packages").as_array()) {
      const auto* sf = p.at("pkg").as_object().if_contains("secfixes");
      if (sf == nullptr || !sf->is_object()) continue;
      for (const auto& kv : sf->as_object()) out.insert(std::string(kv.key()));
    }
  }
  return {out.begin(), out.end()};
}

TEST(ApkVersion, RealSecdbVersionsAgreeWithModel) {
  auto all = RealVersions();
  ASSERT_GT(all.size(), 4000u);
  std::vector<std::pair<std::string, Model>> modelled;
  size_t valid = 0;
  for (const auto& v : all) {
    if (IsValidApkVersion(v)) ++valid;
    if (auto m = ModelOf(v)) modelled.emplace_back(v, *m);
  }
  // Five keys are Debian-style typos ("1.11-20-r0", "2021-03-27-r5", ...).
  EXPECT_EQ(valid, all.size() - 5) << valid << " of " << all.size();
  ASSERT_GT(modelled.size(), 3000u);
  std::mt19937 rng(42);
  std::shuffle(modelled.begin(), modelled.end(), rng);
  modelled.resize(1200);
  size_t pairs = 0;
  for (size_t i = 0; i < modelled.size(); ++i) {
    for (size_t j = i; j < modelled.size(); ++j) {
      const auto& [a, ma] = modelled[i];
      const auto& [b, mb] = modelled[j];
      int want = ma.Key() < mb.Key() ? -1 : (mb.Key() < ma.Key() ? 1 : 0);
      ASSERT_EQ(Cmp(a, b), want) << a << " vs " << b;
      ++pairs;
    }
  }
  EXPECT_GT(pairs, 700000u);
}

TEST(ApkVersion, OrderLawsOnGeneratedVersions) {
  // Versions from the whole grammar, including zero-led components, letters
  // followed by digits, several suffixes and missing revisions.
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const char* suffixes[] = {"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"};
  const char* comps[] = {"0", "1", "2", "00", "01", "10", "007", "9"};
  std::vector<std::string> vs;
  for (int i = 0; i < 3000; ++i) {
    std::string v = comps[1 + pick(7)];
    for (int n = pick(4); n > 0; --n) v += std::string(".") + comps[pick(8)];
    if (pick(4) == 0) v += static_cast<char>('a' + pick(3));
    if (pick(8) == 0 && v.back() >= 'a') v += std::to_string(pick(3));
    for (int n = pick(3) == 0 ? 1 + pick(2) : 0; n > 0; --n) {
      v += std::string("_") + suffixes[pick(9)];
      if (pick(2) == 0) v += std::to_string(pick(3));
    }
    if (pick(3) != 0) v += "-r" + std::to_string(pick(3));
    ASSERT_TRUE(IsValidApkVersion(v)) << v;
    vs.push_back(v);
  }
  for (size_t i = 0; i < vs.size(); ++i) EXPECT_EQ(Cmp(vs[i], vs[i]), 0);
  for (int i = 0; i < 200000; ++i) {
    const auto& a = vs[pick(vs.size())];
    const auto& b = vs[pick(vs.size())];
    const auto& c = vs[pick(vs.size())];
    int ab = Cmp(a, b), bc = Cmp(b, c), ac = Cmp(a, c);
    ASSERT_EQ(ab, -Cmp(b, a)) << a << " " << b;
    if (ab <= 0 && bc <= 0) {
      ASSERT_LE(ac, 0) << a << " " << b << " " << c;
    }
    if (ab == 0 && bc == 0) {
      ASSERT_EQ(ac, 0) << a << " " << b << " " << c;
    }
  }
  // A total preorder sorts consistently.
  std::vector<std::string> sorted(vs.begin(), vs.begin() + 800);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return Cmp(x, y) < 0; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    for (size_t j = i + 1; j < sorted.size(); ++j) {
      ASSERT_LE(Cmp(sorted[i], sorted[j]), 0) << sorted[i] << " " << sorted[j];
    }
  }
}

TEST(ApkVersion, RandomBytesNeverCrash) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789._-rapbcxz~\xff";
  size_t valid = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string v;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n) v += alphabet[rng() % alphabet.size()];
    bool ok = IsValidApkVersion(v);
    auto r = CompareApkVersions(v, "1.2.3-r0");
    ASSERT_EQ(r.ok(), ok) << v;
    if (ok) {
      ++valid;
      ASSERT_EQ(*r, -*CompareApkVersions("1.2.3-r0", v)) << v;
    }
  }
  EXPECT_GT(valid, 1000u);
}

TEST(ApkVersion, ZeroLedComponents) {
  EXPECT_EQ(Cmp("1.0", "1.00"), 1);   // fewer leading zeros is newer
  EXPECT_EQ(Cmp("1.01", "1.1"), -1);  // any zero-led component is older than a plain number
  EXPECT_EQ(Cmp("1.001", "1.01"), -1);
  EXPECT_EQ(Cmp("1.0", "1"), 1);
  EXPECT_EQ(Cmp("1.0", "1.0.0"), -1);
  EXPECT_EQ(Cmp("1.05", "1.0"), 1);
}

}  // namespace
}  // namespace lucid::alpine
