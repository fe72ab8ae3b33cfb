#include "ecosystems/java/java.h"

#include "ecosystems/java/jar_scanner.h"
#include "ecosystems/java/maven_version.h"
#include "ecosystems/lang/lang_common.h"

namespace lucid::java {

std::shared_ptr<const matcher::Matcher> NewMatcher() {
  lang::LangMatcherSpec spec;
  spec.name = "java-maven";
  spec.repository = "maven";
  spec.compare = CompareMavenStrings;
  return lang::NewLangMatcher(std::move(spec));
}

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "java";
  e.scanners = {NewJarScanner()};
  e.matchers = {NewMatcher()};
  return e;
}

}  // namespace lucid::java
