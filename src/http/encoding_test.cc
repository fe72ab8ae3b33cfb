#include "http/encoding.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace lucid::http {
namespace {

TEST(NegotiateEncoding, FollowsClairsRules) {
  EXPECT_EQ(NegotiateEncoding({}), "identity");
  EXPECT_EQ(NegotiateEncoding({"gzip"}), "gzip");           // Go's client
  EXPECT_EQ(NegotiateEncoding({"gzip, deflate"}), "gzip");  // python-requests (Quay)
  EXPECT_EQ(NegotiateEncoding({"x-gzip"}), "gzip");
  EXPECT_EQ(NegotiateEncoding({"br"}), "identity");  // unknown coding: fall back
  EXPECT_EQ(NegotiateEncoding({"*"}), "gzip");
  EXPECT_EQ(NegotiateEncoding({"gzip;q=0, *"}), "identity");
  EXPECT_EQ(NegotiateEncoding({"deflate;q=0.5, zstd;q=0.9"}), "zstd");
  // Quirk: an entry without q ranks after one with an explicit q.
  EXPECT_EQ(NegotiateEncoding({"gzip, deflate;q=0.1"}), "deflate");
  EXPECT_EQ(NegotiateEncoding({"br, identity;q=0, *;q=0"}), "");  // -> 415
  EXPECT_EQ(NegotiateEncoding({"gzip;q=0", "identity;q=0"}), "");
  EXPECT_EQ(NegotiateEncoding({"gzip;q=bogus"}), "gzip");
}

TEST(EncodeBody, GzipRoundTrips) {
  std::string body(100000, 'x');
  auto gz = EncodeBody("gzip", body);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), 2000u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  std::string out(body.size(), '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz->data());
  z.avail_in = static_cast<uInt>(gz->size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  EXPECT_EQ(out, body);
  EXPECT_TRUE(EncodeBody("zstd", body).ok());
  EXPECT_TRUE(EncodeBody("deflate", body).ok());
  EXPECT_FALSE(EncodeBody("br", body).ok());
}

}  // namespace
}  // namespace lucid::http
