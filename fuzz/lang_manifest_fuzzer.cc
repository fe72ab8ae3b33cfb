// libFuzzer entry point: the small metadata parsers of the language
// scanners (package.json, METADATA/PKG-INFO, gemspec) never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ecosystems/nodejs/package_json_scanner.h"
#include "ecosystems/python/dist_scanner.h"
#include "ecosystems/ruby/gemspec_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)lucid::nodejs::ParsePackageJson(in);
  (void)lucid::nodejs::IsInstalledManifest(in);
  (void)lucid::python::ParseMetadata(in);
  (void)lucid::python::NormalizeName(in);
  (void)lucid::ruby::ParseGemspec(in);
  (void)lucid::ruby::IsInstalledGemspec(in);
  return 0;
}
