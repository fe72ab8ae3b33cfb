// Test helpers shared by the language ecosystems: real version strings from
// the OSV exports in /work/shared, and an ordering-consistency check.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace lucid::lang::testing {

inline std::string SharedDir() { return LUCID_SHARED_DIR; }

// Calls `fn` with every advisory (parsed JSON) of <ecosystem>/all.zip.
inline void ForEachOsvAdvisory(const std::string& ecosystem,
                               const std::function<void(const boost::json::object&)>& fn) {
  std::string path = SharedDir() + "/data/feeds/osv/" + ecosystem + "/all.zip";
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  ASSERT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK) << path;
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string text;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (!ec && v.is_object()) fn(v.get_object());
  }
  archive_read_free(a);
}

// Every version string an ecosystem's advisories mention (explicit
// versions lists and range events), "0" excluded, de-duplicated.
inline std::vector<std::string> OsvVersions(const std::string& ecosystem) {
  std::set<std::string> out;
  ForEachOsvAdvisory(ecosystem, [&](const boost::json::object& adv) {
    auto aff = adv.find("affected");
    if (aff == adv.end() || !aff->value().is_array()) return;
    for (const auto& a : aff->value().get_array()) {
      if (!a.is_object()) continue;
      const auto& ao = a.get_object();
      if (auto vs = ao.find("versions"); vs != ao.end() && vs->value().is_array()) {
        for (const auto& v : vs->value().get_array()) {
          if (v.is_string()) out.insert(std::string(v.get_string()));
        }
      }
      if (auto rs = ao.find("ranges"); rs != ao.end() && rs->value().is_array()) {
        for (const auto& r : rs->value().get_array()) {
          if (!r.is_object() || !r.get_object().contains("events")) continue;
          for (const auto& ev : r.get_object().at("events").as_array()) {
            if (!ev.is_object()) continue;
            for (const auto& kv : ev.get_object()) {
              if (kv.value().is_string() && kv.value().get_string() != "0")
                out.insert(std::string(kv.value().get_string()));
            }
          }
        }
      }
    }
  });
  return {out.begin(), out.end()};
}

// Checks that `cmp` is a total preorder on `versions`: sorts them, checks
// that neighbours are ordered, numbers the equivalence classes, and then
// checks reflexivity, antisymmetry and (through the class numbers)
// transitivity on many random pairs. Returns the sorted list.
inline std::vector<std::string> ExpectConsistentOrder(
    std::vector<std::string> versions, const std::function<int(const std::string&, const std::string&)>& cmp,
    size_t samples = 300000) {
  std::stable_sort(versions.begin(), versions.end(),
                   [&](const std::string& a, const std::string& b) { return cmp(a, b) < 0; });
  std::vector<size_t> cls(versions.size(), 0);
  size_t bad = 0;
  for (size_t i = 1; i < versions.size(); ++i) {
    int c = cmp(versions[i - 1], versions[i]);
    if (c > 0 && ++bad < 10)
      ADD_FAILURE() << "sorted neighbours out of order: " << versions[i - 1] << " > " << versions[i];
    cls[i] = cls[i - 1] + (c < 0 ? 1 : 0);
  }
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<size_t> pick(0, versions.empty() ? 0 : versions.size() - 1);
  for (size_t k = 0; k < samples && !versions.empty() && bad < 10; ++k) {
    size_t i = pick(rng), j = pick(rng);
    int c = cmp(versions[i], versions[j]);
    int r = cmp(versions[j], versions[i]);
    int want = cls[i] < cls[j] ? -1 : cls[i] > cls[j] ? 1 : 0;
    int got = c < 0 ? -1 : c > 0 ? 1 : 0;
    if ((got != want || (r < 0 ? -1 : r > 0 ? 1 : 0) != -got) && ++bad < 10) {
      ADD_FAILURE() << "inconsistent: " << versions[i] << " vs " << versions[j] << " gives " << c << "/" << r
                    << ", classes " << cls[i] << "/" << cls[j];
    }
    if (cmp(versions[i], versions[i]) != 0 && ++bad < 10) ADD_FAILURE() << "not reflexive: " << versions[i];
  }
  return versions;
}

// Reflexivity and antisymmetry only, on random pairs (for orderings that
// are not transitive by design, like Maven's).
inline void ExpectAntisymmetric(const std::vector<std::string>& versions,
                                const std::function<int(const std::string&, const std::string&)>& cmp,
                                size_t samples = 300000) {
  std::mt19937_64 rng(43);
  std::uniform_int_distribution<size_t> pick(0, versions.empty() ? 0 : versions.size() - 1);
  size_t bad = 0;
  auto sign = [](int x) { return x < 0 ? -1 : x > 0 ? 1 : 0; };
  for (size_t k = 0; k < samples && !versions.empty() && bad < 10; ++k) {
    const auto& a = versions[pick(rng)];
    const auto& b = versions[pick(rng)];
    if (sign(cmp(a, b)) != -sign(cmp(b, a)) && ++bad < 10) ADD_FAILURE() << "not antisymmetric: " << a << " vs " << b;
    if (cmp(a, a) != 0 && ++bad < 10) ADD_FAILURE() << "not reflexive: " << a;
  }
}

// Members of layer `index` of the real debian-app test image, read with
// libarchive straight from its gzip blob.
inline std::map<std::string, std::string> ReadAppLayerMembers(size_t index, const std::set<std::string>& wanted) {
  std::ifstream in(SharedDir() + "/images/expected/debian-app.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto exp = boost::json::parse(ss.str());
  std::string digest(exp.at("layers").at(index).at("digest").as_string());
  std::string blob = SharedDir() + "/images/oci/blobs/sha256/" + digest.substr(7);
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, blob.c_str(), 1 << 16), ARCHIVE_OK);
  struct archive_entry* e;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF || r < ARCHIVE_WARN) break;
    std::string name = archive_entry_pathname(e);
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (!wanted.count(name)) continue;
    std::string data;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    out[name] = data;
  }
  archive_read_free(a);
  return out;
}

}  // namespace lucid::lang::testing
