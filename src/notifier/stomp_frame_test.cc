// The STOMP frame codec: what Lucid sends, and what it accepts from a broker
// (untrusted: malformed or oversized frames are errors, never crashes).
#include "notifier/stomp_frame.h"

#include <gtest/gtest.h>

namespace lucid::notifier::stomp {
namespace {

using namespace std::string_literals;

std::vector<Frame> ParseAll(Parser& p, Status* error = nullptr) {
  std::vector<Frame> out;
  while (true) {
    auto f = p.Next();
    if (!f.ok()) {
      if (error != nullptr) *error = f.status();
      return out;
    }
    if (!*f) return out;
    out.push_back(std::move(**f));
  }
}

TEST(StompFrame, EncodesSendWithContentLengthAndEscapedHeaders) {
  Frame f{"SEND", {{"destination", "/queue/a:b"}, {"content-type", "application/json"}}, "{\"x\":1}"};
  EXPECT_EQ(Encode(f, Version::k1_2),
            "SEND\ndestination:/queue/a\\cb\ncontent-type:application/json\ncontent-length:7\n\n{\"x\":1}"s + '\0');
  // 1.0 has no escaping; CONNECT never escapes, and line breaks are dropped
  // so a configured value cannot inject headers.
  EXPECT_EQ(Encode(f, Version::k1_0),
            "SEND\ndestination:/queue/a:b\ncontent-type:application/json\ncontent-length:7\n\n{\"x\":1}"s + '\0');
  Frame c{"CONNECT", {{"login", "me\nbad:x"}, {"host", "a:b"}}, ""};
  EXPECT_EQ(Encode(c, Version::k1_2), "CONNECT\nlogin:mebad:x\nhost:a:b\n\n"s + '\0');
  Frame r{"SEND", {{"x", "a\\b\r\nc"}}, ""};
  EXPECT_EQ(Encode(r, Version::k1_2), "SEND\nx:a\\\\b\\r\\nc\n\n"s + '\0');
}

TEST(StompFrame, ParsesFramesAcrossChunksWithHeartBeatsAndCrLf) {
  std::string wire = "\n\r\nCONNECTED\r\nversion:1.2\r\nserver:RabbitMQ/3.10.8\r\n\r\n"s + '\0' + "\n" +
                     "RECEIPT\nreceipt-id:r\\c1\n\n"s + '\0' + "MESSAGE\ncontent-length:3\n\na\0b"s + '\0';
  Parser p;
  std::vector<Frame> got;
  for (char c : wire) {  // one byte at a time: every split point
    p.Feed(std::string_view(&c, 1));
    auto more = ParseAll(p);
    for (auto& f : more) got.push_back(std::move(f));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].command, "CONNECTED");
  EXPECT_EQ(got[0].Header("version"), "1.2");
  EXPECT_EQ(got[0].Header("server"), "RabbitMQ/3.10.8");
  EXPECT_EQ(got[1].command, "RECEIPT");
  EXPECT_EQ(got[1].Header("receipt-id"), "r:1");
  EXPECT_EQ(got[2].body, "a\0b"s);
}

TEST(StompFrame, FirstRepeatedHeaderWins) {
  Parser p;
  p.Feed("ERROR\nmessage:first\nmessage:second\n\nbody"s + '\0');
  auto f = p.Next();
  ASSERT_TRUE(f.ok() && *f);
  EXPECT_EQ((*f)->Header("message"), "first");
  EXPECT_EQ((*f)->body, "body");
  EXPECT_EQ((*f)->Header("absent"), std::nullopt);
}

TEST(StompFrame, RejectsMalformedFrames) {
  for (std::string bad : {"receipt\n\n"s + '\0',                                // lower-case command
                          "RECEIPT\nno-colon\n\n"s + '\0',                      // header without ':'
                          "RECEIPT\n:value\n\n"s + '\0',                        // empty header name
                          "RECEIPT\nx:a\\tb\n\n"s + '\0',                       // undefined escape
                          "RECEIPT\nx:a\\\n\n"s + '\0',                         // lone backslash
                          "MESSAGE\ncontent-length:abc\n\n"s + '\0',            // not a number
                          "MESSAGE\ncontent-length:-1\n\n"s + '\0',             // negative
                          "MESSAGE\ncontent-length:2\n\nabc"s + '\0',           // no NUL after length
                          "MESSAGE\ncontent-length:99999999999999999999\n\n"s,  // overflow
                          "\x01\x02\x03\n\n"s + '\0'}) {
    Parser p;
    p.Feed(bad);
    Status error;
    auto frames = ParseAll(p, &error);
    EXPECT_TRUE(frames.empty()) << bad;
    EXPECT_FALSE(error.ok()) << bad;
  }
}

TEST(StompFrame, BoundsFrameSizeAndHeaderCount) {
  ParserLimits small{64, 4};
  {
    Parser p(small);
    p.Feed("MESSAGE\n\n" + std::string(100, 'x'));  // no NUL yet, already too big
    Status error;
    ParseAll(p, &error);
    EXPECT_EQ(error.code(), StatusCode::kTooLarge);
  }
  {
    Parser p(small);
    p.Feed("MESSAGE\ncontent-length:1000\n\n");  // announced too big
    Status error;
    ParseAll(p, &error);
    EXPECT_EQ(error.code(), StatusCode::kTooLarge);
  }
  {
    Parser p(small);
    p.Feed("MESSAGE\na:1\nb:2\nc:3\nd:4\ne:5\n\n"s + '\0');
    Status error;
    ParseAll(p, &error);
    EXPECT_EQ(error.code(), StatusCode::kTooLarge);
  }
  {
    Parser p(small);
    p.Feed(std::string(200, '\n'));  // endless heart-beats are consumed, not buffered
    Status error = Status::Ok();
    EXPECT_TRUE(ParseAll(p, &error).empty());
    EXPECT_TRUE(error.ok());
    p.Feed("RECEIPT\n\n"s + '\0');
    EXPECT_EQ(ParseAll(p).size(), 1u);
  }
  {
    Parser p(small);
    p.Feed(std::string(100, 'A'));  // a command line that never ends
    Status error;
    ParseAll(p, &error);
    EXPECT_EQ(error.code(), StatusCode::kTooLarge);
  }
}

TEST(StompFrame, VersionDecidesUnescaping) {
  Parser p;
  p.set_version(Version::k1_0);
  p.Feed("RECEIPT\nreceipt-id:a\\cb\n\n"s + '\0');
  auto f = p.Next();
  ASSERT_TRUE(f.ok() && *f);
  EXPECT_EQ((*f)->Header("receipt-id"), "a\\cb");  // 1.0: taken literally
  Parser q;
  q.set_version(Version::k1_1);
  q.Feed("RECEIPT\nreceipt-id:a\\rb\n\n"s + '\0');  // \r is a 1.2 escape only
  EXPECT_FALSE(q.Next().ok());
}

}  // namespace
}  // namespace lucid::notifier::stomp
