// Clair's normalized severity scale, in ascending order.
#pragma once

#include <string_view>

namespace lucid {

enum class Severity { kUnknown = 0, kNegligible, kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity s);
// Accepts exactly the six Clair words; anything else is kUnknown.
Severity ParseSeverity(std::string_view s);

}  // namespace lucid
