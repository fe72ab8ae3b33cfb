// Constructors of the concrete image sources (see image_source.h for the syntax).
#pragma once

#include <memory>
#include <string>

#include "image/image_source.h"

namespace lucid::image {

std::unique_ptr<ImageSource> NewOciLayoutSource(std::string dir, std::string tag, SourceOptions options);
std::unique_ptr<ImageSource> NewDockerArchiveSource(std::string file, std::string ref, SourceOptions options);
Result<std::unique_ptr<ImageSource>> NewRegistrySource(std::string_view reference, SourceOptions options);

}  // namespace lucid::image
