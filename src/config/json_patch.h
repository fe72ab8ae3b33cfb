// JSON merge patch (RFC 7386) and JSON Patch (RFC 6902) over Boost.JSON,
// used to apply configuration drop-ins.
#pragma once

#include <boost/json/value.hpp>

#include "base/status.h"

namespace lucid::config {

// RFC 7386: objects merge recursively, null deletes, everything else replaces.
void ApplyMergePatch(boost::json::value& target, const boost::json::value& patch);

// RFC 6902: `patch` must be an array of operations (add, remove, replace,
// move, copy, test). Stops at the first failing operation; `target` may then
// be partially modified.
Status ApplyJsonPatch(boost::json::value& target, const boost::json::value& patch);

}  // namespace lucid::config
