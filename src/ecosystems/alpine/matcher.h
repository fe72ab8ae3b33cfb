// "alpine-matcher": Alpine records against secdb vulnerabilities (source
// kind, found by the store through the binary's origin name). Constraints
// include the pretty name, so every release only sees its own advisories.
#pragma once

#include <memory>

#include "matcher/matcher.h"

namespace lucid::alpine {

std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::alpine
