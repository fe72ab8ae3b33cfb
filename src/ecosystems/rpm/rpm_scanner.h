// The "rpm" package scanner: every rpm database in a layer (bdb Packages,
// rpmdb.sqlite, ndb Packages.db) read through librpm (see rpmdb.h). The
// packages carry no distribution of their own; the coalescer ties them to
// the layer's os-release and introducing layer like dpkg and apk packages.
#pragma once

#include <memory>
#include <string_view>

#include "ecosystems/rpm/rpmdb.h"
#include "indexer/scanner.h"

namespace lucid::rpm {

inline constexpr std::string_view kScannerName = "rpm";

// One header as a package (ecosystems.md §3.3): version = EVR without a 0
// epoch, source from SOURCERPM (its file name has no epoch), module = the
// first two fields of MODULARITYLABEL, repository hint = URL-encoded
// "hash=sha256:<payload digest>&key=<signer key id>" (parts present only).
Package PackageFromHeader(const HeaderInfo& h, std::string_view package_db);

std::shared_ptr<const indexer::Scanner> NewRpmScanner();

}  // namespace lucid::rpm
