#include "updater/update_manager.h"

#include <algorithm>
#include <thread>

#include "base/hash.h"
#include "base/log.h"
#include "updater/updater_metrics.h"

namespace lucid::updater {

bool RunSummary::all_ok() const {
  for (const auto& o : outcomes) {
    if (o.status == "failed") return false;
  }
  return true;
}

std::string DescribeOutcome(const UpdaterOutcome& o) {
  std::string s = o.updater + ": " + o.status;
  if (o.status == "updated") s += " (" + std::to_string(o.records) + " records)";
  if (!o.error.empty()) s += ": " + o.error;
  return s;
}

Result<std::string> StoreDestination::PreviousFingerprint(const std::string& updater) {
  LUCID_ASSIGN_OR_RETURN(auto op, store_->LatestUpdateOperation(updater));
  return op ? op->fingerprint : std::string();
}

Result<std::unique_ptr<store::Lock>> StoreDestination::TryLock(const std::string& updater) {
  if (!locks_) return std::unique_ptr<store::Lock>();
  return locks_->TryLockKey("updater:" + updater);
}

UpdateManager::UpdateManager(std::vector<std::shared_ptr<const UpdaterSetFactory>> factories, UpdaterConfig config)
    : factories_(std::move(factories)), config_(std::move(config)) {}

std::vector<std::string> UpdateManager::SelectedSets() const {
  std::vector<std::string> out;
  for (const auto& f : factories_) {
    std::string name(f->name());
    if (config_.sets && std::find(config_.sets->begin(), config_.sets->end(), name) == config_.sets->end()) continue;
    out.push_back(name);
  }
  return out;
}

std::string UpdateManager::SetConfig(const std::string& name) const {
  auto it = config_.set_config.find(name);
  return it == config_.set_config.end() ? "{}" : it->second;
}

std::map<std::string, std::vector<std::string>> UpdateManager::ListUrls() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& f : factories_) {
    std::string name(f->name());
    if (config_.sets && std::find(config_.sets->begin(), config_.sets->end(), name) == config_.sets->end()) continue;
    out[name] = f->Urls(SetConfig(name));
  }
  return out;
}

std::map<std::string, std::vector<std::string>> UpdateManager::ResolveUrls(std::map<std::string, std::string>* errors) {
  std::map<std::string, std::vector<std::string>> out;
  net::HttpClient http;
  ConfigureClient(http);
  for (const auto& name : SelectedSets()) {
    auto f = std::find_if(factories_.begin(), factories_.end(), [&](const auto& x) { return x->name() == name; });
    auto ups = (*f)->Create(SetConfig(name), http);
    if (!ups.ok()) {
      if (errors != nullptr) (*errors)[name] = ups.status().ToString();
      out[name] = (*f)->Urls(SetConfig(name));
      continue;
    }
    for (const auto& u : *ups) out[std::string(u->name())] = u->Urls();
  }
  return out;
}

void UpdateManager::ConfigureClient(net::HttpClient& http) const {
  http.limits.max_body_bytes = config_.max_body_bytes;
  http.limits.timeout = config_.timeout;
  http.limits.stall_timeout = config_.stall_timeout;
}

namespace {

// Counts records and stops a parse that outlives the updater's deadline.
class CountingSink final : public VulnerabilitySink, public EnrichmentSink {
 public:
  CountingSink(store::UpdateWriter* w, std::string updater, std::chrono::steady_clock::time_point deadline)
      : w_(w), updater_(std::move(updater)), deadline_(deadline) {}
  Status Add(Vulnerability v) override {
    LUCID_RETURN_IF_ERROR(Tick());
    if (v.updater.empty()) v.updater = updater_;
    return w_->Add(v);
  }
  Status Add(EnrichmentRecord e) override {
    LUCID_RETURN_IF_ERROR(Tick());
    return w_->AddEnrichment(e.tags, e.json);
  }
  int64_t count = 0;

 private:
  Status Tick() {
    if ((++count & 1023) == 0 && std::chrono::steady_clock::now() > deadline_) {
      return DeadlineExceeded("updater time limit reached while parsing");
    }
    return Status::Ok();
  }
  store::UpdateWriter* w_;
  std::string updater_;
  std::chrono::steady_clock::time_point deadline_;
};

// Bad data does not get better by retrying; network trouble might.
bool Retryable(const Status& s) {
  switch (s.code()) {
    case StatusCode::kCorrupt:
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnsupported:
      return false;
    default:
      return true;
  }
}

Result<std::string> HashFile(const std::string& path) {
  LUCID_ASSIGN_OR_RETURN(auto r, FileReader::Open(path));
  Hasher h(HashAlgorithm::kSha256);
  std::vector<char> buf(256 << 10);
  for (;;) {
    LUCID_ASSIGN_OR_RETURN(size_t n, r->Read(buf.data(), buf.size()));
    if (n == 0) break;
    h.Update(buf.data(), n);
  }
  return "sha256:" + h.FinishHex();
}

}  // namespace

