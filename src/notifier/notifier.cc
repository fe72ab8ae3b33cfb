#include "notifier/notifier.h"

#include <algorithm>

#include "base/log.h"
#include "http/metrics.h"
#include "notifier/notification.h"
#include "store/store_util.h"

namespace lucid::notifier {

namespace {

struct Metrics {
  metrics::Family* sets;
  metrics::Family* notifications;
  metrics::Family* deliveries;
  metrics::Family* errors;
};

// Registered once per process (the registry refuses duplicates).
Metrics& M() {
  static Metrics m = [] {
    auto& r = metrics::Registry::Default();
    return Metrics{
        &r.AddCounter("lucid_notifier_sets_total", "Notification sets stored, by updater and outcome.",
                      {"updater", "outcome"}),
        &r.AddCounter("lucid_notifier_notifications_total", "Notifications created, by reason.", {"reason"}),
        &r.AddCounter("lucid_notifier_deliveries_total", "Delivery attempts of notification sets.",
                      {"mechanism", "outcome"}),
        &r.AddCounter("lucid_notifier_errors_total", "Failed notifier steps.", {"step"}),
    };
  }();
  return m;
}

}  // namespace

Notifier::Notifier(std::shared_ptr<store::NotifierStore> store, services::MatcherService* matcher,
                   services::IndexerService* indexer, std::unique_ptr<Deliverer> deliverer, NotifierOptions options)
    : store_(std::move(store)),
      matcher_(matcher),
      indexer_(indexer),
      deliverer_(std::move(deliverer)),
      o_(std::move(options)) {
  M();
}

Notifier::~Notifier() { Stop(); }

Result<int> Notifier::ProcessOnce() {
  LUCID_ASSIGN_OR_RETURN(auto latest, matcher_->UpdateOperations("vulnerability", true));
  int stored = 0;
  Status first;
  for (const auto& [updater, ops] : latest) {
    if (ops.empty()) continue;
    auto done = ProcessOperation(updater, ops.front());
    if (!done.ok()) {
      M().errors->With({"process"}).Inc();
      log::Error("notifier", "could not process update operation",
                 {{"updater", updater}, {"ref", ops.front().ref}, {"error", done.status().message()}});
      if (first.ok()) first = done.status();
      continue;
    }
    if (*done) ++stored;
  }
  if (!first.ok()) return first;
  return stored;
}

Result<bool> Notifier::ProcessOperation(const std::string& updater, const UpdateOperation& uo) {
  LUCID_ASSIGN_OR_RETURN(bool seen, store_->HasReceipt(uo.ref));
  if (seen) return false;
  // Another notifier process may be on it; it will store the receipt.
  LUCID_ASSIGN_OR_RETURN(auto lock, store_->TryLockKey("notifier-uo-" + uo.ref));
  if (!lock) return false;
  LUCID_ASSIGN_OR_RETURN(seen, store_->HasReceipt(uo.ref));
  if (seen) return false;

  // Only the newest operation of an updater is notified; the previous one is
  // what it is compared with (nothing for an updater's first operation).
  LUCID_ASSIGN_OR_RETURN(auto all, matcher_->UpdateOperations("vulnerability", false));
  auto it = all.find(updater);
  if (it == all.end() || it->second.empty() || it->second.front().ref != uo.ref) return false;
  std::string prev = it->second.size() > 1 ? it->second[1].ref : std::string();

  auto started = std::chrono::steady_clock::now();
  LUCID_ASSIGN_OR_RETURN(auto diff, matcher_->UpdateDiff(prev, uo.ref));
  NotificationBuilder builder(o_.summary);
  for (auto [reason, list] :
       {std::pair<const char*, std::vector<Vulnerability>*>{"added", &diff.added}, {"removed", &diff.removed}}) {
    for (size_t i = 0; i < list->size(); i += o_.affected_chunk) {
      // Nothing is stored until the end, so stopping here loses no work.
      if (stopping_) return Cancelled("notifier is stopping");
      size_t end = std::min(list->size(), i + o_.affected_chunk);
      std::vector<Vulnerability> chunk(std::make_move_iterator(list->begin() + static_cast<ptrdiff_t>(i)),
                                       std::make_move_iterator(list->begin() + static_cast<ptrdiff_t>(end)));
      // Ids are only unique within one request; the builder copies what it keeps.
      for (size_t k = 0; k < chunk.size(); ++k) chunk[k].id = std::to_string(k);
      LUCID_ASSIGN_OR_RETURN(auto affected, indexer_->GetAffectedManifests(chunk));
      builder.Add(reason, affected);
    }
  }
  auto notifications = builder.Take();
  store::NotificationSet set;
  set.id = store::internal::NewUuidV4();
  set.uo_ref = uo.ref;
  set.updater = updater;
  std::vector<store::StoredNotification> rows;
  rows.reserve(notifications.size());
  for (const auto& n : notifications) {
    rows.push_back({n.id, EncodeNotification(n)});
    M().notifications->With({n.reason}).Inc();
  }
  Status put = store_->PutNotificationSet(set, rows);
  if (put.code() == StatusCode::kAlreadyExists) return false;
  LUCID_RETURN_IF_ERROR(put);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  M().sets->With({updater, rows.empty() ? "no_manifests" : "created"}).Inc();
  log::Info("notifier", rows.empty() ? "update operation affects no indexed manifest" : "notification set created",
            {{"updater", updater},
             {"ref", uo.ref},
             {"prev", prev},
             {"added", static_cast<int64_t>(diff.added.size())},
             {"removed", static_cast<int64_t>(diff.removed.size())},
             {"notifications", static_cast<int64_t>(rows.size())},
             {"notification_id", set.id},
             {"seconds", secs}});
  return true;
}

Result<int> Notifier::DeliverOnce() {
  if (!deliverer_) return 0;
  LUCID_ASSIGN_OR_RETURN(auto sets, store_->SetsToDeliver());
  int delivered = 0;
  for (const auto& set : sets) {
    LUCID_ASSIGN_OR_RETURN(auto lock, store_->TryLockKey("notifier-set-" + set.id));
    if (!lock) continue;  // another process is delivering it
    // It may have been delivered (or deleted) since the list was read.
    LUCID_ASSIGN_OR_RETURN(auto now, store_->GetSet(set.id));
    if (!now ||
        (now->status != store::ReceiptStatus::kCreated && now->status != store::ReceiptStatus::kDeliveryFailed)) {
      continue;
    }
    Status s = deliverer_->Deliver(set);
    if (!s.ok()) {
      M().deliveries->With({deliverer_->name(), "failed"}).Inc();
      log::Warn("notifier", "delivery failed; retrying on the next delivery tick",
                {{"notification_id", set.id},
                 {"mechanism", deliverer_->name()},
                 {"target", deliverer_->target()},
                 {"attempts", set.attempts + 1},
                 {"error", s.message()}});
      LUCID_RETURN_IF_ERROR(store_->MarkDeliveryFailed(set.id, s.message()));
      continue;
    }
    LUCID_RETURN_IF_ERROR(store_->MarkDelivered(set.id));
    // Delivered first, then deleted, as Clair's direct deliverers do; the GC
    // purges the bodies.
    if (deliverer_->deletes_after_delivery()) LUCID_RETURN_IF_ERROR(store_->MarkDeleted(set.id));
    M().deliveries->With({deliverer_->name(), "delivered"}).Inc();
    log::Info("notifier", "notification set delivered",
              {{"notification_id", set.id},
               {"mechanism", deliverer_->name()},
               {"target", deliverer_->target()},
               {"notifications", set.notifications}});
    ++delivered;
  }
  return delivered;
}

Result<int64_t> Notifier::CollectGarbage() { return store_->GarbageCollect(o_.retention); }

void Notifier::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  stopping_ = false;
  log::Info("notifier", "notifier started",
            {{"mechanism", deliverer_ ? deliverer_->name() : std::string("none")},
             {"target", deliverer_ ? deliverer_->target() : std::string()},
             {"poll_interval_s", std::chrono::duration<double>(o_.poll_interval).count()},
             {"delivery_interval_s", std::chrono::duration<double>(o_.delivery_interval).count()},
             {"summary", o_.summary}});
  thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Poke() {
  {
    std::lock_guard<std::mutex> l(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

void Notifier::Loop() {
  using Clock = std::chrono::steady_clock;
  auto now = Clock::now();
  auto next_poll = now + o_.poll_interval;
  auto next_delivery = now + o_.delivery_interval;
  auto next_gc = now + o_.gc_interval;
  while (true) {
    bool poll = false, deliver = false, gc = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_until(l, std::min({next_poll, next_delivery, next_gc}), [this] { return stop_ || poked_; });
      if (stop_) return;
      now = Clock::now();
      poll = poked_ || now >= next_poll;
      deliver = poked_ || now >= next_delivery;
      gc = now >= next_gc;
      poked_ = false;
    }
    if (poll) {
      auto r = ProcessOnce();
      if (!r.ok()) log::Warn("notifier", "poll failed", {{"error", r.status().message()}});
      next_poll = Clock::now() + o_.poll_interval;
      // New sets go out at once rather than a delivery interval later.
      if (r.ok() && *r > 0) deliver = true;
    }
    if (deliver) {
      auto r = DeliverOnce();
      if (!r.ok()) {
        M().errors->With({"deliver"}).Inc();
        log::Warn("notifier", "delivery tick failed", {{"error", r.status().message()}});
      }
      next_delivery = Clock::now() + o_.delivery_interval;
    }
    if (gc) {
      auto r = CollectGarbage();
      if (!r.ok()) {
        M().errors->With({"gc"}).Inc();
        log::Warn("notifier", "garbage collection failed", {{"error", r.status().message()}});
      } else if (*r > 0) {
        log::Info("notifier", "garbage collected notification sets", {{"removed", *r}});
      }
      next_gc = Clock::now() + o_.gc_interval;
    }
  }
}

Result<services::NotificationPage> Notifier::Notifications(const std::string& set_id, int64_t page_size,
                                                           const std::string& next) {
  services::NotificationPage page;
  page.size = page_size;
  LUCID_ASSIGN_OR_RETURN(auto rows, store_->GetNotifications(set_id, page_size, next));
  page.next = rows.next;
  page.notifications.reserve(rows.items.size());
  for (auto& it : rows.items) page.notifications.push_back(std::move(it.json));
  return page;
}

Status Notifier::DeleteNotifications(const std::string& set_id) { return store_->MarkDeleted(set_id); }

}  // namespace lucid::notifier
