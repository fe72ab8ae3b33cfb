// Helpers for the rpm tests: the real header blob from the shared fixtures,
// headers made by librpm itself, and rpm databases built from blobs.
#pragma once

#include <rpm/header.h>
#include <rpm/rpmtag.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/io.h"
#include "ecosystems/debian/test_util.h"

namespace lucid::rpm::testing {

inline std::string FixtureDir() { return debian::testing::SharedDir() + "/data/upstream-fixtures/rhel-rpm"; }

// crypto-policies-20210213-1.git5c710c0.fc34.noarch, as stored in an rpmdb.
inline std::string CryptoPoliciesBlob() {
  return debian::testing::Slurp(FixtureDir() + "/internal/rpm/rpmdb/testdata/package.header");
}

struct FakeFile {
  std::string dir;  // with trailing "/"
  std::string base;
  uint16_t mode;
};

// A header written by librpm (headerNew/headerPut*/headerExport) for a
// package owning `files`.
inline std::string MakeHeaderBlob(const std::string& name, const std::string& evr_version, const std::string& release,
                                  const std::vector<FakeFile>& files, const std::string& sourcerpm = "") {
  Header h = headerNew();
  headerPutString(h, RPMTAG_NAME, name.c_str());
  headerPutString(h, RPMTAG_VERSION, evr_version.c_str());
  headerPutString(h, RPMTAG_RELEASE, release.c_str());
  headerPutString(h, RPMTAG_ARCH, "noarch");
  if (!sourcerpm.empty()) headerPutString(h, RPMTAG_SOURCERPM, sourcerpm.c_str());
  std::vector<std::string> dirs;
  std::vector<const char*> bases, dir_ptrs;
  std::vector<uint32_t> idx;
  std::vector<uint16_t> modes;
  for (const auto& f : files) {
    size_t i = 0;
    while (i < dirs.size() && dirs[i] != f.dir) ++i;
    if (i == dirs.size()) dirs.push_back(f.dir);
    idx.push_back(static_cast<uint32_t>(i));
    bases.push_back(f.base.c_str());
    modes.push_back(f.mode);
  }
  for (const auto& d : dirs) dir_ptrs.push_back(d.c_str());
  if (!files.empty()) {
    headerPutStringArray(h, RPMTAG_BASENAMES, bases.data(), bases.size());
    headerPutStringArray(h, RPMTAG_DIRNAMES, dir_ptrs.data(), dir_ptrs.size());
    headerPutUint32(h, RPMTAG_DIRINDEXES, idx.data(), idx.size());
    headerPutUint16(h, RPMTAG_FILEMODES, modes.data(), modes.size());
  }
  unsigned int size = 0;
  void* blob = headerExport(h, &size);
  std::string out(static_cast<const char*>(blob), size);
  free(blob);
  headerFree(h);
  return out;
}

// An rpmdb.sqlite holding `blobs` in rpm 4.18's Packages table (the index
// tables rpm also creates are not read by Lucid).
inline std::string MakeSqliteDb(const std::vector<std::string>& blobs) {
  auto tf = TempFile::Create("lucid-rpm-test");
  if (!tf.ok()) return "";
  sqlite3* db = nullptr;
  sqlite3_open(tf->path().c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)",
               nullptr, nullptr, nullptr);
  for (const auto& b : blobs) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO Packages(blob) VALUES (?)", -1, &st, nullptr);
    sqlite3_bind_blob(st, 1, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return debian::testing::Slurp(tf->path());
}

// A BerkeleyDB hash "Packages" as rpm wrote them (record 0 holds the next
// instance number, then one record per header keyed by its native-endian
// instance number), built with db5.3_load from db5.3-util. "" when the
// tool is missing.
inline std::string MakeBdb(const std::vector<std::string>& blobs) {
  const char* tool = "/usr/bin/db5.3_load";
  if (::access(tool, X_OK) != 0) return "";
  auto in = TempFile::Create("lucid-rpm-bdb-in");
  auto out = TempFile::Create("lucid-rpm-bdb");
  if (!in.ok() || !out.ok()) return "";
  auto esc = [](const std::string& bytes) {
    std::string s;
    char buf[4];
    for (unsigned char c : bytes) {
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      s += buf;
    }
    return s;
  };
  auto key = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  std::string text = esc(key(0)) + "\n" + esc(key(static_cast<uint32_t>(blobs.size() + 1))) + "\n";
  for (size_t i = 0; i < blobs.size(); ++i)
    text += esc(key(static_cast<uint32_t>(i + 1))) + "\n" + esc(blobs[i]) + "\n";
  if (!WriteFileAtomic(in->path(), text).ok()) return "";
  ::unlink(out->path().c_str());  // db_load creates it
  std::string cmd = std::string(tool) + " -T -t hash -f " + in->path() + " " + out->path();
  if (std::system(cmd.c_str()) != 0) return "";
  return debian::testing::Slurp(out->path());
}

}  // namespace lucid::rpm::testing
