// lucid_lang_bench: how much slower is running the language scanners (npm,
// Python, Java, Go, Ruby) over a layer of many small files than merely
// listing the same tar with `tar -tzf`? Target: <= 1.5x.
//   lucid_lang_bench [LAYER_BLOB [REPETITIONS]]     default: the npm layer of debian-app
//   lucid_lang_bench --generate N [REPETITIONS]      a generated node_modules tree of N packages
// Prints the best-of-N seconds of each and the ratio.
#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/io.h"
#include "core/digest.h"
#include "ecosystems/gobin/gobin.h"
#include "ecosystems/java/java.h"
#include "ecosystems/nodejs/nodejs.h"
#include "ecosystems/python/python.h"
#include "ecosystems/ruby/ruby.h"
#include "layer/layer_reader.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Writes a tar.gz with `n` packages under app/node_modules (package.json,
// index.js, README.md, lib/util.js each), some scoped and nested, as npm
// leaves them.
bool Generate(const std::string& path, int n) {
  struct archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) return false;
  auto add = [&](const std::string& name, const std::string& body) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(body.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, body.data(), body.size());
    archive_entry_free(e);
  };
  std::string filler(600, 'x');
  for (int i = 0; i < n; ++i) {
    std::string name =
        i % 10 == 0 ? "@scope" + std::to_string(i % 7) + "/pkg" + std::to_string(i) : "pkg" + std::to_string(i);
    std::string dir = i % 13 == 0 ? "app/node_modules/pkg" + std::to_string(i - 1) + "/node_modules/" + name
                                  : "app/node_modules/" + name;
    add(dir + "/package.json", "{\n  \"name\": \"" + name + "\",\n  \"version\": \"1." + std::to_string(i % 50) +
                                   ".0\",\n  \"main\": \"index.js\",\n  \"license\": \"MIT\"\n}\n");
    add(dir + "/index.js", "module.exports = require('./lib/util');\n// " + filler + "\n");
    add(dir + "/lib/util.js", "exports.x = " + std::to_string(i) + ";\n// " + filler + "\n");
    add(dir + "/README.md", "# " + name + "\n" + filler + "\n");
  }
  archive_write_close(a);
  archive_write_free(a);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string layer;
  int reps = 5;
  std::unique_ptr<lucid::TempFile> generated;
  if (argc > 2 && std::strcmp(argv[1], "--generate") == 0) {
    auto tf = lucid::TempFile::Create("lucid-lang-bench");
    if (!tf.ok()) return 1;
    generated = std::make_unique<lucid::TempFile>(std::move(*tf));
    layer = generated->path();
    if (!Generate(layer, std::atoi(argv[2]))) {
      std::fprintf(stderr, "could not write %s\n", layer.c_str());
      return 1;
    }
    if (argc > 3) reps = std::atoi(argv[3]);
  } else {
    layer = argc > 1 ? argv[1]
                     : std::string(LUCID_SHARED_DIR) +
                           "/images/oci/blobs/sha256/a68a36452668078a33c53ed703678488af186f0df7553f84e2d66df100c96717";
    if (argc > 2) reps = std::atoi(argv[2]);
  }

  std::vector<std::shared_ptr<const lucid::indexer::Scanner>> scanners;
  for (const auto& e : {lucid::nodejs::MakeEcosystem(), lucid::python::MakeEcosystem(), lucid::java::MakeEcosystem(),
                        lucid::gobin::MakeEcosystem(), lucid::ruby::MakeEcosystem()}) {
    scanners.insert(scanners.end(), e.scanners.begin(), e.scanners.end());
  }

  double best_tar = 1e9, best_scan = 1e9;
  size_t packages = 0;
  lucid::layer::LayerStats stats;
  std::string cmd = "tar -tzf '" + layer + "' > /dev/null";
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "tar -tzf failed\n");
      return 1;
    }
    best_tar = std::min(best_tar, Seconds(Clock::now() - t0));

    t0 = Clock::now();
    std::vector<std::unique_ptr<lucid::indexer::ScanSession>> owned;
    std::vector<lucid::indexer::ScanSession*> sessions;
    for (const auto& s : scanners) {
      owned.push_back(s->NewSession());
      sessions.push_back(owned.back().get());
    }
    lucid::indexer::LayerFiles files;
    stats = {};
    lucid::Status st = lucid::layer::ScanLayerFile(layer, lucid::Digest(), sessions, &files, {}, &stats);
    if (!st.ok()) {
      std::fprintf(stderr, "scan failed: %s\n", st.ToString().c_str());
      return 1;
    }
    packages = 0;
    for (auto* s : sessions) {
      lucid::indexer::LayerArtifacts out;
      st = s->Finish(files, &out);
      if (!st.ok()) {
        std::fprintf(stderr, "finish failed: %s\n", st.ToString().c_str());
        return 1;
      }
      packages += out.packages.size();
    }
    best_scan = std::min(best_scan, Seconds(Clock::now() - t0));
  }
  std::printf("layer: %s\n  entries %llu, files delivered %llu, packages %zu\n", layer.c_str(),
              static_cast<unsigned long long>(stats.entries), static_cast<unsigned long long>(stats.delivered_files),
              packages);
  std::printf("  tar -tzf:           %.3f s (best of %d)\n", best_tar, reps);
  std::printf("  language scanners:  %.3f s (best of %d)\n", best_scan, reps);
  std::printf("  ratio: %.2fx (target <= 1.5x)\n", best_scan / best_tar);
  return 0;
}
