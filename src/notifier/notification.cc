#include "notifier/notification.h"

#include <boost/json.hpp>

#include "core/clair_json.h"
#include "core/severity.h"
#include "store/store_util.h"

namespace lucid::notifier {
namespace bj = boost::json;

std::string EncodeNotification(const Notification& n) {
  const Vulnerability& v = n.vulnerability;
  // Package, distribution and repository exactly as a vulnerability embeds them.
  bj::value full = json::EncodeVulnerability(v);
  bj::object summary;
  summary["name"] = v.name;
  summary["description"] = v.description;
  if (const auto* o = full.if_object()) {
    for (auto [from, to] : {std::pair<const char*, const char*>{"package", "package"},
                            {"distribution", "distribution"},
                            {"repository", "repo"}}) {
      auto it = o->find(from);
      if (it != o->end() && it->value().is_object()) summary[to] = it->value();
    }
  }
  summary["severity"] = std::string(SeverityName(v.normalized_severity));
  summary["fixed_in_version"] = v.fixed_in_version;
  summary["links"] = v.links;
  bj::object out;
  out["id"] = n.id;
  out["manifest"] = n.manifest.str();
  out["reason"] = n.reason;
  out["vulnerability"] = std::move(summary);
  return json::Serialize(out);
}

std::string EncodeCallback(const std::string& callback_base, const std::string& set_id) {
  bj::object o;
  o["callback"] = callback_base + set_id;
  o["notification_id"] = set_id;
  return json::Serialize(o);
}

Result<std::vector<std::string>> DirectBatches(store::NotifierStore& store, const std::string& set_id, int64_t rollup) {
  const size_t per_message = rollup > 1 ? static_cast<size_t>(rollup) : 1;
  std::vector<std::string> out;
  size_t in_last = per_message;  // forces a new body for the first notification
  std::string after;
  while (true) {
    LUCID_ASSIGN_OR_RETURN(auto page, store.GetNotifications(set_id, 1000, after));
    for (auto& n : page.items) {
      // Stored bodies are serialized JSON objects: joining them needs no re-parse.
      if (in_last == per_message) {
        if (!out.empty()) out.back() += ']';
        out.emplace_back("[");
        in_last = 0;
      } else {
        out.back() += ',';
      }
      out.back() += n.json;
      ++in_last;
    }
    if (page.next.empty() || page.items.empty()) break;
    after = page.next;
  }
  if (!out.empty()) out.back() += ']';
  return out;
}

Result<std::vector<std::string>> BrokerMessages(store::NotifierStore* store, const store::NotificationSet& set,
                                                bool direct, int64_t rollup, const std::string& callback) {
  if (direct) {
    if (store == nullptr) return Internal("direct delivery without a notifier store");
    return DirectBatches(*store, set.id, rollup);
  }
  return std::vector<std::string>{EncodeCallback(callback, set.id)};
}

void NotificationBuilder::Add(const std::string& reason, const services::AffectedManifests& affected) {
  for (const auto& [digest_text, ids] : affected.vulnerable_manifests) {
    auto digest = Digest::Parse(digest_text);
    if (!digest.ok()) continue;  // the indexer only hands out valid digests
    for (const auto& id : ids) {
      auto vit = affected.vulnerabilities.find(id);
      if (vit == affected.vulnerabilities.end()) continue;
      const Vulnerability& v = vit->second;
      if (summary_) {
        auto [it, fresh] = by_manifest_.emplace(digest_text, all_.size());
        if (!fresh) {
          Notification& have = all_[it->second];
          if (v.normalized_severity > have.vulnerability.normalized_severity) {
            have.reason = reason;
            have.vulnerability = v;
          }
          continue;
        }
      }
      all_.push_back(Notification{store::internal::NewUuidV4(), *digest, reason, v});
      // The indexer lists a manifest's vulnerabilities most severe first, so
      // in summary mode the first one is the one to keep.
      if (summary_) break;
    }
  }
}

std::vector<Notification> NotificationBuilder::Take() {
  by_manifest_.clear();
  return std::move(all_);
}

}  // namespace lucid::notifier
