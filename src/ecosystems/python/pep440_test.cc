#include "ecosystems/python/pep440.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "base/io.h"
#include "base/strings.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::python {
namespace {

std::string Canon(std::string_view s) {
  auto v = Pep440Version::Parse(s);
  return v.ok() ? v->str() : "<invalid>";
}

int Cmp(const std::string& a, const std::string& b) {
  auto c = ComparePep440Strings(a, b);
  EXPECT_TRUE(c.ok()) << a << " / " << b;
  return c.ok() ? *c : 0;
}

TEST(Pep440Test, SpecOrdering) {
  // The ordering example from PEP 440 ("Summary of permitted suffixes and relative ordering").
  std::vector<std::string> order = {"1.0.dev456",    "1.0a1",         "1.0a2.dev456", "1.0a12.dev456",
                                    "1.0a12",        "1.0b1.dev456",  "1.0b2",        "1.0b2.post345.dev456",
                                    "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",       "1.0",
                                    "1.0+abc.5",     "1.0+abc.7",     "1.0+5",        "1.0.post456.dev34",
                                    "1.0.post456",   "1.0.15",        "1.1.dev1"};
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = 0; j < order.size(); ++j) {
      int want = i < j ? -1 : i > j ? 1 : 0;
      EXPECT_EQ(Cmp(order[i], order[j]), want) << order[i] << " vs " << order[j];
    }
  }
}

