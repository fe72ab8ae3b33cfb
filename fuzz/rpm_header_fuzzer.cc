// libFuzzer entry point: an rpm header blob from an rpm database (decoded by
// librpm's headerImport, then read field by field and file by file) must
// become a header or a Status, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ecosystems/rpm/rpm_scanner.h"
#include "ecosystems/rpm/rpmdb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto h = lucid::rpm::RpmHeader::Import(in);
  if (!h.ok()) return 0;
  auto pkg = lucid::rpm::PackageFromHeader(h->Info(), "sqlite:var/lib/rpm");
  (void)pkg;
  size_t n = 0;
  h->ForEachFile([&](std::string_view p, uint32_t) { n += p.size(); });
  return 0;
}
