// "ruby": installed gems, from the <gemdir>/specifications/*.gemspec
// files RubyGems writes at install time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::ruby {

struct GemSpec {
  std::string name;
  std::string version;
};

// Reads "<x>.name = <token>" and "<x>.version = <token>" lines (the token
// loses ".freeze" and its quotes). nullopt without both.
std::optional<GemSpec> ParseGemspec(std::string_view text);

bool IsInstalledGemspec(std::string_view path);

std::shared_ptr<const indexer::Scanner> NewGemspecScanner();

}  // namespace lucid::ruby
