#include "core/severity.h"

namespace lucid {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kUnknown:
      return "Unknown";
    case Severity::kNegligible:
      return "Negligible";
    case Severity::kLow:
      return "Low";
    case Severity::kMedium:
      return "Medium";
    case Severity::kHigh:
      return "High";
    case Severity::kCritical:
      return "Critical";
  }
  return "Unknown";
}

Severity ParseSeverity(std::string_view s) {
  if (s == "Negligible") return Severity::kNegligible;
  if (s == "Low") return Severity::kLow;
  if (s == "Medium") return Severity::kMedium;
  if (s == "High") return Severity::kHigh;
  if (s == "Critical") return Severity::kCritical;
  return Severity::kUnknown;
}

}  // namespace lucid
