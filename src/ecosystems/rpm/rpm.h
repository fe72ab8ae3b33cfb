// The rpm ecosystem: the rpm package scanner over rpm databases (RHEL,
// Fedora, SUSE, Oracle, Photon, Amazon images) and the rpm version scheme.
// No updater or matcher yet: RHEL's VEX and the OVAL feeds come later.
#pragma once

#include "ecosystems/registry.h"

namespace lucid::rpm {

ecosystems::Ecosystem MakeEcosystem();

}  // namespace lucid::rpm
