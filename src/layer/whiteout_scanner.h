// The built-in "whiteout" file scanner: records the layer's ".wh.*" entries
// (including opaque ".wh..wh..opq") in LayerArtifacts::whiteouts so that
// later coalescing can hide what lower layers provided (see whiteout.h).
#pragma once

#include <memory>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::layer {

class WhiteoutScanner final : public indexer::Scanner {
 public:
  std::string_view name() const override { return "whiteout"; }
  std::string_view version() const override { return "1"; }
  indexer::ScannerKind kind() const override { return indexer::ScannerKind::kFile; }
  std::unique_ptr<indexer::ScanSession> NewSession() const override;
};

}  // namespace lucid::layer
