#include "config/json_patch.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lucid::config {
namespace {
namespace bj = boost::json;

TEST(MergePatch, Rfc7386Examples) {
  bj::value t = bj::parse(R"({"a":"b","c":{"d":"e","f":"g"},"l":[1,2]})");
  ApplyMergePatch(t, bj::parse(R"({"a":"z","c":{"f":null},"l":[3]})"));
  EXPECT_EQ(t, bj::parse(R"({"a":"z","c":{"d":"e"},"l":[3]})"));
  bj::value s = bj::parse(R"({"a":"foo"})");
  ApplyMergePatch(s, bj::parse(R"("bar")"));
  EXPECT_EQ(s, bj::value("bar"));
}

TEST(JsonPatch, AllOperations) {
  bj::value t = bj::parse(R"({"a":{"b":[1,2,3]},"x":1})");
  ASSERT_TRUE(ApplyJsonPatch(t, bj::parse(R"([
    {"op":"add","path":"/a/b/1","value":9},
    {"op":"add","path":"/a/b/-","value":10},
    {"op":"remove","path":"/a/b/0"},
    {"op":"replace","path":"/x","value":"y"},
    {"op":"copy","from":"/x","path":"/c"},
    {"op":"move","from":"/c","path":"/d"},
    {"op":"add","path":"/e~1f","value":true},
    {"op":"test","path":"/d","value":"y"}
  ])"))
                  .ok());
  EXPECT_EQ(t, bj::parse(R"({"a":{"b":[9,2,3,10]},"x":"y","d":"y","e/f":true})"));
}

TEST(JsonPatch, FailingTestAndBadOps) {
  bj::value t = bj::parse(R"({"a":1})");
  Status s = ApplyJsonPatch(t, bj::parse(R"([{"op":"test","path":"/a","value":2}])"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("test failed"), std::string::npos);
  EXPECT_FALSE(ApplyJsonPatch(t, bj::parse(R"([{"op":"remove","path":"/nope"}])")).ok());
  EXPECT_FALSE(ApplyJsonPatch(t, bj::parse(R"([{"op":"frobnicate","path":"/a"}])")).ok());
  EXPECT_FALSE(ApplyJsonPatch(t, bj::parse(R"({"op":"add"})")).ok());
  EXPECT_FALSE(ApplyJsonPatch(t, bj::parse(R"([{"op":"add","path":"a","value":1}])")).ok());
  EXPECT_FALSE(ApplyJsonPatch(t, bj::parse(R"([{"op":"move","from":"/a","path":"/a/b"}])")).ok());
}

}  // namespace
}  // namespace lucid::config
