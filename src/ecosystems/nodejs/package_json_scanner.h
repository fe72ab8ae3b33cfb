// "nodejs": npm packages installed in node_modules trees. Every
// node_modules/[@scope/]name/package.json is a package (nested trees too);
// npm workspaces appear as node_modules/name symlinks to the workspace
// folder and are reported under the link. Lock files are never read: they
// describe what was meant to be installed, not what is there.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/scanner.h"

namespace lucid::nodejs {

struct PackageJson {
  std::string name;
  std::string version;
};

// Reads name/version from a package.json document; nullopt when it is not
// JSON or lacks either.
std::optional<PackageJson> ParsePackageJson(std::string_view text);

// Is `path` a package root's manifest: ".../node_modules/[@scope/]name/package.json"?
bool IsInstalledManifest(std::string_view path);

std::shared_ptr<const indexer::Scanner> NewPackageJsonScanner();

}  // namespace lucid::nodejs
