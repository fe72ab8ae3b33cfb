#include "http/api.h"

#include <gtest/gtest.h>

#include "http/test_services.h"

namespace lucid::http {
namespace {

TEST(CleanPath, GoSemantics) {
  EXPECT_EQ(CleanPath(""), "/");
  EXPECT_EQ(CleanPath("/a//b"), "/a/b");
  EXPECT_EQ(CleanPath("/a/./b/../c/"), "/a/c/");
  EXPECT_EQ(CleanPath("/../x"), "/x");
  EXPECT_EQ(CleanPath("/x/"), "/x/");
  EXPECT_EQ(CleanPath("a"), "/a");
}

TEST(Negotiate, Rules) {
  const std::vector<std::string> allow = {"application/vnd.clair.index_report.v1+json", "application/json"};
  int st = 0;
  EXPECT_EQ(Negotiate({}, allow, &st), allow[0]);
  EXPECT_EQ(Negotiate({"application/json"}, allow, &st), "application/json");
  EXPECT_EQ(Negotiate({"*/*"}, allow, &st), allow[0]);
  EXPECT_EQ(Negotiate({"application/*;q=0.5, application/json;q=0.9"}, allow, &st), "application/json");
  EXPECT_EQ(Negotiate({"text/html", "application/json"}, allow, &st), "application/json");
  // q=0 is not "forbidden" upstream.
  EXPECT_EQ(Negotiate({"application/json;q=0"}, allow, &st), "application/json");
  st = 0;
  EXPECT_EQ(Negotiate({"text/html"}, allow, &st), "");
  EXPECT_EQ(st, 415);
  st = 0;
  EXPECT_EQ(Negotiate({"garbage"}, allow, &st), "");
  EXPECT_EQ(st, 400);
  st = 0;
  EXPECT_EQ(Negotiate({"application/json;q=abc"}, allow, &st), "");
  EXPECT_EQ(st, 400);
}

TEST(Routing, ServeMuxRules) {
  testing::MemoryIndexer ix;
  testing::MemoryMatcher m;
  Api api({true, true, "", std::chrono::seconds(60), ""}, &ix, &m);
  auto r = api.Resolve("POST", "/indexer/api/v1/index_report", "");
  EXPECT_EQ(r.kind, Route::Kind::kHandler);
  EXPECT_TRUE(r.gated);
  EXPECT_EQ(r.handler_label, "/indexer/api/v1/index_report");
  r = api.Resolve("DELETE", "/indexer/api/v1/index_report", "");
  EXPECT_TRUE(r.gated);  // upstream's predicate quirk
  r = api.Resolve("GET", "/indexer/api/v1/index_report/sha256:abc", "");
  EXPECT_EQ(r.kind, Route::Kind::kHandler);
  EXPECT_FALSE(r.gated);
  EXPECT_EQ(r.handler_label, "/indexer/api/v1/index_report/:digest");
  r = api.Resolve("HEAD", "/indexer/api/v1/index_state", "");
  EXPECT_EQ(r.kind, Route::Kind::kMethodNotAllowed);
  r = api.Resolve("GET", "/indexer/api/v1/internal/affected_manifest", "x=1");
  EXPECT_EQ(r.kind, Route::Kind::kRedirect);
  EXPECT_EQ(r.location, "/indexer/api/v1/internal/affected_manifest/?x=1");
  r = api.Resolve("GET", "/matcher/api/v1//internal/update_operation", "");
  EXPECT_EQ(r.kind, Route::Kind::kRedirect);
  EXPECT_EQ(r.location, "/matcher/api/v1/internal/update_operation");
  r = api.Resolve("GET", "/matcher/api/v1/internal/update_operation", "");
  EXPECT_EQ(r.kind, Route::Kind::kHandler);
  r = api.Resolve("DELETE", "/matcher/api/v1/internal/update_operation/x", "");
  EXPECT_EQ(r.kind, Route::Kind::kHandler);
  EXPECT_EQ(api.Resolve("GET", "/notifier/api/v1/notification/x", "").kind, Route::Kind::kNotFound);
  EXPECT_EQ(api.Resolve("GET", "/indexer/api/v1/nope", "").kind, Route::Kind::kNotFound);
  EXPECT_EQ(api.Resolve("GET", "/", "").kind, Route::Kind::kNotFound);

  // Indexer-only mode: no matcher routes.
  Api indexer_only({true, false, "", std::chrono::seconds(60), ""}, &ix, &m);
  EXPECT_EQ(indexer_only.Resolve("GET", "/matcher/api/v1/internal/update_diff", "").kind, Route::Kind::kNotFound);
}

TEST(Api, ErrorObject) {
  auto r = Api::Error(429, "server handling too many requests");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"code":"too-many-requests","message":"server handling too many requests"})");
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
  EXPECT_EQ(Api::Error(415, "x").body, R"({"code":"internal-error","message":"x"})");
  EXPECT_EQ(Api::Error(405, "x").body, R"({"code":"method-not-allowed","message":"x"})");
  auto nf = Api::NotFoundText();
  EXPECT_EQ(nf.body, "404 page not found\n");
}

TEST(Api, Helpers) {
  EXPECT_TRUE(GoParseBoolTrue("T"));
  EXPECT_TRUE(GoParseBoolTrue("1"));
  EXPECT_FALSE(GoParseBoolTrue("yes"));
  EXPECT_TRUE(IsUuid(testing::kRef1));
  EXPECT_FALSE(IsUuid("11111111-2222-3333-4444-55555555555"));
  EXPECT_FALSE(IsUuid("1111111122223333444455555555555555555"));
}

}  // namespace
}  // namespace lucid::http
