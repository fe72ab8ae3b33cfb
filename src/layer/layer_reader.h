// The layer reader: streams one layer blob (tar, tar+gzip or tar+zstd, chosen
// by magic bytes) exactly once through libarchive, verifies its digest, records
// every member in LayerFiles and offers regular files to scanner sessions.
//
//   auto open = [&] { return OpenBlob(digest); };     // re-openable blob source
//   LayerFiles files;
//   Status s = layer::ScanLayer(open, digest, sessions, &files);
//   for (auto* s : sessions) s->Finish(files, &artifacts);
//
// Guarantees:
//  - Nothing is unpacked to disk and no layer is buffered whole. A file that
//    several sessions want is buffered once (in memory up to 64 MiB, else in a
//    temporary file) so that each Consume() gets its own Reader.
//  - The SHA-256/512 of the compressed bytes is computed inside libarchive's
//    read callback; after the tar end the rest of the blob is drained and
//    hashed too. Mismatch -> Corrupt naming expected and actual digests. An
//    empty `expected` digest disables the check (fuzzing, unknown digests).
//  - Paths are normalised: "./" and leading "/" stripped, "." and ".."
//    collapsed (a name that climbs above the root is an error naming it),
//    invalid UTF-8 escaped (SanitizeUtf8), and parents that are symlinked
//    directories earlier in the same layer resolved. Duplicate members: the
//    last one wins in LayerFiles; a session may see Consume() for the same
//    path more than once and must keep the last.
//  - Hard links whose target is absolute or escapes the root are errors.
//  - After the first pass, every symlink/hardlink whose target resolves to a
//    regular file of this layer is offered via Wants() with the link's path,
//    type and link_target, and size/mode of the target. If any session wants
//    one, a second pass over a freshly opened blob delivers the target's bytes
//    under the link's path. Symlink loops fail with Corrupt naming the path.
//  - Limits (LayerLimits) fail with TooLarge; corrupt/truncated gzip, zstd or
//    tar fail with Corrupt carrying libarchive's message.
//  - ScanLayer does not call Finish(): the caller calls it on each session
//    with `*files` once ScanLayer returned OK (and discards the sessions'
//    results otherwise, e.g. on a digest mismatch found at the end).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "core/digest.h"
#include "indexer/scanner.h"

namespace lucid::layer {

struct LayerLimits {
  uint64_t max_uncompressed_bytes = 16ull << 30;  // tar bytes after decompression
  // Once this many bytes were decompressed, a ratio above max_ratio:1 is a bomb.
  uint64_t ratio_check_after = 1ull << 30;
  uint64_t max_ratio = 1000;
  uint64_t max_entries = 5'000'000;
  uint64_t max_path_bytes = 64 * 1024;
};

struct LayerStats {
  std::string compression;        // "gzip", "zstd" or "none"
  Digest actual;                  // digest of the compressed bytes (when checked)
  uint64_t compressed_bytes = 0;  // bytes read from the blob in the first pass
  uint64_t uncompressed_bytes = 0;
  uint64_t entries = 0;
  uint64_t delivered_files = 0;  // Consume() calls
  int passes = 0;
};

using BlobOpener = std::function<Result<std::unique_ptr<Reader>>()>;

Status ScanLayer(const BlobOpener& open, const Digest& expected, const std::vector<indexer::ScanSession*>& sessions,
                 indexer::LayerFiles* files, const LayerLimits& limits = {}, LayerStats* stats = nullptr);

// Convenience: a layer blob in a local file.
Status ScanLayerFile(const std::string& path, const Digest& expected,
                     const std::vector<indexer::ScanSession*>& sessions, indexer::LayerFiles* files,
                     const LayerLimits& limits = {}, LayerStats* stats = nullptr);

// Normalises a tar member name (see above). Returns "" for the root itself,
// InvalidArgument when ".." climbs above the root.
Result<std::string> NormalizeMemberPath(std::string_view name);

}  // namespace lucid::layer
