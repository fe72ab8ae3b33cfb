#include "ecosystems/gobin/buildinfo.h"

#include <gtest/gtest.h>

#include <random>

#include "ecosystems/debian/test_util.h"
#include "ecosystems/gobin/gobin_scanner.h"
#include "ecosystems/nodejs/osv_test_util.h"

namespace lucid::gobin {
namespace {

const std::string kMagic("\xff Go buildinf:", 14);

std::string Varint(uint64_t n) {
  std::string s;
  while (n >= 0x80) {
    s += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  s += static_cast<char>(n);
  return s;
}

std::string Framed(const std::string& modinfo) {
  // The 16-byte sentinels the linker puts around the module text.
  return std::string(16, '\x30') + modinfo + std::string(16, '\xf9');
}

const char* kModInfo =
    "path\texample.com/cmd/tool\n"
    "mod\texample.com\tv1.4.0\th1:abc=\n"
    "dep\tgolang.org/x/net\tv0.0.0-20210226172049-e18ecbb05110\th1:def=\n"
    "dep\tgithub.com/old/lib\tv1.0.0\th1:x=\n"
    "=>\tgithub.com/new/lib\tv1.2.3\th1:y=\n"
    "build\t-compiler=gc\n"
    "build\tvcs=git\n"
    "build\tvcs.revision=0123abcd\n";

// Go >= 1.18: the strings follow the header.
std::string InlineBinary(const std::string& version, const std::string& modinfo) {
  std::string f =
      "\x7f"
      "ELF";
  f.resize(4096, '\0');
  std::string hdr = kMagic + std::string("\x08\x02", 2);
  hdr.resize(32, '\0');
  f += hdr + Varint(version.size()) + version + Varint(modinfo.size()) + modinfo;
  f.resize(f.size() + 100, '\0');
  return f;
}

void Put64(std::string* f, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*f)[off + i] = static_cast<char>(v >> (8 * i));
}
void Put32(std::string* f, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*f)[off + i] = static_cast<char>(v >> (8 * i));
}
void Put16(std::string* f, size_t off, uint16_t v) {
  for (int i = 0; i < 2; ++i) (*f)[off + i] = static_cast<char>(v >> (8 * i));
}

// Go < 1.18: a minimal ELF64 with one PT_LOAD (file 0 -> vaddr 0x400000);
// the header points at Go string headers, which point at the bytes.
std::string PointerBinary(const std::string& version, const std::string& modinfo) {
  const uint64_t base = 0x400000;
  std::string f(0x1000 + modinfo.size(), '\0');
  f.replace(0, 4,
            "\x7f"
            "ELF");
  f[4] = 2;           // 64-bit
  f[5] = 1;           // little endian
  Put64(&f, 32, 64);  // e_phoff
  Put16(&f, 54, 56);  // e_phentsize
  Put16(&f, 56, 1);   // e_phnum
  Put32(&f, 64, 1);   // PT_LOAD
  Put64(&f, 64 + 8, 0);
  Put64(&f, 64 + 16, base);
  Put64(&f, 64 + 32, f.size());
  f.replace(0x100, 14, kMagic);
  f[0x100 + 14] = 8;
  f[0x100 + 15] = 0;
  Put64(&f, 0x110, base + 0x200);
  Put64(&f, 0x118, base + 0x210);
  Put64(&f, 0x200, base + 0x300);
  Put64(&f, 0x208, version.size());
  Put64(&f, 0x210, base + 0x1000);
  Put64(&f, 0x218, modinfo.size());
  f.replace(0x300, version.size(), version);
  f.replace(0x1000, modinfo.size(), modinfo);
  return f;
}

std::vector<std::string> Names(const std::vector<Package>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) out.push_back(p.name + "@" + p.version);
  return out;
}

TEST(BuildInfoTest, RealDebianFzf) {
  auto files = lang::testing::ReadAppLayerMembers(1, {"usr/bin/fzf"});
  ASSERT_EQ(files.size(), 1u);
  auto bi = ReadBuildInfo(files["usr/bin/fzf"]);
  ASSERT_TRUE(bi.ok()) << bi.status().ToString();
  EXPECT_EQ(bi->go_version, "go1.19.8");
  EXPECT_EQ(bi->path, "github.com/junegunn/fzf");
  EXPECT_FALSE(bi->has_main);  // GOPATH build: no mod/dep lines
  EXPECT_TRUE(bi->deps.empty());
  EXPECT_EQ(bi->settings.front(), (std::pair<std::string, std::string>{"-compiler", "gc"}));
  EXPECT_EQ(Names(PackagesOf(*bi, "usr/bin/fzf")), std::vector<std::string>{"stdlib@1.19.8"});
}

TEST(BuildInfoTest, InlineLayout) {
  auto bi = ReadBuildInfo(InlineBinary("go1.20.12 X:strictfipsruntime", Framed(kModInfo)));
  ASSERT_TRUE(bi.ok()) << bi.status().ToString();
  EXPECT_EQ(bi->go_version, "go1.20.12 X:strictfipsruntime");
  auto pkgs = PackagesOf(*bi, "usr/local/bin/tool");
  EXPECT_EQ(Names(pkgs), (std::vector<std::string>{"stdlib@1.20.12", "example.com@v1.4.0",
                                                   "golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110",
                                                   "github.com/new/lib@v1.2.3"}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.package_db, "go:usr/local/bin/tool");
    EXPECT_EQ(p.filepath, "usr/local/bin/tool");
    EXPECT_EQ(p.normalized_version.kind, "semver");
  }
  EXPECT_EQ(pkgs[2].normalized_version.str(), "semver:0.0.0.0.0.0.0.0.0.0");
}

