#include "ecosystems/gobin/gobin.h"

#include "ecosystems/gobin/gobin_scanner.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::gobin {

std::shared_ptr<const matcher::Matcher> NewMatcher() {
  lang::LangMatcherSpec spec;
  spec.name = "gobin";
  spec.repository = "go";
  spec.compare = CompareGoVersions;
  spec.vector = GoMatchVector;
  return lang::NewLangMatcher(std::move(spec));
}

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "gobin";
  e.scanners = {NewGobinScanner()};
  e.matchers = {NewMatcher()};
  return e;
}

}  // namespace lucid::gobin
