#include "core/digest.h"

#include <gtest/gtest.h>

namespace lucid {

TEST(Digest, ParsesAndLowercases) {
  auto d = Digest::Parse("sha256:" + std::string(64, 'A'));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->str(), "sha256:" + std::string(64, 'a'));
}

TEST(Digest, RejectsBadInput) {
  EXPECT_FALSE(Digest::Parse("sha256:abc").ok());
  EXPECT_FALSE(Digest::Parse("md5:" + std::string(32, 'a')).ok());
  EXPECT_FALSE(Digest::Parse("nocolon").ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(63, 'a') + "g").ok());
  EXPECT_TRUE(Digest::Parse("sha512:" + std::string(128, '0')).ok());
}

}  // namespace lucid
