// The Debian ecosystem: dpkg and distroless package scanners, the Debian
// distribution scanner, the tracker updater set and the Debian matcher.
#pragma once

#include "ecosystems/registry.h"

namespace lucid::debian {

ecosystems::Ecosystem MakeEcosystem();

}  // namespace lucid::debian