UpdaterOutcome UpdateManager::RunUpdater(Updater& u, UpdateDestination& dest, net::HttpClient& http) {
  UpdaterOutcome out;
  out.updater = std::string(u.name());
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + config_.timeout;
  {
    auto urls = u.Urls();
    if (!urls.empty()) out.url = urls.front();
  }
  auto finish = [&](std::string status, std::string error = "") {
    out.status = std::move(status);
    out.error = std::move(error);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out.proxy = net::ProxyFor(out.url);
    UpdaterMetrics::Global().Record(out.updater, out.status, out.status == "updated" ? out.records : 0, out.seconds,
                                    out.error);
    log::Fields f{{"updater", out.updater},
                  {"outcome", out.status},
                  {"url", out.url},
                  {"proxy", out.proxy.empty() ? std::string("direct") : out.proxy},
                  {"duration_ms", out.seconds * 1000},
                  {"bytes", out.bytes},
                  {"records", out.records},
                  {"fingerprint", out.fingerprint},
                  {"attempts", out.attempts}};
    if (!out.ref.empty()) f.emplace_back("ref", out.ref);
    if (!out.error.empty()) {
      f.emplace_back("error", out.error);
      log::Error("updater", "update failed", f);
    } else {
      log::Info("updater", "update finished", f);
    }
    return out;
  };

  auto lock = dest.TryLock(out.updater);
  if (!lock.ok()) return finish("skipped", "");
  auto prev = dest.PreviousFingerprint(out.updater);
  if (!prev.ok()) return finish("failed", prev.status().ToString());

  Status last;
  for (int attempt = 0; attempt <= config_.retries; ++attempt) {
    if (attempt > 0) {
      // Exponential backoff, cut short by cancellation or the deadline.
      auto wait = config_.retry_backoff * (1 << std::min(attempt - 1, 10));
      auto until = std::chrono::steady_clock::now() + wait;
      if (until >= deadline) break;
      while (std::chrono::steady_clock::now() < until && !cancelled_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (cancelled_) {
      last = Cancelled("update run cancelled");
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      last = DeadlineExceeded("updater time limit of " + std::to_string(config_.timeout.count()) + "s reached");
      break;
    }
    ++out.attempts;
    auto fetched = u.Fetch(http, *prev);
    if (!fetched.ok()) {
      last = fetched.status();
      if (!Retryable(last)) break;
      continue;
    }
    if (!fetched->url.empty()) out.url = fetched->url;
    out.bytes = fetched->bytes;
    out.fingerprint = fetched->fingerprint;
    if (fetched->unchanged) return finish("unchanged");
    // Sources without validators still get a fingerprint: the content hash.
    if (out.fingerprint.empty() && fetched->body != nullptr) {
      auto h = HashFile(fetched->body->path());
      if (h.ok()) {
        out.fingerprint = fetched->fingerprint = *h;
        if (*h == *prev) return finish("unchanged");
      }
    }
    std::lock_guard<std::mutex> parse_lock(parse_mu_);
    auto writer = dest.Begin(out.updater, fetched->fingerprint, std::string(u.kind()));
    if (!writer.ok()) {
      last = writer.status();
      continue;
    }
    CountingSink sink(writer->get(), out.updater, deadline);
    Status parsed = u.Parse(*fetched, &sink, &sink);
    if (!parsed.ok()) {
      (*writer)->Abort();
      last = parsed;
      if (!Retryable(parsed)) break;
      continue;
    }
    out.records = sink.count;
    auto op = (*writer)->Commit();
    if (!op.ok()) {
      last = op.status();
      continue;
    }
    out.ref = op->ref;
    return finish("updated");
  }
  if (last.ok()) last = DeadlineExceeded("updater time limit reached before a retry");
  return finish("failed", last.ToString());
}

RunSummary UpdateManager::RunOnce(UpdateDestination& dest) {
  RunSummary summary;
  std::vector<std::unique_ptr<Updater>> all;
  {
    net::HttpClient http;
    ConfigureClient(http);
    for (const auto& name : SelectedSets()) {
      auto f = std::find_if(factories_.begin(), factories_.end(), [&](const auto& x) { return x->name() == name; });
      auto updaters = (*f)->Create(SetConfig(name), http);
      if (!updaters.ok()) {
        UpdaterOutcome o;
        o.updater = name;
        o.status = "failed";
        o.error = updaters.status().ToString();
        UpdaterMetrics::Global().Record(name, "failed", 0, 0, o.error);
        log::Error("updater", "could not create updaters", {{"set", name}, {"error", o.error}});
        summary.outcomes.push_back(o);
        continue;
      }
      for (auto& u : *updaters) all.push_back(std::move(u));
    }
  }
  std::vector<UpdaterOutcome> outcomes(all.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    net::HttpClient http;
    ConfigureClient(http);
    for (size_t i = next++; i < all.size(); i = next++) outcomes[i] = RunUpdater(*all[i], dest, http);
  };
  size_t threads = std::min<size_t>(std::max(config_.concurrency, 1), all.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (!all.empty()) worker();
  for (auto& t : pool) t.join();
  for (auto& o : outcomes) summary.outcomes.push_back(std::move(o));
  return summary;
}

}  // namespace lucid::updater
