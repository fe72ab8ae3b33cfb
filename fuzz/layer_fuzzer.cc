// libFuzzer entry point for the layer reader: arbitrary bytes are fed to
// layer::ScanLayer as a layer blob (gzip / zstd / plain tar chosen by magic),
// with digest checking disabled (empty expected digest) and small limits so
// that bombs are cut short. A session wants every regular file and reads it
// fully, so content paths, link delivery (second pass) and buffering for two
// sessions are all exercised. Any crash, hang or unbounded allocation is a bug.
//
// Build (wired by the lead under LUCID_BUILD_FUZZ, clang only):
//   add_executable(layer_fuzzer layer_fuzzer.cc)
//   target_compile_options(layer_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
//   target_link_options(layer_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
//   target_link_libraries(layer_fuzzer PRIVATE lucid_layer)
// Seeds: crafted tars (e.g. from tests/testing/archive_builder) and the small
// debian-app layer 3 blob in shared/images/oci/blobs/sha256/ff4f90be....
#include <cstddef>
#include <cstdint>
#include <string>

#include "layer/layer_reader.h"
#include "layer/whiteout_scanner.h"

namespace {

class ReadEverything final : public lucid::indexer::ScanSession {
 public:
  bool Wants(const lucid::indexer::FileEntry&) override { return true; }
  lucid::Status Consume(const lucid::indexer::FileEntry&, lucid::Reader& r) override {
    char buf[4096];
    while (true) {
      auto n = r.Read(buf, sizeof buf);
      if (!n.ok()) return n.status();
      if (*n == 0) return lucid::Status::Ok();
    }
  }
  lucid::Status Finish(const lucid::indexer::LayerFiles&, lucid::indexer::LayerArtifacts*) override {
    return lucid::Status::Ok();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string blob(reinterpret_cast<const char*>(data), size);
  lucid::layer::BlobOpener open = [&blob]() -> lucid::Result<std::unique_ptr<lucid::Reader>> {
    return std::unique_ptr<lucid::Reader>(new lucid::StringReader(blob));
  };
  lucid::layer::LayerLimits limits;
  limits.max_uncompressed_bytes = 64u << 20;
  limits.ratio_check_after = 1u << 20;
  limits.max_entries = 100000;
  ReadEverything a, b;
  lucid::layer::WhiteoutScanner ws;
  auto whiteouts = ws.NewSession();
  lucid::indexer::LayerFiles files;
  lucid::Status s = lucid::layer::ScanLayer(open, lucid::Digest(), {&a, &b, whiteouts.get()}, &files, limits);
  if (s.ok()) {
    lucid::indexer::LayerArtifacts out;
    (void)whiteouts->Finish(files, &out);
  }
  return 0;
}
