#include "store/postgres/pg_conn.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.h"

namespace lucid::store {

namespace {

bool IsUrl(std::string_view s) { return StartsWith(s, "postgres://") || StartsWith(s, "postgresql://"); }

// Removes pgx pool options, which libpq would reject, remembering
// pool_max_conns.
Result<std::string> StripPoolOptions(const std::string& in, int* pool_max) {
  auto take = [&](std::string_view key, std::string_view value) -> Status {
    if (key == "pool_max_conns") {
      int n = std::atoi(std::string(value).c_str());
      if (n <= 0 || n > 1000) return InvalidArgument("postgres connstring: bad pool_max_conns \"" + std::string(value) + "\"");
      *pool_max = n;
    }
    return Status::Ok();
  };
  if (IsUrl(in)) {
    size_t q = in.find('?');
    if (q == std::string::npos) return in;
    std::string out = in.substr(0, q);
    char sep = '?';
    for (auto part : SplitString(std::string_view(in).substr(q + 1), '&')) {
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string_view key = part.substr(0, eq);
      if (StartsWith(key, "pool_")) {
        LUCID_RETURN_IF_ERROR(take(key, eq == std::string_view::npos ? "" : part.substr(eq + 1)));
        continue;
      }
      out += sep;
      out += part;
      sep = '&';
    }
    return out;
  }
  // key = value pairs; values may be single-quoted with backslash escapes.
  std::string out;
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(in[i]))) ++i;
    if (i >= n) break;
    size_t start = i;
    while (i < n && in[i] != '=' && !std::isspace(static_cast<unsigned char>(in[i]))) ++i;
    std::string key = in.substr(start, i - start);
    while (i < n && std::isspace(static_cast<unsigned char>(in[i]))) ++i;
    if (i >= n || in[i] != '=') return InvalidArgument("postgres connstring: missing \"=\" after \"" + key + "\"");
    ++i;
    while (i < n && std::isspace(static_cast<unsigned char>(in[i]))) ++i;
    std::string value;
    if (i < n && in[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (in[i] == '\\' && i + 1 < n) {
          value += in[i + 1];
          i += 2;
          continue;
        }
        if (in[i] == '\'') {
          closed = true;
          ++i;
          break;
        }
        value += in[i++];
      }
      if (!closed) return InvalidArgument("postgres connstring: unterminated quoted value for \"" + key + "\"");
    } else {
      while (i < n && !std::isspace(static_cast<unsigned char>(in[i]))) value += in[i++];
    }
    if (StartsWith(key, "pool_")) {
      LUCID_RETURN_IF_ERROR(take(key, value));
      continue;
    }
    std::string quoted;
    for (char c : value) {
      if (c == '\\' || c == '\'') quoted += '\\';
      quoted += c;
    }
    out += key + "='" + quoted + "' ";
  }
  return out;
}

class PgRow final : public Row {
 public:
  PgRow(PGresult* r, int row) : r_(r), row_(row) {}
  bool IsNull(int c) const override { return PQgetisnull(r_, row_, c); }
  std::string Text(int c) const override {
    return std::string(PQgetvalue(r_, row_, c), static_cast<size_t>(PQgetlength(r_, row_, c)));
  }
  int64_t Int(int c) const override { return std::strtoll(PQgetvalue(r_, row_, c), nullptr, 10); }
  std::string Bytes(int c) const override {
    // bytea in text format is "\x" + hex (bytea_output = hex, the default since 9.0).
    std::string_view s(PQgetvalue(r_, row_, c), static_cast<size_t>(PQgetlength(r_, row_, c)));
    if (!StartsWith(s, "\\x")) return std::string(s);
    auto nib = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
      return 0;
    };
    std::string out;
    out.reserve((s.size() - 2) / 2);
    for (size_t i = 2; i + 1 < s.size(); i += 2) out += static_cast<char>(nib(s[i]) << 4 | nib(s[i + 1]));
    return out;
  }
  void set_row(int r) { row_ = r; }

 private:
  PGresult* r_;
  int row_;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

Result<PgConfig> ParsePgConnString(const std::string& connstring) {
  PgConfig cfg;
  LUCID_ASSIGN_OR_RETURN(std::string stripped, StripPoolOptions(connstring, &cfg.pool_max_conns));
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(stripped.c_str(), &err);
  if (!opts) {
    std::string m = err ? err : "out of memory";
    PQfreemem(err);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return InvalidArgument("invalid postgres connstring: " + m);
  }
  bool has_app = false, has_timeout = false;
  std::string host, port, db;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string k = o->keyword;
    if (k == "application_name" && *o->val) has_app = true;
    if (k == "connect_timeout" && *o->val) has_timeout = true;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
    cfg.options.emplace_back(k, o->val);
  }
  PQconninfoFree(opts);
  if (!has_app) cfg.options.emplace_back("application_name", "lucid");
  if (!has_timeout) cfg.options.emplace_back("connect_timeout", "10");
  cfg.display = "postgres " + (host.empty() ? std::string("(default host)") : host) + (port.empty() ? "" : ":" + port) +
                (db.empty() ? "" : "/" + db);
  return cfg;
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const PgConfig& cfg) {
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : cfg.options) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 0);
  if (!c) return Unavailable(cfg.display + ": out of memory connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return Unavailable(cfg.display + ": cannot connect: " + m);
  }
  auto conn = std::unique_ptr<PgConn>(new PgConn(c, cfg.display));
  // Quiet NOTICEs (e.g. "relation already exists, skipping") stay out of stderr.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return conn;
}

