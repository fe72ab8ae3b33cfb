// The notifier (contract §5.1): turns each updater's newest update
// operation into a notification set for the manifests it affects, delivers
// sets until the receiver accepts them, serves them page by page, and
// garbage-collects them.
//
//   poll (every poll_interval, or Poke()d after an update run in combo mode)
//     for each updater's latest vulnerability operation without a receipt:
//       lock it, diff it against the updater's previous operation, ask the
//       indexer which manifests the added/removed vulnerabilities affect (in
//       chunks), store the set and its receipt in one transaction
//   deliver (every delivery_interval): each created/failed set, under a lock
//   gc (hourly): deleted sets, and delivered ones after 14 days
//
// Several notifier processes may share one database: locks and receipts
// make every operation produce one set and every set one delivery.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "notifier/deliverer.h"
#include "services/indexer_service.h"
#include "services/matcher_service.h"
#include "services/notifier_service.h"
#include "store/notifier_store.h"

namespace lucid::notifier {

struct NotifierOptions {
  std::chrono::milliseconds poll_interval{std::chrono::hours(6)};
  std::chrono::milliseconds delivery_interval{std::chrono::hours(1)};
  std::chrono::milliseconds gc_interval{std::chrono::hours(1)};
  std::chrono::seconds retention{std::chrono::hours(24 * 14)};
  bool summary = true;           // notifier.disable_summary inverted
  size_t affected_chunk = 1000;  // vulnerabilities per affected-manifest request
};

class Notifier final : public services::NotifierService {
 public:
  // `deliverer` may be null (no mechanism configured): sets are still made
  // and served, but nobody is told.
  Notifier(std::shared_ptr<store::NotifierStore> store, services::MatcherService* matcher,
           services::IndexerService* indexer, std::unique_ptr<Deliverer> deliverer, NotifierOptions options);
  ~Notifier() override;

  // One poll: processes every new update operation. Returns the number of
  // sets stored, or the first error (the others are still attempted).
  Result<int> ProcessOnce();
  // One delivery tick. Returns the number of sets delivered.
  Result<int> DeliverOnce();
  Result<int64_t> CollectGarbage();

  // Background loops; the first poll and delivery happen after one interval,
  // as Clair's do, unless Poke()d.
  void Start();
  void Stop();
  // Polls now (an update run just finished), then delivers.
  void Poke();

  // services::NotifierService
  Result<services::NotificationPage> Notifications(const std::string& set_id, int64_t page_size,
                                                   const std::string& next) override;
  Status DeleteNotifications(const std::string& set_id) override;

 private:
  Result<bool> ProcessOperation(const std::string& updater, const UpdateOperation& uo);
  void Loop();

  std::shared_ptr<store::NotifierStore> store_;
  services::MatcherService* matcher_;
  services::IndexerService* indexer_;
  std::unique_ptr<Deliverer> deliverer_;
  NotifierOptions o_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};  // read between the steps of a long poll
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace lucid::notifier
