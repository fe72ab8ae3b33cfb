#include "ecosystems/python/python.h"

#include "ecosystems/lang/lang_common.h"
#include "ecosystems/python/dist_scanner.h"
#include "ecosystems/python/pep440.h"

namespace lucid::python {

std::shared_ptr<const matcher::Matcher> NewMatcher() {
  lang::LangMatcherSpec spec;
  spec.name = "python";
  spec.repository = "pypi";
  spec.compare = ComparePep440Strings;
  spec.vector = [](std::string_view s) {
    auto v = Pep440Version::Parse(s);
    return v.ok() ? Pep440Vector(*v) : NormalizedVersion{};
  };
  return lang::NewLangMatcher(std::move(spec));
}

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "python";
  e.scanners = {NewDistScanner()};
  e.matchers = {NewMatcher()};
  return e;
}

}  // namespace lucid::python
