// Notifications (contract §1.8.13, §5.1): what changed for which manifest
// after an update operation, and how they are built from an update diff and
// the affected manifests of its added and removed vulnerabilities.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "core/model.h"
#include "services/indexer_service.h"
#include "store/notifier_store.h"

namespace lucid::notifier {

struct Notification {
  std::string id;  // fresh random UUID
  Digest manifest;
  std::string reason;  // "added" | "removed"
  Vulnerability vulnerability;
};

// Clair's Notification JSON, with the VulnSummary that Clair really emits
// (`repo`, normalized `severity`).
std::string EncodeNotification(const Notification& n);
// The webhook/callback message (§1.8.15). `callback_base` ends in '/'.
std::string EncodeCallback(const std::string& callback_base, const std::string& set_id);

// Direct AMQP/STOMP delivery: every notification of `set_id`, as message
// bodies that are JSON arrays of at most `rollup` notifications (0 or 1: one
// per message, still an array). Empty when the set has none.
Result<std::vector<std::string>> DirectBatches(store::NotifierStore& store, const std::string& set_id, int64_t rollup);

// The message bodies of one broker delivery (AMQP and STOMP alike): direct
// mode's batches (read from `store`), else the single callback message
// (`store` may be null). `callback` ends in '/'.
Result<std::vector<std::string>> BrokerMessages(store::NotifierStore* store, const store::NotificationSet& set,
                                                bool direct, int64_t rollup, const std::string& callback);

// Collects notifications across the chunks of one update diff.
//   summary (the default): one notification per manifest, carrying the most
//   severe vulnerability; ties keep the first seen, and "added" is offered
//   before "removed". Otherwise one per (manifest, vulnerability, reason).
class NotificationBuilder {
 public:
  explicit NotificationBuilder(bool summary) : summary_(summary) {}
  void Add(const std::string& reason, const services::AffectedManifests& affected);
  std::vector<Notification> Take();

 private:
  bool summary_;
  std::vector<Notification> all_;
  std::map<std::string, size_t> by_manifest_;  // summary: digest -> index in all_
};

}  // namespace lucid::notifier
