// libFuzzer entry point: the streaming Debian tracker JSON parser must turn
// any input into vulnerabilities or a Corrupt status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ecosystems/debian/tracker_parser.h"

namespace {
class NullSink : public lucid::updater::VulnerabilitySink {
 public:
  lucid::Status Add(lucid::Vulnerability) override { return lucid::Status::Ok(); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lucid::StringReader r(std::string(reinterpret_cast<const char*>(data), size));
  NullSink sink;
  lucid::Status s = lucid::debian::ParseTrackerJson(r, &sink);
  (void)s;
  return 0;
}
