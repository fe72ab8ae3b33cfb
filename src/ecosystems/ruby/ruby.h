// The Ruby ecosystem: the gemspec scanner and the "ruby-gem" matcher (OSV
// "RubyGems" vulnerabilities, Gem::Version ordering).
#pragma once

#include <memory>

#include "ecosystems/registry.h"

namespace lucid::ruby {

ecosystems::Ecosystem MakeEcosystem();
std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::ruby
