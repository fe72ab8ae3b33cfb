// The Java ecosystem: the archive scanner and the "java-maven" matcher (OSV
// "Maven" vulnerabilities, Maven version ordering).
#pragma once

#include <memory>

#include "ecosystems/registry.h"

namespace lucid::java {

ecosystems::Ecosystem MakeEcosystem();
std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::java
