// libFuzzer entry point: Go build-info extraction from arbitrary bytes
// (both blob layouts, ELF program headers) must return a Status, never read
// out of bounds, crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ecosystems/gobin/buildinfo.h"
#include "ecosystems/gobin/gobin_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Give short inputs an executable magic so the blob parser is reached.
  std::string elf = std::string(
                        "\x7f"
                        "ELF",
                        4) +
                    std::string(in);
  for (std::string_view f : {in, std::string_view(elf)}) {
    auto bi = lucid::gobin::ReadBuildInfo(f);
    if (bi.ok()) (void)lucid::gobin::PackagesOf(*bi, "usr/bin/x");
  }
  (void)lucid::gobin::ParseModInfo(in);
  (void)lucid::gobin::GoMatchVector(in);
  return 0;
}
