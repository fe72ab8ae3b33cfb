#include "ecosystems/alpine/alpine.h"

#include "ecosystems/alpine/apk_scanner.h"
#include "ecosystems/alpine/distribution_scanner.h"
#include "ecosystems/alpine/matcher.h"
#include "ecosystems/alpine/updater.h"

namespace lucid::alpine {

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "alpine";
  e.scanners = {NewApkScanner(), NewDistributionScanner()};
  e.matchers = {NewMatcher()};
  e.updater_sets = {NewUpdaterSetFactory()};
  return e;
}

}  // namespace lucid::alpine
