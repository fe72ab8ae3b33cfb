// libFuzzer entry point: the STOMP frame parser reads broker replies
// (untrusted). It returns frames or errors, never crashes, and never holds
// more than its frame limit. The input is fed in two parts so frames split
// across reads are covered too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "notifier/stomp_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lucid::notifier::stomp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParserLimits limits;
  limits.max_frame_bytes = 4096;
  limits.max_headers = 16;
  Parser p(limits);
  p.set_version(size > 0 && data[0] % 3 == 0 ? Version::k1_0
                                             : (size > 0 && data[0] % 3 == 1 ? Version::k1_1 : Version::k1_2));
  size_t split = size > 1 ? data[1] % size : 0;
  for (std::string_view part : {in.substr(0, split), in.substr(split)}) {
    p.Feed(part);
    while (true) {
      auto f = p.Next();
      if (!f.ok() || !*f) break;
      // What was parsed encodes again without trouble.
      (void)Encode(**f, Version::k1_2);
    }
  }
  return 0;
}
