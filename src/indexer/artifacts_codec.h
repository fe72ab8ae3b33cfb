// Serialisation of LayerArtifacts for the store (Lucid JSON; internal fields
// included). The encoding is versioned by the scanner key under which it is
// stored, so a format change comes with a scanner version bump.
#pragma once

#include <string>

#include "base/result.h"
#include "indexer/scanner.h"

namespace lucid::indexer {

std::string EncodeArtifacts(const LayerArtifacts& a);
Result<LayerArtifacts> DecodeArtifacts(std::string_view text);

}  // namespace lucid::indexer
