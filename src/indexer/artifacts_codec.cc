#include "indexer/artifacts_codec.h"

#include <boost/json.hpp>

#include "core/clair_json.h"

namespace lucid::indexer {
namespace bj = boost::json;

std::string EncodeArtifacts(const LayerArtifacts& a) {
  bj::object o;
  json::EncodeOptions opt{.lucid_extras = true};
  bj::array pkgs;
  for (const auto& p : a.packages) pkgs.push_back(json::EncodePackage(p, "", "x", opt));
  o["packages"] = std::move(pkgs);
  bj::array dists;
  for (const auto& d : a.distributions) dists.push_back(json::EncodeDistribution(d, ""));
  o["distributions"] = std::move(dists);
  bj::array repos;
  for (const auto& r : a.repositories) repos.push_back(json::EncodeRepository(r, ""));
  o["repositories"] = std::move(repos);
  bj::array wh;
  for (const auto& w : a.whiteouts) wh.emplace_back(w);
  o["whiteouts"] = std::move(wh);
  bj::array notes;
  for (const auto& n : a.notes) notes.push_back(json::EncodeNote(n));
  o["notes"] = std::move(notes);
  return bj::serialize(o);
}

Result<LayerArtifacts> DecodeArtifacts(std::string_view text) {
  LUCID_ASSIGN_OR_RETURN(auto v, json::Parse(text));
  if (!v.is_object()) return Corrupt("stored layer artifacts are not an object");
  const auto& o = v.get_object();
  LayerArtifacts a;
  auto array = [&o](std::string_view key) -> const bj::array* {
    auto it = o.find(key);
    return it != o.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
  };
  if (auto* arr = array("packages")) {
    for (const auto& p : *arr) {
      LUCID_ASSIGN_OR_RETURN(auto pkg, json::DecodePackage(p));
      a.packages.push_back(std::move(pkg));
    }
  }
  if (auto* arr = array("distributions")) {
    for (const auto& d : *arr) {
      LUCID_ASSIGN_OR_RETURN(auto dist, json::DecodeDistribution(d));
      a.distributions.push_back(std::move(dist));
    }
  }
  if (auto* arr = array("repositories")) {
    for (const auto& r : *arr) {
      LUCID_ASSIGN_OR_RETURN(auto repo, json::DecodeRepository(r));
      a.repositories.push_back(std::move(repo));
    }
  }
  if (auto* arr = array("whiteouts")) {
    for (const auto& w : *arr) {
      if (w.is_string()) a.whiteouts.emplace_back(w.get_string());
    }
  }
  if (auto* arr = array("notes")) {
    for (const auto& n : *arr) {
      if (!n.is_object()) continue;
      const auto& no = n.get_object();
      auto s = [&no](std::string_view k) {
        auto it = no.find(k);
        return it != no.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
      };
      a.notes.push_back({s("layer"), s("scanner"), s("code"), s("message"), s("path")});
    }
  }
  return a;
}

}  // namespace lucid::indexer
