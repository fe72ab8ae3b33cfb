#include "ecosystems/debian/debian.h"

#include "ecosystems/debian/distribution_scanner.h"
#include "ecosystems/debian/dpkg_scanner.h"
#include "ecosystems/debian/matcher.h"
#include "ecosystems/debian/updater.h"

namespace lucid::debian {

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "debian";
  e.scanners = {NewDpkgScanner(), NewDistrolessScanner(), NewDistributionScanner()};
  e.matchers = {NewMatcher()};
  e.updater_sets = {NewUpdaterSetFactory()};
  return e;
}

}  // namespace lucid::debian
