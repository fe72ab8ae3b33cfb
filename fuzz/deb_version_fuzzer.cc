// libFuzzer entry point: dpkg version parsing and comparison must never
// crash, and the order must be antisymmetric and reflexive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ecosystems/debian/dpkg_version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t split = in.find('\n');
  std::string_view a = in.substr(0, split);
  std::string_view b = split == std::string_view::npos ? std::string_view() : in.substr(split + 1);
  auto va = lucid::debian::ParseDpkgVersion(a);
  auto vb = lucid::debian::ParseDpkgVersion(b);
  if (va.ok()) {
    if (lucid::debian::CompareDpkgVersions(*va, *va) != 0) std::abort();
    (void)va->ToString();
  }
  if (va.ok() && vb.ok()) {
    int ab = lucid::debian::CompareDpkgVersions(*va, *vb);
    int ba = lucid::debian::CompareDpkgVersions(*vb, *va);
    if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) std::abort();
  }
  return 0;
}
