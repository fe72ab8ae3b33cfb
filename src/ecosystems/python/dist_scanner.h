// "python": installed Python distributions, from *.dist-info/METADATA,
// *.egg-info/PKG-INFO (or a bare *.egg-info file) and *.egg/EGG-INFO/PKG-INFO
// anywhere in a layer (site-packages, dist-packages, virtualenvs).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::python {

struct DistMetadata {
  std::string name;     // as written
  std::string version;  // as written
};

// Reads Name and Version from the RFC 822 header block of a METADATA /
// PKG-INFO document (the body after the first blank line is ignored).
std::optional<DistMetadata> ParseMetadata(std::string_view text);

// PEP 503: lower case, runs of "-", "_", "." become one "-".
std::string NormalizeName(std::string_view name);

std::shared_ptr<const indexer::Scanner> NewDistScanner();

}  // namespace lucid::python
