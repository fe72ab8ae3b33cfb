// Explanations for layers that could not be indexed: maps the error of one
// layer (fetch, media type/compression, size limits, corrupt data) to a
// ScanNote with a machine-readable code, kept in the failed IndexReport and
// logged. Codes: layer-fetch-failed, unsupported-compression,
// unsupported-media-type, layer-too-large, layer-corrupt, layer-scan-failed.
#pragma once

#include <string>

#include "base/result.h"
#include "core/model.h"

namespace lucid::indexer {

// `fetch_failed`: the error came from fetching the blob, not from reading it.
ScanNote ExplainLayerFailure(const Layer& layer, const Status& error, bool fetch_failed);

// Logs every note at info (manifest, layer, scanner, code, path) and counts
// it in lucid_indexer_notes_total{code}: Clair's JSON has no place for
// notes, so logs and metrics carry them for Clair-protocol clients.
void PublishNotes(const std::string& manifest, const std::vector<ScanNote>& notes);

}  // namespace lucid::indexer
