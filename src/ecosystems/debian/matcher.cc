#include "ecosystems/debian/matcher.h"

#include "ecosystems/debian/dpkg_version.h"

namespace lucid::debian {
namespace {

class DebianMatcher final : public matcher::Matcher {
 public:
  std::string_view name() const override { return "debian-matcher"; }

  bool Filter(const matcher::IndexRecord& r) const override {
    if (r.package == nullptr || r.distribution == nullptr) return false;
    return r.distribution->did == "debian" || r.distribution->name == "Debian GNU/Linux";
  }

  std::vector<matcher::Constraint> Query() const override {
    return {matcher::Constraint::kDistributionDid, matcher::Constraint::kDistributionName,
            matcher::Constraint::kDistributionVersionId};
  }

  Result<bool> Vulnerable(const matcher::IndexRecord& r, const Vulnerability& v) const override {
    if (v.fixed_in_version.empty()) return true;  // open: every version is affected
    if (v.fixed_in_version == "0") return false;  // the tracker's "not affected"
    if (r.package == nullptr) return InvalidArgument("debian-matcher: record without a package");
    auto cmp = CompareDpkgVersionStrings(r.package->version, v.fixed_in_version);
    if (!cmp.ok()) return cmp.status().WithContext("debian-matcher: " + v.name);
    return *cmp < 0;
  }
};

}  // namespace

std::shared_ptr<const matcher::Matcher> NewMatcher() { return std::make_shared<DebianMatcher>(); }

}  // namespace lucid::debian
