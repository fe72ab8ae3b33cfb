// Debian releases known offline (codename <-> version id) and the canonical
// Distribution claircore emits for them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"

namespace lucid::debian {

struct Release {
  std::string_view codename;
  std::string_view version_id;  // "12", or "3.1" for pre-etch releases
};

std::optional<Release> ReleaseByCodename(std::string_view codename);
std::optional<Release> ReleaseByVersionId(std::string_view version_id);

// {did debian, name "Debian GNU/Linux", version_id, version "<id> (<codename>)",
//  version_code_name, pretty_name "Debian GNU/Linux <id> (<codename>)"}.
Distribution CanonicalDistribution(std::string_view version_id, std::string_view codename);

// The Debian tracker's urgency, shifted one step up as claircore does:
// unimportant->Low, low->Medium, medium->High, high->Critical, else Unknown.
Severity NormalizeUrgency(std::string_view urgency);

}  // namespace lucid::debian
