// Matcher plug-in interface (claircore's driver.Matcher split): the store does
// the coarse filtering by package name and the equality constraints a matcher
// asks for; the matcher keeps only the ecosystem-specific decision.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/model.h"

namespace lucid::matcher {

// One (package, distribution, repository) triple of an index report.
struct IndexRecord {
  std::string package_id;
  const Package* package = nullptr;
  const Distribution* distribution = nullptr;  // may be null
  const Repository* repository = nullptr;      // may be null
};

// Columns the store must match exactly between the record and the stored
// vulnerability, in addition to the package name/kind (binary name OR source
// name).
enum class Constraint {
  kDistributionDid,
  kDistributionName,
  kDistributionVersion,
  kDistributionVersionId,
  kDistributionVersionCodeName,
  kDistributionPrettyName,
  kRepositoryName,
  kRepositoryKey,
  kPackageModule,
};

class Matcher {
 public:
  virtual ~Matcher() = default;
  virtual std::string_view name() const = 0;
  // Is this matcher interested in the record at all?
  virtual bool Filter(const IndexRecord& record) const = 0;
  virtual std::vector<Constraint> Query() const = 0;
  // The final decision for one candidate. An error aborts this matcher's run
  // for the report (as claircore does for unparsable dpkg versions).
  virtual Result<bool> Vulnerable(const IndexRecord& record, const Vulnerability& vuln) const = 0;
};

}  // namespace lucid::matcher
