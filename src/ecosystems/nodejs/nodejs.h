// The Node.js ecosystem: the node_modules scanner and the npm matcher (OSV
// "npm" vulnerabilities, SEMVER ranges). The OSV updater lives in ../osv.
#pragma once

#include <memory>

#include "ecosystems/registry.h"

namespace lucid::nodejs {

ecosystems::Ecosystem MakeEcosystem();
std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::nodejs