TEST(Pep440Test, Normalization) {
  std::map<std::string, std::string> cases = {{"1.0-alpha1", "1.0a1"},
                                              {"v1.0", "1.0"},
                                              {"1.0-1", "1.0.post1"},
                                              {"1.0.POST", "1.0.post0"},
                                              {"1.0-dev", "1.0.dev0"},
                                              {"1.01", "1.1"},
                                              {"1!2.0", "1!2.0"},
                                              {"0!1.0", "1.0"},
                                              {"1.0+ubuntu-1", "1.0+ubuntu.1"},
                                              {"1.0c1", "1.0rc1"},
                                              {"1.0preview2", "1.0rc2"},
                                              {" 1.0\n", "1.0"},
                                              {"1.0.0", "1.0.0"},
                                              {"1.0RC1", "1.0rc1"},
                                              {"1.0-r4", "1.0.post4"},
                                              {"1.0.rev", "1.0.post0"},
                                              {"1.0a.1", "1.0a1"},
                                              {"1.0_beta_2", "1.0b2"},
                                              {"2022.9.24", "2022.9.24"},
                                              {"1.0a.post1", "1.0a0.post1"},
                                              {"1.0+007", "1.0+7"},
                                              {"20230101123456789012", "20230101123456789012"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(Canon(in), want) << in;
  for (std::string bad : {"xxx", "1.0+", "1.0-", "", "1.0++1", "1..0", "1.0.", "a1.0", "1.0+a..b", "1.0 1", "!1.0"}) {
    EXPECT_FALSE(Pep440Version::Parse(bad).ok()) << bad;
  }
  EXPECT_EQ(Cmp("1.0", "1.0.0"), 0);
  EXPECT_EQ(Cmp("1.0", "1.0+0"), -1);
  EXPECT_EQ(Cmp("1.0+a", "1.0+1"), -1);
  EXPECT_EQ(Cmp("1!0.1", "2.0"), 1);
  EXPECT_EQ(Cmp("100000000000000000000.0", "99999999999999999999.0"), 1);
}

TEST(Pep440Test, Vector) {
  auto vec = [](std::string_view s) { return Pep440Vector(*Pep440Version::Parse(s)).str(); };
  EXPECT_EQ(vec("1.2.3"), "pep440:0.1.2.3.0.0.0.0.0.0");
  EXPECT_EQ(vec("2!1.0rc2.post3.dev4"), "pep440:2.1.0.0.0.0.-1.2.3.-4");
  EXPECT_EQ(vec("1.0a1"), "pep440:0.1.0.0.0.0.-3.1.0.0");
  EXPECT_EQ(vec("1.0.dev5"), "pep440:0.1.0.0.0.0.-2147483643.0.0.0");
}

// Every version in the PyPI OSV export: our ordering is a consistent total
// preorder, and it agrees with the python "packaging" library (PEP 440's
// reference implementation) on validity, canonical form and order.
TEST(Pep440Test, OsvVersionsAgreeWithPackaging) {
  std::vector<std::string> all = lang::testing::OsvVersions("PyPI");
  ASSERT_GT(all.size(), 10000u);
  std::vector<std::string> valid;
  for (const auto& v : all) {
    if (Pep440Version::Parse(v).ok()) valid.push_back(v);
  }
  lang::testing::ExpectConsistentOrder(valid, Cmp);

  if (std::system("/usr/bin/python3 -c 'import packaging.version' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-packaging not installed; oracle comparison skipped";
  }
  auto tf = TempFile::Create("pep440-versions");
  ASSERT_TRUE(tf.ok());
  {
    std::ofstream out(tf->path());
    for (const auto& v : all) {
      if (v.find('\n') == std::string::npos) out << v << "\n";
    }
  }
  const char* script =
      "import sys\n"
      "from packaging.version import Version, InvalidVersion\n"
      "ok=[]\n"
      "for l in open(sys.argv[1], encoding='utf-8', errors='surrogateescape'):\n"
      "  v=l[:-1]\n"
      "  try:\n"
      "    V=Version(v); ok.append((V,v)); print('OK\\t'+v+'\\t'+str(V))\n"
      "  except InvalidVersion: print('BAD\\t'+v)\n"
      "ok.sort(key=lambda t:t[0])\n"
      "c=0\n"
      "for i,(V,v) in enumerate(ok):\n"
      "  if i and ok[i-1][0] < V: c+=1\n"
      "  print('ORD\\t%d\\t%s'%(c,v))\n";
  std::string cmd = "/usr/bin/python3 -c \"$LUCID_PY_SCRIPT\" " + tf->path();
  setenv("LUCID_PY_SCRIPT", script, 1);
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string outtext;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) outtext.append(buf, n);
  ASSERT_EQ(pclose(p), 0);
  std::vector<std::pair<size_t, std::string>> ordered;
  size_t oks = 0, bads = 0, mismatches = 0;
  std::istringstream in(outtext);
  std::string line;
  while (std::getline(in, line)) {
    auto f = SplitString(line, '\t');
    if (f[0] == "OK" && f.size() == 3) {
      ++oks;
      if (Canon(f[1]) != f[2] && ++mismatches < 20)
        ADD_FAILURE() << "canonical of " << f[1] << ": " << Canon(f[1]) << " != " << f[2];
    } else if (f[0] == "BAD" && f.size() == 2) {
      ++bads;
      if (Pep440Version::Parse(f[1]).ok() && ++mismatches < 20)
        ADD_FAILURE() << "we accept what packaging rejects: " << f[1];
    } else if (f[0] == "ORD" && f.size() == 3) {
      ordered.emplace_back(std::stoul(std::string(f[1])), std::string(f[2]));
    }
  }
  EXPECT_GT(oks, 10000u);
  EXPECT_EQ(oks + bads, all.size());
  for (size_t i = 1; i < ordered.size(); ++i) {
    int want = ordered[i - 1].first < ordered[i].first ? -1 : 0;
    int got = Cmp(ordered[i - 1].second, ordered[i].second);
    if (got != want && ++mismatches < 40) {
      ADD_FAILURE() << ordered[i - 1].second << " vs " << ordered[i].second << ": " << got << ", packaging " << want;
    }
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<size_t> pick(0, ordered.size() - 1);
  for (int k = 0; k < 100000; ++k) {
    const auto& a = ordered[pick(rng)];
    const auto& b = ordered[pick(rng)];
    int want = a.first < b.first ? -1 : a.first > b.first ? 1 : 0;
    if (Cmp(a.second, b.second) != want && ++mismatches < 40) ADD_FAILURE() << a.second << " vs " << b.second;
  }
  EXPECT_EQ(mismatches, 0u);
  std::printf("[ pep440 ] %zu OSV versions: %zu valid, %zu invalid per packaging; all agree\n", all.size(), oks, bads);
}

}  // namespace
}  // namespace lucid::python
