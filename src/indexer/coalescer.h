// Coalescing: turns per-layer scanner results into one IndexReport.
//
// Rules (claircore's linux + language coalescers, unified):
//  * Packages are grouped by their evidence: the file path for file-backed
//    (language) packages, the package database path otherwise. For each
//    group the NEWEST layer that reports it defines the final set, because a
//    later layer rewrites the whole database or file.
//  * A group is dropped when a strictly later layer whites out its file or
//    database (".wh.NAME" or an opaque directory above it).
//  * introduced_in = the oldest layer with the same name+version in the
//    same group; the distribution is the one found in that layer, else the
//    nearest earlier layer with one, else the nearest later one.
//  * Repositories reported by a scanner in a layer attach to the packages
//    that scanner found in that layer.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "indexer/scanner.h"

namespace lucid::indexer {

struct ScannerResult {
  std::string scanner;  // scanner name
  LayerArtifacts artifacts;
};

struct LayerResults {
  Digest layer;
  std::vector<ScannerResult> results;
};

// Fills packages, distributions, repositories, environments, source_ids and
// notes of `report` (manifest_hash/state are left to the caller).
void Coalesce(const std::vector<LayerResults>& layers, IndexReport* report);

}  // namespace lucid::indexer
