#include "ecosystems/debian/dpkg_version.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>

#include "ecosystems/debian/test_util.h"

namespace lucid::debian {
namespace {

using testing::Slurp;

int Cmp(std::string_view a, std::string_view b) {
  auto r = CompareDpkgVersionStrings(a, b);
  EXPECT_TRUE(r.ok()) << a << " vs " << b << ": " << r.status().ToString();
  return r.ok() ? (*r < 0 ? -1 : (*r > 0 ? 1 : 0)) : 99;
}

TEST(DpkgVersionTest, Parse) {
  auto v = ParseDpkgVersion("1:2.30-1+deb12u1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->epoch, 1);
  EXPECT_EQ(v->upstream, "2.30");
  EXPECT_EQ(v->revision, "1+deb12u1");
  EXPECT_EQ(v->ToString(), "1:2.30-1+deb12u1");
  // The revision splits at the last hyphen.
  v = ParseDpkgVersion("1.2-3-4");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->upstream, "1.2-3");
  EXPECT_EQ(v->revision, "4");
  // Surrounding blanks are ignored.
  EXPECT_TRUE(ParseDpkgVersion("  1.0 \t").ok());
  // dpkg only warns about these.
  v = ParseDpkgVersion("a1.0");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->warning.empty());
  v = ParseDpkgVersion("1.0_1");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->warning.empty());
}

TEST(DpkgVersionTest, ParseErrors) {
  for (const char* bad : {"", "   ", "1 0", "1:", ":1", "a:1", "-1:1", "1-", "-1", "99999999999:1", "1.0- 1"}) {
    EXPECT_FALSE(ParseDpkgVersion(bad).ok()) << "'" << bad << "'";
  }
  EXPECT_EQ(ParseDpkgVersion("1:").status().code(), StatusCode::kInvalidArgument);
}

TEST(DpkgVersionTest, Ordering) {
  EXPECT_EQ(Cmp("1.0~rc1", "1.0"), -1);
  EXPECT_EQ(Cmp("1.0~~", "1.0~"), -1);
  EXPECT_EQ(Cmp("1.0~", "1.0"), -1);
  EXPECT_EQ(Cmp("1.0", "1.0+b1"), -1);
  EXPECT_EQ(Cmp("1.0a", "1.0+"), -1);  // letters before non-letters
  EXPECT_EQ(Cmp("1.0", "1.0-0"), 0);
  EXPECT_EQ(Cmp("0:1.0", "1.0"), 0);
  EXPECT_EQ(Cmp("1.01", "1.1"), 0);
  EXPECT_EQ(Cmp("1:0.1", "2.0"), 1);
  EXPECT_EQ(Cmp("2.30-1", "2.30-1+deb12u1"), -1);
  EXPECT_EQ(Cmp("123456789012345678901234567890", "123456789012345678901234567891"), -1);
  EXPECT_EQ(Cmp("9999999999999999999999999999999999", "10000000000000000000000000000000000"), -1);
  EXPECT_EQ(Cmp("1.000000000000000000000000000000000000001", "1.1"), 0);
}

// ---- Agreement with the real dpkg -------------------------------------------

void AddVersion(std::set<std::string>* out, std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  if (!v.empty() && v.find_first_of("\n\t") == std::string::npos) out->insert(v);
}

std::set<std::string> FixtureVersions() {
  std::set<std::string> out;
  const std::string base = testing::SharedDir() + "/data/upstream-fixtures/debian-ubuntu/dpkg/testdata/";
  for (const char* f : {"texlive.status", "debian-only.status"}) {
    std::istringstream in(Slurp(base + f));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Version: ", 0) == 0) AddVersion(&out, line.substr(9));
      if (line.rfind("Source: ", 0) == 0) {
        auto open = line.find('('), close = line.find(')');
        if (open != std::string::npos && close != std::string::npos && close > open) {
          AddVersion(&out, line.substr(open + 1, close - open - 1));
        }
      }
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(testing::SharedDir() + "/images/expected")) {
    auto doc = boost::json::parse(Slurp(e.path().string()));
    auto take = [&](const boost::json::value& list) {
      if (!list.is_array()) return;
      for (const auto& p : list.as_array()) {
        for (const char* k : {"version", "source_version"}) {
          if (const auto* v = p.as_object().if_contains(k); v && v->is_string())
            AddVersion(&out, std::string(v->as_string()));
        }
      }
    };
    for (const auto& layer : doc.at("layers").as_array()) {
      if (const auto* d = layer.at("adds").as_object().if_contains("dpkg")) take(*d);
    }
    if (const auto* d = doc.at("final").as_object().if_contains("dpkg")) take(*d);
  }
  return out;
}

