#include "ecosystems/alpine/matcher.h"

#include "ecosystems/alpine/apk_version.h"

namespace lucid::alpine {
namespace {

class AlpineMatcher final : public matcher::Matcher {
 public:
  std::string_view name() const override { return "alpine-matcher"; }

  bool Filter(const matcher::IndexRecord& r) const override {
    if (r.package == nullptr || r.distribution == nullptr) return false;
    return r.distribution->did == "alpine" || r.distribution->name == "Alpine Linux";
  }

  std::vector<matcher::Constraint> Query() const override {
    return {matcher::Constraint::kDistributionDid, matcher::Constraint::kDistributionName,
            matcher::Constraint::kDistributionPrettyName};
  }

  Result<bool> Vulnerable(const matcher::IndexRecord& r, const Vulnerability& v) const override {
    if (v.fixed_in_version.empty()) return true;  // no fix yet: every version is affected
    if (v.fixed_in_version == "0") return false;  // secdb's "never affected"
    if (r.package == nullptr) return false;
    // As claircore: a version apk cannot order is simply not a match.
    auto cmp = CompareApkVersions(r.package->version, v.fixed_in_version);
    if (!cmp.ok()) return false;
    return *cmp < 0;
  }
};

}  // namespace

std::shared_ptr<const matcher::Matcher> NewMatcher() { return std::make_shared<AlpineMatcher>(); }

}  // namespace lucid::alpine
