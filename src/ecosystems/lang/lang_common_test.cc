#include "ecosystems/lang/lang_common.h"

#include <gtest/gtest.h>

#include "ecosystems/python/pep440.h"

namespace lucid::lang {
namespace {

Result<int> IntCmp(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty() || a.find_first_not_of("0123456789") != std::string_view::npos ||
      b.find_first_not_of("0123456789") != std::string_view::npos) {
    return InvalidArgument("not a number");
  }
  int x = std::stoi(std::string(a)), y = std::stoi(std::string(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

TEST(LangCommonTest, UrlDecodeAndQuery) {
  EXPECT_EQ(UrlDecode("a%2Bb+c%zz%4"), "a+b c%zz%4");
  auto ev = ParseOsvQuery("introduced=1%2E0&fixed=2.0%2Bx&junk&lastAffected=3");
  EXPECT_EQ(ev.introduced, "1.0");
  EXPECT_EQ(ev.fixed, "2.0+x");
  EXPECT_EQ(ev.last_affected, "3");
}

TEST(LangCommonTest, OsvDecision) {
  auto hit = [](std::string_view v, std::string_view q) {
    auto r = AffectedByOsvQuery(v, q, IntCmp);
    EXPECT_TRUE(r.ok()) << v << " " << q;
    return r.ok() && *r;
  };
  EXPECT_TRUE(hit("5", ""));
  EXPECT_TRUE(hit("5", "fixed=6"));
  EXPECT_FALSE(hit("6", "fixed=6"));
  EXPECT_FALSE(hit("6", "6"));  // a bare version is a fixed version
  EXPECT_FALSE(hit("3", "introduced=4&fixed=6"));
  EXPECT_TRUE(hit("4", "introduced=4&fixed=6"));
  EXPECT_TRUE(hit("7", "introduced=4&lastAffected=7"));
  EXPECT_FALSE(hit("8", "introduced=4&lastAffected=7"));
  EXPECT_TRUE(hit("100", "introduced=4"));
  EXPECT_TRUE(hit("1", "introduced=0&fixed=2"));
  EXPECT_FALSE(AffectedByOsvQuery("x", "fixed=6", IntCmp).ok());
}

TEST(LangCommonTest, OsOwnedFiles) {
  OsOwnedFiles owned([](std::string_view p) { return p.find("python3") != std::string_view::npos; });
  EXPECT_TRUE(
      OsOwnedFiles::IsOwnerList({"var/lib/dpkg/info/python3-six.list", indexer::EntryType::kRegular, 1, 0644, ""}));
  EXPECT_FALSE(
      OsOwnedFiles::IsOwnerList({"var/lib/dpkg/info/python3-six.md5sums", indexer::EntryType::kRegular, 1, 0644, ""}));
  EXPECT_FALSE(OsOwnedFiles::IsOwnerList({"var/lib/dpkg/info/x/y.list", indexer::EntryType::kRegular, 1, 0644, ""}));
  EXPECT_FALSE(OsOwnedFiles::IsOwnerList({"myvar/lib/dpkg/info/y.list", indexer::EntryType::kRegular, 1, 0644, ""}));
  StringReader r("/.\n/usr\n/usr/lib/python3/dist-packages/six.py\r\n/bin/python3\n/usr/share/doc/x");
  ASSERT_TRUE(owned.Consume(r).ok());
  EXPECT_EQ(owned.size(), 2u);
  EXPECT_TRUE(owned.Owns("usr/lib/python3/dist-packages/six.py"));
  EXPECT_TRUE(owned.Owns("usr/bin/python3"));  // merged /usr
  EXPECT_FALSE(owned.Owns("usr/share/doc/x"));

  std::vector<Package> pkgs(3);
  pkgs[0].filepath = "usr/lib/python3/dist-packages/six.py";
  pkgs[1].filepath = "opt/venv/six.py";
  pkgs[2].filepath = "x";
  pkgs[2].os_managed = true;  // set by the scanner from other evidence
  indexer::LayerArtifacts out;
  MarkOsManaged(owned, "python", "python", &pkgs, &out);
  EXPECT_TRUE(pkgs[0].os_managed);
  EXPECT_FALSE(pkgs[1].os_managed);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].code, "os-managed-language-packages");
  EXPECT_EQ(out.notes[0].message.substr(0, 2), "2 ");
}

}  // namespace
}  // namespace lucid::lang
