// Renders reports for people (table) and programs (Lucid JSON, Clair JSON).
#pragma once

#include <string>

#include "core/model.h"

namespace lucid::cli {

enum class OutputFormat { kTable, kJson, kClair };

// One row per (package, vulnerability), most severe first, then a summary
// and, when the index found less than expected, the reasons why.
std::string RenderTable(const VulnerabilityReport& report, const std::string& image);
std::string RenderLucidJson(const VulnerabilityReport& report, const std::string& image);
std::string RenderClairJson(const VulnerabilityReport& report);

// A failed index (the stored report's err and per-layer notes): Lucid JSON
// with "success": false, or note lines for the table's stderr message.
std::string RenderFailureJson(const IndexReport& failed, const std::string& image);
std::string RenderNotes(const std::vector<ScanNote>& notes);

}  // namespace lucid::cli
