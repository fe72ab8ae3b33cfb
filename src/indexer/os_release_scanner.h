// The built-in "os-release" observation scanner: records what a layer's
// os-release says (ID, NAME, VERSION_ID, PRETTY_NAME) whatever the
// distribution, so that coalescing can explain an image no distribution
// scanner recognised ("distribution 'arch' (Arch Linux) is not supported")
// or one without any os-release. Its results are observations, never
// distributions or notes of the report: one Distribution with the raw values
// and one note (code kOsReleaseObservedCode) carrying the file's path.
// Added by the Indexer like the whiteout scanner.
#pragma once

#include <memory>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::indexer {

inline constexpr std::string_view kOsReleaseScannerName = "os-release";
inline constexpr std::string_view kOsReleaseObservedCode = "os-release-observed";

class OsReleaseScanner final : public Scanner {
 public:
  std::string_view name() const override { return kOsReleaseScannerName; }
  std::string_view version() const override { return "1"; }
  ScannerKind kind() const override { return ScannerKind::kFile; }
  std::unique_ptr<ScanSession> NewSession() const override;
};

}  // namespace lucid::indexer
