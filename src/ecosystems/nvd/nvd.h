// The "clair.cvss" enrichment set: NVD's yearly CVE feeds (JSON 2.0, or the
// retired 1.1 feeds when feed_root points at them), fingerprinted by the
// SHA-256 of each year's .meta, parsed as a stream, one enrichment record
// (the CVSS v3 cvssData object, tagged with the CVE id) per scored CVE; and
// the enricher that attaches those records to vulnerability reports.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/io.h"
#include "ecosystems/registry.h"
#include "matcher/enricher.h"
#include "updater/updater.h"

namespace lucid::nvd {

inline constexpr std::string_view kSetName = "clair.cvss";
inline constexpr std::string_view kDefaultFeedRoot = "https://nvd.nist.gov/feeds/json/cve/2.0/";
inline constexpr std::string_view kEnrichmentType =
    "message/vnd.clair.map.vulnerability; enricher=clair.cvss "
    "schema=https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema";

struct UpdaterConfig {
  std::string feed_root = std::string(kDefaultFeedRoot);  // ends with '/'
  // "2.0" or "1.1". When not configured: "1.1" if feed_root has a /1.1/
  // segment, else "2.0", falling back to 1.1 names when no 2.0 feed exists.
  std::string feed_version;
  bool feed_version_configured = false;
  int first_year = 2002;
  int last_year = 0;  // 0 = the current year
};
Result<UpdaterConfig> ParseUpdaterConfig(const std::string& config_json);

// Streams one feed document (1.1 "CVE_Items" or 2.0 / API "vulnerabilities")
// into `sink`. Corrupt on malformed input.
Status ParseFeed(Reader& in, updater::EnrichmentSink* sink, int64_t* records = nullptr);

// Upper-cased CVE ids ("CVE-2024-0001") found in `text` (cve[-_]YYYY[-_]N{4,},
// case-insensitive), in order of appearance, without duplicates.
std::vector<std::string> FindCveIds(std::string_view text);

std::shared_ptr<const updater::UpdaterSetFactory> NewUpdaterSetFactory();
std::shared_ptr<const matcher::Enricher> NewCvssEnricher();
ecosystems::Ecosystem MakeEcosystem();

}  // namespace lucid::nvd
