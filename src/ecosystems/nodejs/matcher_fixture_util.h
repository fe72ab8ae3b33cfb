// Test helper: runs a matcher over one of claircore's matcher txtar
// archives (IndexReport + mocked Database answers + Want), see
// shared/data/upstream-fixtures/README.md "Matcher test archives".
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "core/clair_json.h"
#include "matcher/matcher.h"

namespace lucid::lang::testing {

inline std::map<std::string, std::string> ReadTxtar(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::map<std::string, std::string> members;
  std::string current;
  size_t pos = 0;
  bool in_member = false;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.size() > 6 && line.rfind("-- ", 0) == 0 && line.substr(line.size() - 3) == " --") {
      current = line.substr(3, line.size() - 6);
      members[current];
      in_member = true;
      continue;
    }
    if (in_member) members[current] += line + "\n";
  }
  return members;
}

inline void ResolveRefs(boost::json::value& v, const std::map<std::string, boost::json::value>& files) {
  if (v.is_object()) {
    auto& o = v.get_object();
    if (o.size() == 1 && o.contains("$ref") && o.at("$ref").is_string()) {
      std::string ref(o.at("$ref").get_string());
      auto it = files.find(ref.substr(ref.find(':') + 1));
      if (it != files.end()) {
        v = it->second;
        ResolveRefs(v, files);
      }
      return;
    }
    for (auto& kv : o) ResolveRefs(kv.value(), files);
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) ResolveRefs(x, files);
  }
}

// Returns {(package id, vulnerability id)} found by `m` and the ones Want lists.
inline std::pair<std::set<std::pair<std::string, std::string>>, std::set<std::pair<std::string, std::string>>>
RunMatcherFixture(const std::string& path, const matcher::Matcher& m) {
  auto members = ReadTxtar(path);
  std::map<std::string, boost::json::value> files;
  for (const auto& [name, body] : members) {
    if (name.find(".json") == std::string::npos) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (!ec) files[name] = v;
  }
  auto parse = [&](const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    EXPECT_FALSE(ec) << path;
    ResolveRefs(v, files);
    return v;
  };
  auto report = json::DecodeIndexReport(boost::json::serialize(parse(members["IndexReport"])));
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  // Candidates per package id (the Database may be a json-seq of objects).
  std::map<std::string, std::vector<Vulnerability>> candidates;
  for (const auto& chunk : [&] {
         std::vector<std::string> parts;
         std::string db = members["Database"];
         size_t start = 0;
         for (size_t i = 0; i <= db.size(); ++i) {
           if (i == db.size() || db[i] == '\x1e') {
             if (i > start) parts.push_back(db.substr(start, i - start));
             start = i + 1;
           }
         }
         return parts;
       }()) {
    if (chunk.find_first_not_of(" \n\t\r") == std::string::npos) continue;
    auto v = parse(chunk);
    if (!v.is_object() || !v.get_object().contains("vulnerabilities")) continue;
    for (const auto& [pid, list] : v.get_object().at("vulnerabilities").as_object()) {
      for (const auto& x : list.as_array()) {
        auto vuln = json::DecodeVulnerability(x);
        EXPECT_TRUE(vuln.ok());
        if (vuln.ok()) candidates[std::string(pid)].push_back(*vuln);
      }
    }
  }
  std::set<std::pair<std::string, std::string>> got, want;
  if (report.ok()) {
    for (const auto& [pid, pkg] : report->packages) {
      for (const auto& env : report->environments[pid]) {
        std::vector<const Repository*> repos;
        if (env.repository_ids) {
          for (const auto& rid : *env.repository_ids) {
            auto r = report->repositories.find(rid);
            if (r != report->repositories.end()) repos.push_back(&r->second);
          }
        }
        if (repos.empty()) repos.push_back(nullptr);
        for (const auto* repo : repos) {
          matcher::IndexRecord rec{pid, &pkg, nullptr, repo};
          auto d = report->distributions.find(env.distribution_id);
          if (d != report->distributions.end()) rec.distribution = &d->second;
          if (!m.Filter(rec)) continue;
          for (const auto& v : candidates[pid]) {
            auto hit = m.Vulnerable(rec, v);
            EXPECT_TRUE(hit.ok());
            if (hit.ok() && *hit) got.insert({pid, v.id});
          }
        }
      }
    }
  }
  auto w = parse(members["Want"]);
  if (w.is_object() && w.get_object().contains("package_vulnerabilities")) {
    for (const auto& [pid, list] : w.get_object().at("package_vulnerabilities").as_object()) {
      for (const auto& id : list.as_array()) want.insert({std::string(pid), std::string(id.as_string())});
    }
  }
  return {got, want};
}

}  // namespace lucid::lang::testing
