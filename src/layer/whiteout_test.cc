#include "layer/whiteout.h"

#include <gtest/gtest.h>

namespace lucid::layer {
namespace {

TEST(Whiteout, PlainWhiteoutRemovesPathAndBelow) {
  std::vector<std::string> w = {"app/node_modules/.wh.minimist"};
  EXPECT_TRUE(IsWhitedOut("app/node_modules/minimist", w));
  EXPECT_TRUE(IsWhitedOut("app/node_modules/minimist/package.json", w));
  EXPECT_TRUE(IsWhitedOut("/app/node_modules/minimist/package.json", w));
  EXPECT_FALSE(IsWhitedOut("app/node_modules/minimist2/package.json", w));
  EXPECT_FALSE(IsWhitedOut("app/node_modules/optimist/node_modules/minimist/package.json", w));
  EXPECT_FALSE(IsWhitedOut("app/node_modules", w));
}

TEST(Whiteout, OpaqueRemovesEverythingBelowButNotTheDir) {
  std::vector<std::string> w = {"etc/apt/.wh..wh..opq"};
  EXPECT_TRUE(IsWhitedOut("etc/apt/sources.list", w));
  EXPECT_TRUE(IsWhitedOut("etc/apt/sources.list.d/x.list", w));
  EXPECT_FALSE(IsWhitedOut("etc/apt", w));
  EXPECT_FALSE(IsWhitedOut("etc/aptitude/x", w));
  EXPECT_FALSE(IsWhitedOut("etc/passwd", w));
}

TEST(Whiteout, TopLevel) {
  EXPECT_TRUE(IsWhitedOut("opt/x", {".wh.opt"}));
  EXPECT_FALSE(IsWhitedOut("optx", {".wh.opt"}));
  EXPECT_TRUE(IsWhitedOut("anything/at/all", {".wh..wh..opq"}));
}

TEST(Whiteout, IsWhiteoutPath) {
  EXPECT_TRUE(IsWhiteoutPath("a/.wh.b"));
  EXPECT_TRUE(IsWhiteoutPath(".wh..wh..opq"));
  EXPECT_FALSE(IsWhiteoutPath("a.wh.b/c"));
}

}  // namespace
}  // namespace lucid::layer
