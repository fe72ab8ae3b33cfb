// "debian-matcher": Debian records against tracker vulnerabilities (which are
// source-kind, so the store finds them through the binary's source name).
#pragma once

#include <memory>

#include "matcher/matcher.h"

namespace lucid::debian {

std::shared_ptr<const matcher::Matcher> NewMatcher();

}  // namespace lucid::debian
