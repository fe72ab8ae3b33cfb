// NotifierStore over SqlConn, shared by SQLite and PostgreSQL. The schema is
// Lucid's own (lucid_ prefix) rather than Clair's notifier tables, so Lucid
// and Clair can share a PostgreSQL database during a migration.
#include <ctime>

#include "store/notifier_store.h"
#include "store/postgres/pg_backend.h"
#include "store/sql_store.h"
#include "store/sqlite/sqlite_backend.h"
#include "store/store_factory.h"

namespace lucid::store {

std::string_view ReceiptStatusName(ReceiptStatus s) {
  switch (s) {
    case ReceiptStatus::kCreated:
      return "created";
    case ReceiptStatus::kDelivered:
      return "delivered";
    case ReceiptStatus::kDeliveryFailed:
      return "delivery_failed";
    case ReceiptStatus::kDeleted:
      return "deleted";
  }
  return "created";
}

namespace {

ReceiptStatus ParseStatus(const std::string& s) {
  if (s == "delivered") return ReceiptStatus::kDelivered;
  if (s == "delivery_failed") return ReceiptStatus::kDeliveryFailed;
  if (s == "deleted") return ReceiptStatus::kDeleted;
  return ReceiptStatus::kCreated;
}

// Pages are ordered by notification UUID in byte order, as Clair's are; on
// PostgreSQL that needs the "C" collation (a locale collation may skip '-').
std::string NotifierV1(bool postgres) {
  const std::string c = postgres ? " COLLATE \"C\"" : "";
  return R"sql(
CREATE TABLE lucid_notification_set (
  id TEXT PRIMARY KEY,
  uo_ref TEXT NOT NULL UNIQUE,
  updater TEXT NOT NULL,
  status TEXT NOT NULL,
  status_time BIGINT NOT NULL,
  created BIGINT NOT NULL,
  notifications BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lucid_notification_set_status ON lucid_notification_set (status, status_time);
CREATE INDEX lucid_notification_set_updater ON lucid_notification_set (updater, created);
CREATE TABLE lucid_notification (
  set_id TEXT NOT NULL REFERENCES lucid_notification_set (id) ON DELETE CASCADE,
  id TEXT)sql" +
         c +
         R"sql( NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (set_id, id)
);
)sql";
}

MigrationSet NotifierMigrations(bool postgres) {
  return MigrationSet{"lucid_notifier_migrations", "notifier", {NotifierV1(postgres)}};
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

constexpr const char* kSetColumns = "id, uo_ref, updater, status, notifications, attempts, last_error, status_time";

NotificationSet SetFromRow(const Row& r) {
  NotificationSet s;
  s.id = r.Text(0);
  s.uo_ref = r.Text(1);
  s.updater = r.Text(2);
  s.status = ParseStatus(r.Text(3));
  s.notifications = r.Int(4);
  s.attempts = r.Int(5);
  s.last_error = r.Text(6);
  s.status_time = r.Int(7);
  return s;
}

class SqlNotifierStore final : public NotifierStore {
 public:
  SqlNotifierStore(std::shared_ptr<SqlBackend> b, MigrationSet m) : b_(std::move(b)), migrations_(std::move(m)) {}

  Result<bool> HasReceipt(const std::string& uo_ref) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT count(*) FROM lucid_notification_set WHERE uo_ref = $1",
                                               {std::string_view(uo_ref)}));
    return n.value_or(0) > 0;
  }

  Status PutNotificationSet(const NotificationSet& set, const std::vector<StoredNotification>& items) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginWrite());
    LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt("SELECT count(*) FROM lucid_notification_set WHERE uo_ref = $1",
                                               {std::string_view(set.uo_ref)}));
    if (n.value_or(0) > 0)
      return Status(StatusCode::kAlreadyExists, "update operation " + set.uo_ref + " already has a receipt");
    const std::string status(ReceiptStatusName(items.empty() ? ReceiptStatus::kDelivered : ReceiptStatus::kCreated));
    LUCID_RETURN_IF_ERROR(
        c->Exec("INSERT INTO lucid_notification_set (id, uo_ref, updater, status, status_time, created, notifications) "
                "VALUES ($1, $2, $3, $4, $5, $5, $6)",
                {std::string_view(set.id), std::string_view(set.uo_ref), std::string_view(set.updater),
                 std::string_view(status), Now(), static_cast<int64_t>(items.size())}));
    for (const auto& it : items) {
      LUCID_RETURN_IF_ERROR(c->Exec("INSERT INTO lucid_notification (set_id, id, body) VALUES ($1, $2, $3)",
                                    {std::string_view(set.id), std::string_view(it.id), std::string_view(it.json)}));
    }
    return txn.Commit();
  }

  Result<std::vector<NotificationSet>> SetsToDeliver() override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    std::vector<NotificationSet> out;
    LUCID_RETURN_IF_ERROR(c->Query(std::string("SELECT ") + kSetColumns +
                                       " FROM lucid_notification_set WHERE status IN ('created', 'delivery_failed') "
                                       "ORDER BY status_time, id",
                                   {}, [&](const Row& r) {
                                     out.push_back(SetFromRow(r));
                                     return Status::Ok();
                                   }));
    return out;
  }

  Result<std::optional<NotificationSet>> GetSet(const std::string& set_id) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    std::optional<NotificationSet> out;
    LUCID_RETURN_IF_ERROR(c->Query(std::string("SELECT ") + kSetColumns + " FROM lucid_notification_set WHERE id = $1",
                                   {std::string_view(set_id)}, [&](const Row& r) {
                                     out = SetFromRow(r);
                                     return Status::Ok();
                                   }));
    return out;
  }

  Status MarkDelivered(const std::string& set_id) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    return c->Exec(
        "UPDATE lucid_notification_set SET status = 'delivered', last_error = '', status_time = $2 "
        "WHERE id = $1 AND status IN ('created', 'delivery_failed')",
        {std::string_view(set_id), Now()});
  }

  Status MarkDeliveryFailed(const std::string& set_id, const std::string& error) override {
    // A set the client already deleted stays deleted.
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    return c->Exec(
        "UPDATE lucid_notification_set SET status = 'delivery_failed', attempts = attempts + 1, last_error = $2, "
        "status_time = $3 WHERE id = $1 AND status IN ('created', 'delivery_failed')",
        {std::string_view(set_id), std::string_view(error), Now()});
  }

  Status MarkDeleted(const std::string& set_id) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    LUCID_RETURN_IF_ERROR(
        c->Exec("UPDATE lucid_notification_set SET status = 'deleted', status_time = $2 WHERE id = $1",
                {std::string_view(set_id), Now()}));
    if (c->Changes() == 0) return NotFound("no receipt exists for notification id " + set_id);
    return Status::Ok();
  }

  Result<NotificationPageRows> GetNotifications(const std::string& set_id, int64_t page_size,
                                                const std::string& after) override {
    if (page_size < 1) return InvalidArgument("page size must be at least 1");
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    NotificationPageRows out;
    // One row more than asked tells whether another page follows.
    LUCID_RETURN_IF_ERROR(
        c->Query("SELECT id, body FROM lucid_notification WHERE set_id = $1 AND id > $2 "
                 "ORDER BY id LIMIT $3",
                 {std::string_view(set_id), std::string_view(after), page_size + 1}, [&](const Row& r) {
                   out.items.push_back({r.Text(0), r.Text(1)});
                   return Status::Ok();
                 }));
    if (static_cast<int64_t>(out.items.size()) > page_size) {
      out.items.pop_back();
      out.next = out.items.back().id;
    }
    return out;
  }

  Result<int64_t> GarbageCollect(std::chrono::seconds max_age) override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginWrite());
    const int64_t cutoff = Now() - max_age.count();
    // Deleted sets go at once, except that a receipt row is kept while it is
    // its updater's newest (notifications are purged with the bodies below).
    LUCID_RETURN_IF_ERROR(
        c->Exec("DELETE FROM lucid_notification WHERE set_id IN (SELECT id FROM lucid_notification_set WHERE "
                "status = 'deleted' OR (status = 'delivered' AND status_time < $1))",
                {cutoff}));
    LUCID_RETURN_IF_ERROR(c->Exec(
        "DELETE FROM lucid_notification_set WHERE (status = 'deleted' OR (status = 'delivered' AND status_time < $1)) "
        "AND id NOT IN (SELECT s.id FROM lucid_notification_set s WHERE s.created = "
        "(SELECT max(t.created) FROM lucid_notification_set t WHERE t.updater = s.updater))",
        {cutoff}));
    int64_t removed = c->Changes();
    LUCID_RETURN_IF_ERROR(txn.Commit());
    return removed;
  }

  Result<std::unique_ptr<Lock>> TryLockKey(const std::string& key) override { return b_->TryLockKey(key); }

  Result<StoreStats> Stats() override {
    LUCID_ASSIGN_OR_RETURN(auto c, b_->Acquire());
    Txn txn(c.get());
    LUCID_RETURN_IF_ERROR(txn.BeginRead());
    StoreStats st;
    st.backend = b_->name();
    st.location = b_->location();
    st.schema_version_known = static_cast<int>(migrations_.steps.size());
    LUCID_ASSIGN_OR_RETURN(st.schema_version, SchemaVersion(*b_, c.get(), migrations_));
    for (const char* t : {"lucid_notification_set", "lucid_notification"}) {
      LUCID_ASSIGN_OR_RETURN(bool exists, b_->TableExists(c.get(), t));
      if (!exists) continue;
      LUCID_ASSIGN_OR_RETURN(auto n, c->QueryInt(std::string("SELECT count(*) FROM ") + t));
      st.counts[std::string(t).substr(6)] = n.value_or(0);
    }
    LUCID_ASSIGN_OR_RETURN(st.size_bytes, b_->SizeBytes(c.get()));
    LUCID_RETURN_IF_ERROR(txn.Commit());
    return st;
  }

 private:
  std::shared_ptr<SqlBackend> b_;
  MigrationSet migrations_;
};

Result<std::shared_ptr<NotifierStore>> Open(std::shared_ptr<SqlBackend> b, bool migrate, const std::string& where) {
  MigrationSet m = NotifierMigrations(b->name() == "postgres");
  auto v = ApplyMigrations(*b, m, migrate);
  if (!v.ok()) return v.status().WithContext(where);
  return std::shared_ptr<NotifierStore>(std::make_shared<SqlNotifierStore>(std::move(b), std::move(m)));
}

}  // namespace

Result<std::shared_ptr<NotifierStore>> OpenNotifierStore(const std::string& connstring, bool migrate) {
  LUCID_ASSIGN_OR_RETURN(auto path, SqlitePathFor(connstring));
  if (path) {
    LUCID_ASSIGN_OR_RETURN(auto b, SqliteBackend::Open(*path));
    std::string where = "sqlite " + b->path();
    return Open(std::move(b), migrate, where);
  }
  LUCID_ASSIGN_OR_RETURN(auto b, PgBackend::Open(connstring));
  std::string where = b->display();
  return Open(std::move(b), migrate, where);
}

}  // namespace lucid::store
