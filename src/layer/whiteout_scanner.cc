#include "layer/whiteout_scanner.h"

#include "layer/whiteout.h"

namespace lucid::layer {

namespace {
// Whiteouts are found from the member list in Finish(); no content is needed.
class WhiteoutSession final : public indexer::ScanSession {
 public:
  bool Wants(const indexer::FileEntry&) override { return false; }
  Status Consume(const indexer::FileEntry&, Reader&) override { return Status::Ok(); }
  Status Finish(const indexer::LayerFiles& files, indexer::LayerArtifacts* out) override {
    for (const auto& [path, entry] : files.entries()) {
      if (entry.type != indexer::EntryType::kDirectory && IsWhiteoutPath(path)) out->whiteouts.push_back(path);
    }
    return Status::Ok();
  }
};
}  // namespace

std::unique_ptr<indexer::ScanSession> WhiteoutScanner::NewSession() const {
  return std::make_unique<WhiteoutSession>();
}

}  // namespace lucid::layer
