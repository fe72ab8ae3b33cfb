// The Python ecosystem: the installed-distribution scanner and the "python"
// matcher (OSV "PyPI" vulnerabilities, PEP 440 ordering).
#pragma once

#include <memory>

#include "ecosystems/registry.h"

namespace lucid::python {

ecosystems::Ecosystem MakeEcosystem();
std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::python
