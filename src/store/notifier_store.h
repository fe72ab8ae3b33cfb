// Storage of the notifier (contract §5, §9.3): notification sets, their
// bodies and the receipt that records which update operation produced them.
// Both backends implement it over the same SQL (sql_notifier_store.cc).
//
// A set row doubles as the receipt of its update operation: its presence
// means "this operation has been processed", whether or not it affected any
// manifest, so several notifier processes never notify twice.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace lucid::store {

enum class ReceiptStatus { kCreated, kDelivered, kDeliveryFailed, kDeleted };
std::string_view ReceiptStatusName(ReceiptStatus s);

struct NotificationSet {
  std::string id;      // set UUID: the notification_id of callbacks and N1/N2
  std::string uo_ref;  // the update operation it was computed from
  std::string updater;
  ReceiptStatus status = ReceiptStatus::kCreated;
  int64_t notifications = 0;
  int64_t attempts = 0;     // failed deliveries so far
  std::string last_error;   // of the last failed delivery
  int64_t status_time = 0;  // unix seconds of the last status change
};

// One stored notification: its UUID and its Clair JSON encoding.
struct StoredNotification {
  std::string id;
  std::string json;
};

struct NotificationPageRows {
  std::vector<StoredNotification> items;
  std::string next;  // id of the last item when more follow, else ""
};

class NotifierStore {
 public:
  virtual ~NotifierStore() = default;

  // Whether update operation `uo_ref` has been processed already.
  virtual Result<bool> HasReceipt(const std::string& uo_ref) = 0;
  // Stores the set, all its notifications and its receipt in one
  // transaction: status created, or delivered when `notifications` is empty.
  // AlreadyExists when another process stored a receipt for `uo_ref` first.
  virtual Status PutNotificationSet(const NotificationSet& set,
                                    const std::vector<StoredNotification>& notifications) = 0;
  // Sets waiting for delivery (created or delivery_failed), oldest first.
  virtual Result<std::vector<NotificationSet>> SetsToDeliver() = 0;
  virtual Result<std::optional<NotificationSet>> GetSet(const std::string& set_id) = 0;
  virtual Status MarkDelivered(const std::string& set_id) = 0;
  virtual Status MarkDeliveryFailed(const std::string& set_id, const std::string& error) = 0;
  // NotFound when no receipt exists for `set_id`.
  virtual Status MarkDeleted(const std::string& set_id) = 0;
  // Notifications of a set with id > `after` ("" = from the start), in id order.
  virtual Result<NotificationPageRows> GetNotifications(const std::string& set_id, int64_t page_size,
                                                        const std::string& after) = 0;
  // Purges deleted sets, and sets not waiting for delivery whose status is
  // older than `max_age`, except each updater's newest receipt (dropping it
  // would make its operation look new again). Returns the sets removed.
  virtual Result<int64_t> GarbageCollect(std::chrono::seconds max_age) = 0;

  // Cross-process mutual exclusion for processing an operation or delivering a set.
  virtual Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) = 0;
  virtual Result<StoreStats> Stats() = 0;
};

// "" / "sqlite:PATH" -> SQLite; anything else PostgreSQL (as store_factory.h).
Result<std::shared_ptr<NotifierStore>> OpenNotifierStore(const std::string& connstring, bool migrate);

}  // namespace lucid::store
