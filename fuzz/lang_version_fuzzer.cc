// libFuzzer entry point: the language version schemes (PEP 440, Maven,
// RubyGems, Go/semver) parse and compare arbitrary strings without crashing;
// comparison is antisymmetric and reflexive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ecosystems/gobin/gobin_scanner.h"
#include "ecosystems/java/maven_version.h"
#include "ecosystems/lang/lang_common.h"
#include "ecosystems/python/pep440.h"
#include "ecosystems/ruby/gem_version.h"

namespace {
template <typename Cmp>
void Check(std::string_view a, std::string_view b, Cmp cmp) {
  auto x = cmp(a, b), y = cmp(b, a), z = cmp(a, a);
  if (x.ok() != y.ok()) std::abort();
  if (x.ok() && ((*x < 0) != (*y > 0) || (*x == 0) != (*y == 0))) std::abort();
  if (z.ok() && *z != 0) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string_view a = in.substr(0, cut), b = cut == std::string_view::npos ? in : in.substr(cut + 1);
  Check(a, b, lucid::python::ComparePep440Strings);
  Check(a, b, lucid::java::CompareMavenStrings);
  Check(a, b, lucid::ruby::CompareGemStrings);
  Check(a, b, lucid::gobin::CompareGoVersions);
  if (auto v = lucid::python::Pep440Version::Parse(a); v.ok()) {
    auto again = lucid::python::Pep440Version::Parse(v->str());  // canonical form round-trips
    if (!again.ok() || again->str() != v->str()) std::abort();
  }
  (void)lucid::lang::ParseOsvQuery(in);
  return 0;
}