std::string RandomVersion(std::mt19937& rng) {
  static const std::string kPieces[] = {"0",
                                        "1",
                                        "2",
                                        "9",
                                        "10",
                                        "00",
                                        "01",
                                        "a",
                                        "b",
                                        "z",
                                        "A",
                                        "Z",
                                        "~",
                                        "~~",
                                        "+",
                                        ".",
                                        "-",
                                        "rc",
                                        "beta",
                                        "dfsg",
                                        "deb12u",
                                        "+b",
                                        "~bpo",
                                        "12345678901234567890123",
                                        "99999999999999999999",
                                        ":"};
  std::uniform_int_distribution<int> len(1, 7), piece(0, std::size(kPieces) - 1), coin(0, 9);
  std::string v;
  if (coin(rng) < 2) {
    v.append(std::to_string(coin(rng)));
    v.push_back(':');
  }
  if (coin(rng) < 8) v.append(std::to_string(coin(rng)));  // mostly start with a digit
  int n = len(rng);
  for (int i = 0; i < n; ++i) v.append(kPieces[piece(rng)]);
  if (coin(rng) < 4) {
    v.push_back('-');
    v.append(std::to_string(coin(rng)));
    if (coin(rng) < 3) v.append("~1");
  }
  return v;
}

struct Case {
  std::string op, a, b;
};

// dpkg's exit status: 0 relation holds, 1 does not, 2 bad syntax.
std::vector<int> RunDpkg(const std::vector<Case>& cases) {
  std::string dir = TempDirectory();
  std::string in = dir + "/lucid-dpkgver-in-" + std::to_string(getpid());
  std::string out = dir + "/lucid-dpkgver-out-" + std::to_string(getpid());
  {
    std::ofstream f(in, std::ios::binary);
    for (const auto& c : cases) f << c.op << '\n' << c.a << '\n' << c.b << '\n';
  }
  std::string cmd =
      "while IFS= read -r op && IFS= read -r a && IFS= read -r b; do "
      "dpkg --compare-versions \"$a\" \"$op\" \"$b\" 2>/dev/null; echo $?; done < '" +
      in + "' > '" + out + "'";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0);
  std::vector<int> res;
  std::istringstream r(Slurp(out));
  int x;
  while (r >> x) res.push_back(x);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  return res;
}

TEST(DpkgVersionTest, AgreesWithDpkgCompareVersions) {
  if (std::system("dpkg --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "dpkg not installed";
  std::set<std::string> real = FixtureVersions();
  ASSERT_GT(real.size(), 300u);
  std::vector<std::string> rv(real.begin(), real.end());
  std::mt19937 rng(20261203);
  std::vector<Case> cases;
  const char* ops[] = {"lt", "eq", "gt"};
  // Neighbours in sorted order are the close calls; random pairs add spread.
  for (size_t i = 0; i + 1 < rv.size(); ++i) cases.push_back({ops[i % 3], rv[i], rv[i + 1]});
  std::uniform_int_distribution<size_t> pick(0, rv.size() - 1);
  for (int i = 0; i < 600; ++i) cases.push_back({ops[i % 3], rv[pick(rng)], rv[pick(rng)]});
  // Generated: tilde, epochs, letters vs digits, long digit runs, separators.
  for (int i = 0; i < 1700; ++i) {
    std::string a = RandomVersion(rng);
    std::string b;
    if (i % 4 == 0) {
      b = a;
      b.push_back(i % 8 == 0 ? '~' : '0');
    } else {
      b = RandomVersion(rng);
    }
    cases.push_back({ops[i % 3], a, b});
  }
  // Equal-but-different spellings.
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{{"1.0", "1.0-0"},
                                                                             {"0:1.0", "1.0"},
                                                                             {"1.01", "1.1"},
                                                                             {"1.0", "1.00"},
                                                                             {"1a", "1a0"},
                                                                             {"1:1.0~rc1-1", "1:1.0~rc1-1"},
                                                                             {"+1:1", "1:1"},
                                                                             {"1:2:3", "1:2:3-0"}}) {
    cases.push_back({"eq", a, b});
    cases.push_back({"lt", a, b});
  }
  // Syntax dpkg rejects or only warns about.
  for (const char* bad : {"1:", ":1", "a:1", "-1:1", "1-", "-1", "99999999999:1", "2147483647:1", "2147483648:1",
                          "a1.0", "1.0_1", "1.0-1_1", "~1", "1:a"}) {
    cases.push_back({"lt", bad, "1.0"});
    cases.push_back({"gt", "1.0", bad});
  }
  // dpkg's command line would take a leading '-' for an option.
  std::erase_if(cases, [](const Case& c) { return c.a[0] == '-' || c.b[0] == '-'; });
  std::vector<int> got = RunDpkg(cases);
  ASSERT_EQ(got.size(), cases.size());
  int mismatches = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto va = ParseDpkgVersion(c.a), vb = ParseDpkgVersion(c.b);
    int want = got[i];
    int mine;
    if (!va.ok() || !vb.ok()) {
      mine = 2;
    } else {
      int r = CompareDpkgVersions(*va, *vb);
      bool holds = c.op == "lt" ? r < 0 : c.op == "eq" ? r == 0 : r > 0;
      mine = holds ? 0 : 1;
    }
    if (mine != want && ++mismatches <= 20) {
      ADD_FAILURE() << "'" << c.a << "' " << c.op << " '" << c.b << "': dpkg says " << want << ", we say " << mine;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << cases.size() << " cases";
  EXPECT_GT(cases.size(), 2500u);
}

}  // namespace
}  // namespace lucid::debian
