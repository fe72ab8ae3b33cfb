#include "ecosystems/rpm/rpm.h"

#include "ecosystems/rpm/rpm_scanner.h"

namespace lucid::rpm {

ecosystems::Ecosystem MakeEcosystem() {
  ecosystems::Ecosystem e;
  e.name = "rpm";
  e.scanners = {NewRpmScanner()};
  return e;
}

}  // namespace lucid::rpm
