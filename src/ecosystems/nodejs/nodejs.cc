#include "ecosystems/nodejs/nodejs.h"

#include "core/semver.h"
#include "ecosystems/lang/lang_common.h"
#include "ecosystems/nodejs/package_json_scanner.h"

namespace lucid::nodejs {

std::shared_ptr<const matcher::Matcher> NewMatcher() {
  lang::LangMatcherSpec spec;
  spec.name = "nodejs";
  spec.repository = "npm";
  spec.compare = [](std::string_view a, std::string_view b) -> Result<int> {
    LUCID_ASSIGN_OR_RETURN(Semver x, Semver::Parse(a));
    LUCID_ASSIGN_OR_RETURN(Semver y, Semver::Parse(b));
    return CompareSemver(x, y);
  };
  spec.vector = [](std::string_view v) {
    auto sv = Semver::Parse(v);
    return sv.ok() ? SemverVector(*sv) : NormalizedVersion{};
  };
  return lang::NewLangMatcher(std::move(spec));
}

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "nodejs";
  e.scanners = {NewPackageJsonScanner()};
  e.matchers = {NewMatcher()};
  return e;
}

}  // namespace lucid::nodejs
