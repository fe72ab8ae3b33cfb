// The Alpine ecosystem: the apk package scanner, the Alpine distribution
// scanner, the secdb updater set and the Alpine matcher.
#pragma once

#include "ecosystems/registry.h"

namespace lucid::alpine {

ecosystems::Ecosystem MakeEcosystem();

}  // namespace lucid::alpine
