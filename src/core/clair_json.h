// Clair v1 JSON encoding of the core model (contract §1.8), and Lucid's own
// richer JSON (the same documents plus internal fields and scan notes).
//
// Kept out of model.h so that only the modules that speak JSON pay for
// Boost.JSON's headers.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "base/result.h"
#include "core/model.h"

namespace lucid::json {

struct EncodeOptions {
  // Lucid's own JSON: adds package_db/filepath/os_managed and "notes".
  bool lucid_extras = false;
};

boost::json::value EncodePackage(const Package& p, const std::string& id, const std::string& source_id,
                                 const EncodeOptions& o = {});
boost::json::value EncodeDistribution(const Distribution& d, const std::string& id);
boost::json::value EncodeRepository(const Repository& r, const std::string& id);
boost::json::value EncodeEnvironment(const Environment& e);
boost::json::value EncodeVulnerability(const Vulnerability& v, const EncodeOptions& o = {});
boost::json::value EncodeIndexReport(const IndexReport& r, const EncodeOptions& o = {});
boost::json::value EncodeVulnerabilityReport(const VulnerabilityReport& r, const EncodeOptions& o = {});
boost::json::value EncodeManifest(const Manifest& m);
boost::json::value EncodeUpdateOperation(const UpdateOperation& u);
boost::json::value EncodeNote(const ScanNote& n);

std::string Serialize(const boost::json::value& v);
std::string Pretty(const boost::json::value& v);

// Decoding (request bodies and stored documents). Unknown keys are ignored.
Result<Manifest> DecodeManifest(std::string_view text);
Result<IndexReport> DecodeIndexReport(std::string_view text);
Result<Vulnerability> DecodeVulnerability(const boost::json::value& v);
Result<Package> DecodePackage(const boost::json::value& v);
Result<Distribution> DecodeDistribution(const boost::json::value& v);
Result<Repository> DecodeRepository(const boost::json::value& v);
Result<boost::json::value> Parse(std::string_view text);

// "" -> Go's zero time, as Clair emits it.
std::string TimeOrZero(const std::string& rfc3339);

}  // namespace lucid::json