PgConn::~PgConn() { PQfinish(c_); }

bool PgConn::InTransaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }

bool PgConn::Healthy() {
  if (broken_ || PQstatus(c_) != CONNECTION_OK) return false;
  struct pollfd p {};
  p.fd = PQsocket(c_);
  if (p.fd < 0) return false;
  p.events = POLLIN;
  // An idle session receives nothing we asked for; readable means the server
  // said goodbye (restart, admin termination) or closed the socket.
  if (poll(&p, 1, 0) != 0) return false;
  return true;
}

Status PgConn::Simple(const char* sql) { return Run(sql, {}, nullptr); }
Status PgConn::Exec(std::string_view sql, const Params& params) { return Run(sql, params, nullptr); }
Status PgConn::Query(std::string_view sql, const Params& params, const std::function<Status(const Row&)>& fn) {
  return Run(sql, params, &fn);
}
Status PgConn::QueryUnprepared(std::string_view sql, const Params& params,
                               const std::function<Status(const Row&)>& fn) {
  return Run(sql, params, &fn, false);
}
Status PgConn::BeginWrite() { return Simple("BEGIN"); }
Status PgConn::BeginRead() { return Simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
Status PgConn::Commit() { return Simple("COMMIT"); }
void PgConn::Rollback() {
  if (!broken_ && InTransaction()) {
    PQclear(PQexec(c_, "ROLLBACK"));
  }
}

Status PgConn::Run(std::string_view sql, const Params& params, const std::function<Status(const Row&)>* fn,
                   bool prepare) {
  auto fail = [&](PGresult* r) -> Status {
    std::string m = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
    if (m.empty()) m = PQerrorMessage(c_);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    const char* st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = st ? st : "";
    if (PQstatus(c_) != CONNECTION_OK || StartsWith(state, "08") || StartsWith(state, "57P")) {
      broken_ = true;
      return Unavailable(display_ + ": connection lost: " + m);
    }
    if (state == "40001" || state == "40P01" || state == "55P03" || StartsWith(state, "53")) {
      return Unavailable(display_ + ": " + m);
    }
    if (state == "23505") return Status(StatusCode::kAlreadyExists, display_ + ": " + m);
    return Internal(display_ + ": " + m + (state.empty() ? "" : " (SQLSTATE " + state + ")"));
  };
  if (broken_) return Unavailable(display_ + ": connection lost");
  ResultPtr res;
  if (params.empty() && !fn) {
    // Scripts (migrations) and transaction control.
    res.reset(PQexec(c_, std::string(sql).c_str()));
  } else {
    std::string key(sql);
    const std::string* name = nullptr;
    if (prepare) {
      auto it = prepared_.find(key);
      if (it == prepared_.end()) {
        std::string n = "lucid_" + std::to_string(prepared_.size());
        ResultPtr p(PQprepare(c_, n.c_str(), key.c_str(), static_cast<int>(params.size()), nullptr));
        if (!p || PQresultStatus(p.get()) != PGRES_COMMAND_OK) return fail(p.get());
        it = prepared_.emplace(key, std::move(n)).first;
      }
      name = &it->second;
    }
    std::vector<std::string> storage;
    storage.reserve(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        values[i] = nullptr;
      } else if (auto* n = std::get_if<int64_t>(&p)) {
        storage.push_back(std::to_string(*n));
        values[i] = storage.back().c_str();
      } else if (auto* s = std::get_if<std::string_view>(&p)) {
        storage.emplace_back(*s);
        values[i] = storage.back().c_str();
      } else {
        const Blob& b = std::get<Blob>(p);
        values[i] = b.data.data();
        lengths[i] = static_cast<int>(b.data.size());
        formats[i] = 1;
      }
    }
    if (name) {
      res.reset(PQexecPrepared(c_, name->c_str(), static_cast<int>(params.size()), values.data(), lengths.data(),
                               formats.data(), 0));
    } else {
      res.reset(PQexecParams(c_, key.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                             formats.data(), 0));
    }
  }
  if (!res) return fail(nullptr);
  ExecStatusType st = PQresultStatus(res.get());
  if (st == PGRES_COMMAND_OK) {
    const char* t = PQcmdTuples(res.get());
    changes_ = (t && *t) ? std::strtoll(t, nullptr, 10) : 0;
    return Status::Ok();
  }
  if (st != PGRES_TUPLES_OK) return fail(res.get());
  changes_ = PQntuples(res.get());
  if (fn) {
    PgRow row(res.get(), 0);
    const int n = PQntuples(res.get());
    for (int i = 0; i < n; ++i) {
      row.set_row(i);
      LUCID_RETURN_IF_ERROR((*fn)(row));
    }
  }
  return Status::Ok();
}

}  // namespace lucid::store
