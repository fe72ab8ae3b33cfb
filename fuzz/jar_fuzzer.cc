// libFuzzer entry point: Java archives (zip through libarchive, nested
// archives, pom.properties, MANIFEST.MF) from arbitrary bytes must give
// infos or a Status, never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ecosystems/java/jar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  lucid::java::JarLimits limits;
  limits.max_in_memory = 1 << 20;
  limits.max_total_bytes = 64 << 20;
  auto infos = lucid::java::ParseJar(in, "fuzz.jar", "", limits);
  (void)infos;
  (void)lucid::java::InfoFromManifest(in);
  (void)lucid::java::InfoFromPomProperties(in);
  (void)lucid::java::InfoFromFileName(in);
  return 0;
}
