// The Go ecosystem: the Go-binary scanner and the "gobin" matcher (OSV "Go"
// vulnerabilities, SEMVER ranges).
#pragma once

#include <memory>

#include "ecosystems/registry.h"

namespace lucid::gobin {

ecosystems::Ecosystem MakeEcosystem();
std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::gobin
