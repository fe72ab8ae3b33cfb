// lucid_layer_bench: how much slower is indexing a gzip layer than gunzip?
//   (a) `gzip -dc LAYER > /dev/null`
//   (b) ScanLayer with the whiteout scanner plus a session that buffers
//       var/lib/dpkg/status and usr/lib/os-release.
// Prints the best-of-N seconds of each and the ratio (b)/(a) (target <= 1.3).
//   lucid_layer_bench [LAYER_BLOB [REPETITIONS]]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/digest.h"
#include "layer/layer_reader.h"
#include "layer/whiteout_scanner.h"

namespace {

using Clock = std::chrono::steady_clock;

class BufferSession final : public lucid::indexer::ScanSession {
 public:
  bool Wants(const lucid::indexer::FileEntry& e) override {
    return e.path == "var/lib/dpkg/status" || e.path == "usr/lib/os-release";
  }
  lucid::Status Consume(const lucid::indexer::FileEntry&, lucid::Reader& r) override {
    auto d = lucid::ReadAll(r, lucid::indexer::kMaxBufferedFile);
    if (!d.ok()) return d.status();
    bytes += d->size();
    return lucid::Status::Ok();
  }
  lucid::Status Finish(const lucid::indexer::LayerFiles&, lucid::indexer::LayerArtifacts*) override {
    return lucid::Status::Ok();
  }
  size_t bytes = 0;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string layer =
      argc > 1 ? argv[1]
               : std::string(LUCID_SHARED_DIR) +
                     "/images/oci/blobs/sha256/98f6f51d700cb33d69a2440b9978f0e96d7d850acf3fe5d316f1e7c00a5dd1af";
  int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  auto slash = layer.rfind('/');
  auto digest = lucid::Digest::Parse("sha256:" + layer.substr(slash + 1));
  lucid::Digest expected = digest.ok() ? *digest : lucid::Digest();

  double best_gzip = 1e9, best_scan = 1e9;
  std::string cmd = "gzip -dc '" + layer + "' > /dev/null";
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "gzip -dc failed\n");
      return 1;
    }
    best_gzip = std::min(best_gzip, Seconds(Clock::now() - t0));

    lucid::layer::WhiteoutScanner ws;
    auto wsession = ws.NewSession();
    BufferSession buf;
    lucid::indexer::LayerFiles files;
    lucid::layer::LayerStats stats;
    t0 = Clock::now();
    lucid::Status s = lucid::layer::ScanLayerFile(layer, expected, {wsession.get(), &buf}, &files, {}, &stats);
    lucid::indexer::LayerArtifacts out;
    if (s.ok()) s = wsession->Finish(files, &out);
    double took = Seconds(Clock::now() - t0);
    if (!s.ok()) {
      std::fprintf(stderr, "ScanLayer: %s\n", s.ToString().c_str());
      return 1;
    }
    best_scan = std::min(best_scan, took);
    std::printf("rep %d: gzip -dc %.3fs, ScanLayer %.3fs (%llu entries, %zu bytes buffered, %d pass)\n", i, best_gzip,
                took, static_cast<unsigned long long>(stats.entries), buf.bytes, stats.passes);
  }
  std::printf("best: gzip -dc %.3fs, ScanLayer %.3fs, ratio %.2f (target <= 1.30)\n", best_gzip, best_scan,
              best_scan / best_gzip);
  return 0;
}
