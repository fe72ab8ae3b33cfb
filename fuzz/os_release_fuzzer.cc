// libFuzzer entry point: the os-release parser never fails and never crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "indexer/os_release.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto kv = lucid::indexer::ParseOsRelease(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)kv;
  return 0;
}
