#include "indexer/scanner.h"

#include <gtest/gtest.h>

namespace lucid::indexer {

TEST(LayerFiles, ResolvesSymlinksInsideRoot) {
  LayerFiles f;
  f.Add({"usr/lib/os-release", EntryType::kRegular, 10, 0644, ""});
  f.Add({"etc/os-release", EntryType::kSymlink, 0, 0777, "../usr/lib/os-release"});
  f.Add({"lib", EntryType::kSymlink, 0, 0777, "usr/lib"});
  f.Add({"abs", EntryType::kSymlink, 0, 0777, "/usr/lib/os-release"});
  f.Add({"escape", EntryType::kSymlink, 0, 0777, "../../../../usr/lib/os-release"});
  f.Add({"loop1", EntryType::kSymlink, 0, 0777, "loop2"});
  f.Add({"loop2", EntryType::kSymlink, 0, 0777, "loop1"});
  EXPECT_EQ(*f.Resolve("etc/os-release"), "usr/lib/os-release");
  EXPECT_EQ(*f.Resolve("lib/os-release"), "usr/lib/os-release");
  EXPECT_EQ(*f.Resolve("abs"), "usr/lib/os-release");
  EXPECT_EQ(*f.Resolve("escape"), "usr/lib/os-release");
  EXPECT_EQ(f.Resolve("loop1").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(f.Resolve("missing").status().code(), StatusCode::kNotFound);
}

}  // namespace lucid::indexer