TEST(BuildInfoTest, PointerLayout) {
  auto bi = ReadBuildInfo(PointerBinary("go1.16.15", Framed(kModInfo)));
  ASSERT_TRUE(bi.ok()) << bi.status().ToString();
  EXPECT_EQ(bi->go_version, "go1.16.15");
  EXPECT_TRUE(bi->has_main);
  EXPECT_EQ(bi->main.path, "example.com");
  ASSERT_EQ(bi->deps.size(), 2u);
  EXPECT_EQ(bi->deps[1].replace_path, "github.com/new/lib");
}

TEST(BuildInfoTest, DevelVersionAndCommandLineArguments) {
  auto bi = ReadBuildInfo(
      InlineBinary("go1.22.0", Framed("path\tcommand-line-arguments\nmod\t\t(devel)\t\n"
                                      "build\tvcs=git\nbuild\tvcs.revision=abc\n"
                                      "build\tvcs.time=2024-01-02T03:04:05Z\nbuild\tvcs.modified=true\n")));
  ASSERT_TRUE(bi.ok());
  auto pkgs = PackagesOf(*bi, "x");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[1].name, "command-line-arguments");
  EXPECT_EQ(pkgs[1].version, "(devel) (git, commit abc, built at 2024-01-02T03:04:05Z, dirty)");
}

TEST(BuildInfoTest, NotGoOrMalformed) {
  EXPECT_EQ(ReadBuildInfo("#!/bin/sh\necho hi\n").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadBuildInfo(std::string("\x7f"
                                      "ELF",
                                      4) +
                          std::string(1000, 'a'))
                .status()
                .code(),
            StatusCode::kNotFound);
  std::string bad = InlineBinary("go1.20", Framed(kModInfo));
  bad.resize(4096 + 32 + 3);  // the varint-prefixed strings run past the end
  EXPECT_EQ(ReadBuildInfo(bad).status().code(), StatusCode::kCorrupt);
  std::string wild = PointerBinary("go1.16", Framed(kModInfo));
  Put64(&wild, 0x110, 0xdeadbeef);  // pointer outside every segment
  EXPECT_EQ(ReadBuildInfo(wild).status().code(), StatusCode::kCorrupt);
  std::string huge = PointerBinary("go1.16", Framed(kModInfo));
  Put64(&huge, 0x208, ~0ull);  // absurd length
  EXPECT_FALSE(ReadBuildInfo(huge).ok());
}

// A small in-test fuzz: random byte flips of both layouts never crash and
// never read out of bounds (run under ASan in the sanitizer build).
TEST(BuildInfoTest, MutationsAreHandled) {
  std::mt19937 rng(1);
  for (const std::string& seed :
       {InlineBinary("go1.21.1", Framed(kModInfo)), PointerBinary("go1.16", Framed(kModInfo))}) {
    for (int i = 0; i < 3000; ++i) {
      std::string m = seed;
      int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) {
        size_t at = rng() % 0x320;
        if (rng() % 2) at = 0x100 + rng() % 0x40;
        if (rng() % 3 == 0) at = 4096 + rng() % 64;
        if (at < m.size()) m[at] = static_cast<char>(rng());
      }
      if (rng() % 5 == 0) m.resize(rng() % m.size());
      (void)ReadBuildInfo(m);
    }
  }
}

TEST(GobinScannerTest, FindsGoBinariesAndRespectsDpkg) {
  debian::testing::FakeLayer layer;
  layer.files["usr/local/bin/tool"] = InlineBinary("go1.21.5", Framed(kModInfo));
  layer.files["usr/bin/fzf"] = PointerBinary("go1.16.15", Framed("path\tgithub.com/junegunn/fzf\n"));
  layer.files["usr/bin/script"] = "#!/bin/sh\n" + std::string(100, '#');
  layer.files["var/lib/dpkg/info/fzf.list"] = "/.\n/usr/bin/fzf\n/usr/share/doc/fzf/copyright\n";
  indexer::LayerArtifacts out;
  // FakeLayer gives regular files mode 0644; executables need an x bit.
  auto scanner = NewGobinScanner();
  auto session = scanner->NewSession();
  for (const auto& [path, content] : layer.files) {
    indexer::FileEntry e{path, indexer::EntryType::kRegular, content.size(),
                         static_cast<uint32_t>(path.find("dpkg") == std::string::npos ? 0755 : 0644), ""};
    if (!session->Wants(e)) continue;
    StringReader r(content);
    ASSERT_TRUE(session->Consume(e, r).ok());
  }
  ASSERT_TRUE(session->Finish(layer.Files(), &out).ok());
  std::map<std::string, std::vector<std::string>> by;
  for (const auto& p : out.packages) by[p.filepath].push_back(p.name + "@" + p.version + (p.os_managed ? " os" : ""));
  EXPECT_EQ(by["usr/bin/fzf"], std::vector<std::string>{"stdlib@1.16.15 os"});
  EXPECT_EQ(by["usr/local/bin/tool"].size(), 4u);
  EXPECT_EQ(by.count("usr/bin/script"), 0u);
  ASSERT_EQ(out.repositories.size(), 1u);
  EXPECT_EQ(out.repositories[0].uri, "https://pkg.go.dev/");
  ASSERT_EQ(out.notes.size(), 1u);
}

}  // namespace
}  // namespace lucid::gobin
