// "java": Java archives at any depth of a layer (see jar.h for what is read
// from them). Archives up to 256 MiB are held in memory while parsed, larger
// ones spooled to a temporary file; a ".jar" that is not a zip is skipped.
#pragma once

#include <memory>

#include "indexer/scanner.h"

namespace lucid::java {

std::shared_ptr<const indexer::Scanner> NewJarScanner();

}  // namespace lucid::java
