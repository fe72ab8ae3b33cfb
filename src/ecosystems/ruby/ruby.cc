#include "ecosystems/ruby/ruby.h"

#include "ecosystems/lang/lang_common.h"
#include "ecosystems/ruby/gem_version.h"
#include "ecosystems/ruby/gemspec_scanner.h"

namespace lucid::ruby {

std::shared_ptr<const matcher::Matcher> NewMatcher() {
  lang::LangMatcherSpec spec;
  spec.name = "ruby-gem";
  spec.repository = "rubygems";
  spec.compare = CompareGemStrings;
  return lang::NewLangMatcher(std::move(spec));
}

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "ruby";
  e.scanners = {NewGemspecScanner()};
  e.matchers = {NewMatcher()};
  return e;
}

}  // namespace lucid::ruby
