#include "base/log.h"

#include <gtest/gtest.h>

namespace lucid::log {

TEST(Log, JsonLineEscapesAndOrdersKeys) {
  std::string line = FormatJson(Level::kInfo, "main", "hello \"x\"\n", {{"n", 3}, {"path", std::string("a\xff")}});
  EXPECT_EQ(line.rfind("{\"level\":\"info\",\"time\":\"", 0), 0u);
  EXPECT_NE(line.find("\"component\":\"main\""), std::string::npos);
  EXPECT_NE(line.find("\"n\":3"), std::string::npos);
  EXPECT_NE(line.find("\"path\":\"a\\\\xFF\""), std::string::npos);
  EXPECT_NE(line.find("\"message\":\"hello \\\"x\\\"\\n\""), std::string::npos);
}

TEST(Log, ParsesClairLevels) {
  Level l;
  bool color;
  ASSERT_TRUE(ParseLevel("debug-color", &l, &color));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(color);
  ASSERT_TRUE(ParseLevel("WARN", &l, &color));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("", &l, &color));
}

}  // namespace lucid::log
