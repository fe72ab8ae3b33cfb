// libFuzzer entry point: the dpkg status and status.d parsers must turn any
// input into packages or a Status, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ecosystems/debian/dpkg_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto db = lucid::debian::ParseDpkgStatus(in, "var/lib/dpkg/status");
  (void)db;
  auto pkgs = lucid::debian::ParseDistrolessStatus(in, "var/lib/dpkg/status.d/x");
  (void)pkgs;
  return 0;
}
