// The core model: what the indexer finds and what the matcher reports.
// Field names follow Clair's JSON (contract §1.8); the fields marked
// "internal" are never serialised in Clair format.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/severity.h"

namespace lucid {

enum class PackageKind { kUnknown, kBinary, kSource, kLayer, kAncestry };
std::string_view PackageKindName(PackageKind k);  // "" for kUnknown
PackageKind ParsePackageKind(std::string_view s);

// claircore's normalized version: a scheme name and ten int32 components,
// compared element-wise. Empty kind = none.
struct NormalizedVersion {
  std::string kind;
  std::array<int32_t, 10> v{};
  bool empty() const { return kind.empty(); }
  std::string str() const;                             // "" or "kind:v0.v1...v9"
  static NormalizedVersion Parse(std::string_view s);  // lenient: "" on junk
  auto operator<=>(const NormalizedVersion&) const = default;
};

struct SourcePackage {
  std::string name;
  std::string version;
  NormalizedVersion normalized_version;
  std::string cpe;
  bool empty() const { return name.empty() && version.empty(); }
  auto operator<=>(const SourcePackage&) const = default;
};

struct Package {
  std::string name;
  std::string version;
  PackageKind kind = PackageKind::kBinary;
  SourcePackage source;
  NormalizedVersion normalized_version;
  std::string module;
  std::string arch;
  std::string cpe;
  // internal: where the evidence was found.
  std::string package_db;  // e.g. "var/lib/dpkg/status", "nodejs:app/node_modules/x/package.json"
  std::string filepath;    // file whose removal (whiteout) removes the package
  std::string repository_hint;
  // internal: set when the OS package manager owns this language package.
  bool os_managed = false;
};

struct Distribution {
  std::string did;
  std::string name;
  std::string version;
  std::string version_code_name;
  std::string version_id;
  std::string arch;
  std::string cpe;
  std::string pretty_name;
  auto operator<=>(const Distribution&) const = default;
};

struct Repository {
  std::string name;
  std::string key;
  std::string uri;
  std::string cpe;
  auto operator<=>(const Repository&) const = default;
};

struct Layer {
  Digest hash;
  std::string uri;
  std::map<std::string, std::vector<std::string>> headers;
  std::string media_type;
};

struct Manifest {
  Digest hash;
  std::vector<Layer> layers;
};

struct Environment {
  std::string package_db;
  Digest introduced_in;
  std::string distribution_id;
  std::optional<std::vector<std::string>> repository_ids;  // nullopt -> null
};

// Why a layer (or the whole image) yielded less than expected. Lucid-only;
// surfaced in Lucid's JSON, the CLI table and, condensed, Clair's `err`.
struct ScanNote {
  std::string layer;    // digest, or "" for the image
  std::string scanner;  // e.g. "dpkg", "os-release"
  std::string code;     // machine-readable: no-os-release, unsupported-distribution, ...
  std::string message;
  std::string path;
};

enum class IndexState {
  kCheckManifest,
  kFetchLayers,
  kScanLayers,
  kCoalesce,
  kIndexManifest,
  kIndexError,
  kIndexFinished
};
std::string_view IndexStateName(IndexState s);
IndexState ParseIndexState(std::string_view s);

// Keys of the maps are document-local decimal ids.
struct IndexReport {
  Digest manifest_hash;
  IndexState state = IndexState::kCheckManifest;
  std::map<std::string, Package> packages;
  std::map<std::string, Distribution> distributions;
  std::map<std::string, Repository> repositories;
  std::map<std::string, std::vector<Environment>> environments;
  bool success = false;
  std::string err;
  // Lucid-only.
  std::vector<ScanNote> notes;
  // Source packages get their own ids (Clair emits them nested with an id).
  std::map<std::string, std::string> source_ids;  // package id -> source id
};

struct Range {
  std::string lower;  // normalized version string, inclusive
  std::string upper;  // exclusive
};

struct Vulnerability {
  std::string id;  // document-local
  std::string updater;
  std::string name;
  std::string description;
  std::string issued;  // RFC 3339, "" -> zero time
  std::string links;
  std::string severity;
  Severity normalized_severity = Severity::kUnknown;
  std::optional<Package> package;
  std::optional<Distribution> distribution;
  std::optional<Repository> repository;
  std::string fixed_in_version;
  std::optional<Range> range;
  std::string arch_op;
};

struct VulnerabilityReport {
  Digest manifest_hash;
  std::map<std::string, Package> packages;
  std::map<std::string, Distribution> distributions;
  std::map<std::string, Repository> repositories;
  std::map<std::string, std::vector<Environment>> environments;
  std::map<std::string, Vulnerability> vulnerabilities;
  std::map<std::string, std::vector<std::string>> package_vulnerabilities;
  // enrichment type -> raw JSON texts
  std::map<std::string, std::vector<std::string>> enrichments;
  std::map<std::string, std::string> source_ids;
  std::vector<ScanNote> notes;  // Lucid-only
};

struct UpdateOperation {
  std::string ref;  // UUID
  std::string updater;
  std::string fingerprint;
  std::string date;  // RFC 3339
  std::string kind;  // "vulnerability" | "enrichment"
};

}  // namespace lucid
