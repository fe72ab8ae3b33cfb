// Helpers shared by the Debian ecosystem tests.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "indexer/scanner.h"

namespace lucid::debian::testing {

inline std::string SharedDir() { return LUCID_SHARED_DIR; }

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fake layer: regular files with content, plus directories and symlinks.
struct FakeLayer {
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> symlinks;  // path -> target as written
  std::vector<std::string> dirs;

  indexer::LayerFiles Files() const {
    indexer::LayerFiles lf;
    for (const auto& [p, c] : files) lf.Add({p, indexer::EntryType::kRegular, c.size(), 0644, ""});
    for (const auto& [p, t] : symlinks) lf.Add({p, indexer::EntryType::kSymlink, 0, 0777, t});
    for (const auto& d : dirs) lf.Add({d, indexer::EntryType::kDirectory, 0, 0755, ""});
    return lf;
  }

  // Drives one session the way the layer reader does (links to regular
  // files deliver the target's bytes under the link's path).
  Status Scan(const indexer::Scanner& scanner, indexer::LayerArtifacts* out) const {
    auto session = scanner.NewSession();
    indexer::LayerFiles lf = Files();
    auto offer = [&](const std::string& path, const std::string& content) -> Status {
      indexer::FileEntry e{path, indexer::EntryType::kRegular, content.size(), 0644, ""};
      if (!session->Wants(e)) return Status::Ok();
      StringReader r(content);
      return session->Consume(e, r);
    };
    for (const auto& [p, c] : files) LUCID_RETURN_IF_ERROR(offer(p, c));
    for (const auto& [p, t] : symlinks) {
      auto target = lf.Resolve(p);
      if (target.ok() && files.count(*target)) LUCID_RETURN_IF_ERROR(offer(p, files.at(*target)));
    }
    return session->Finish(lf, out);
  }
};

}  // namespace lucid::debian::testing
