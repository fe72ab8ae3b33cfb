#include "base/strings.h"

#include <gtest/gtest.h>

namespace lucid {

TEST(Strings, TrimAndSplit) {
  EXPECT_EQ(TrimSpace("  a b \t\n"), "a b");
  auto parts = SplitString("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

TEST(Strings, SanitizeUtf8EscapesInvalidBytes) {
  EXPECT_EQ(SanitizeUtf8("ok/é"), "ok/é");
  EXPECT_EQ(SanitizeUtf8(std::string("a\xff"
                                     "b")),
            "a\\xFFb");
  EXPECT_EQ(SanitizeUtf8(std::string("\xc3")), "\\xC3");
}

}  // namespace lucid
