// CVSS base scores from vector strings (v2 and v3.x), and the score-to-
// severity thresholds claircore applies to OSV advisories (ecosystems.md §8).
#pragma once

#include <optional>
#include <string_view>

#include "core/severity.h"

namespace lucid::osv {

// Base score of a CVSS v3.0/v3.1 ("CVSS:3.x/AV:..") or v2 ("AV:N/AC:L/Au:N/..")
// vector; nullopt when the vector is malformed or of another version.
std::optional<double> CvssV3BaseScore(std::string_view vector);
std::optional<double> CvssV2BaseScore(std::string_view vector);

// 0 -> Negligible, < 4 Low, < 7 Medium, < 9 High, >= 9 Critical.
Severity SeverityForScore(double score);

}  // namespace lucid::osv
