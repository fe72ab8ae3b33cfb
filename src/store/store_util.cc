#include "store/store_util.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/hash.h"
#include "core/clair_json.h"

namespace lucid::store::internal {

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string NewUuidV4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // RAND_bytes only fails when the kernel RNG is unavailable; fall back to
    // a time/address mix rather than aborting an update.
    uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int i = 0; i < 16; ++i) b[i] = static_cast<unsigned char>((t >> ((i % 8) * 8)) ^ (i * 131));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string ScrubUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c != 0 && c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
    if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))) {
      ok = false;
    }
    if (ok) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us % 1000000));
  return buf;
}

VulnRow MakeVulnRow(const Vulnerability& in, const std::string& updater) {
  Vulnerability v = in;
  v.id.clear();  // document-local; must not influence the content hash
  if (v.updater.empty()) v.updater = updater;
  VulnRow row;
  row.json = ScrubUtf8(json::Serialize(json::EncodeVulnerability(v)));
  row.hash = Sha256Hex(row.json);
  const Package* p = v.package ? &*v.package : nullptr;
  const Distribution* d = v.distribution ? &*v.distribution : nullptr;
  const Repository* r = v.repository ? &*v.repository : nullptr;
  row.cols = {v.updater,
              v.name,
              p ? p->name : "",
              p ? std::string(PackageKindName(p->kind)) : "",
              p ? p->module : "",
              d ? d->did : "",
              d ? d->name : "",
              d ? d->version : "",
              d ? d->version_id : "",
              d ? d->version_code_name : "",
              d ? d->pretty_name : "",
              r ? r->name : "",
              r ? r->key : ""};
  for (auto& col : row.cols) col = ScrubUtf8(col);
  return row;
}

Result<Vulnerability> DecodeStoredVuln(std::string_view text, int64_t id) {
  auto v = json::Parse(text);
  if (!v.ok()) return Corrupt("stored vulnerability " + std::to_string(id) + ": " + v.status().message());
  auto vuln = json::DecodeVulnerability(*v);
  if (!vuln.ok()) return Corrupt("stored vulnerability " + std::to_string(id) + ": " + vuln.status().message());
  vuln->id = std::to_string(id);
  return vuln;
}

VulnPtr DecodedVulnCache::Lookup(int64_t id, std::string_view hash) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.hash != hash) return nullptr;
  return it->second.vuln;
}

void DecodedVulnCache::MakeRoom(size_t cost) {
  if (bytes_ + cost <= max_bytes_) return;
  entries_.clear();
  lists_.clear();
  bytes_ = 0;
}

Result<VulnPtr> DecodedVulnCache::Insert(int64_t id, std::string hash, std::string_view json) {
  LUCID_ASSIGN_OR_RETURN(Vulnerability v, DecodeStoredVuln(json, id));
  auto shared = std::make_shared<const Vulnerability>(std::move(v));
  const size_t cost = json.size() + hash.size() + 256;  // about the decoded size
  std::lock_guard<std::mutex> l(mu_);
  MakeRoom(cost);
  Entry& e = entries_[id];
  bytes_ -= std::min(bytes_, e.cost);
  e.hash = std::move(hash);
  e.vuln = shared;
  e.cost = cost;
  bytes_ += cost;
  return shared;
}

DecodedVulnCache::List DecodedVulnCache::FindList(std::string_view state, std::string_view key) {
  std::lock_guard<std::mutex> l(mu_);
  if (state != lists_state_) return nullptr;
  auto it = lists_.find(std::string(key));
  return it == lists_.end() ? nullptr : it->second;
}

namespace {
size_t ListCost(const std::string& key, const std::vector<VulnPtr>& list) {
  return key.size() + list.size() * sizeof(VulnPtr) + 96;
}
}  // namespace

void DecodedVulnCache::PutList(const std::string& state, std::string key, List list) {
  if (!list) return;
  std::lock_guard<std::mutex> l(mu_);
  if (state != lists_state_) {
    // Lists of an older state can never answer again.
    for (const auto& [k, old] : lists_) bytes_ -= std::min(bytes_, ListCost(k, *old));
    lists_.clear();
    lists_state_ = state;
  }
  const size_t cost = ListCost(key, *list);
  MakeRoom(cost);
  auto [it, fresh] = lists_.try_emplace(std::move(key), list);
  if (!fresh) {
    bytes_ -= std::min(bytes_, ListCost(it->first, *it->second));
    it->second = std::move(list);
  }
  bytes_ += cost;
}

EnrichmentMemo::Records EnrichmentMemo::Find(const std::string& updater, std::string_view state,
                                             const std::string& tag) {
  std::lock_guard<std::mutex> l(mu_);
  auto u = updaters_.find(updater);
  if (u == updaters_.end() || u->second.state != state) return nullptr;
  auto it = u->second.tags.find(tag);
  return it == u->second.tags.end() ? nullptr : it->second;
}

void EnrichmentMemo::Put(const std::string& updater, const std::string& state, const std::string& tag,
                         Records records) {
  if (!records) return;
  size_t cost = tag.size() + 96;
  for (const auto& r : *records) cost += r.size() + sizeof(std::string);
  std::lock_guard<std::mutex> l(mu_);
  if (bytes_ + cost > max_bytes_) {
    updaters_.clear();
    bytes_ = 0;
  }
  PerUpdater& u = updaters_[updater];
  if (u.state != state) {
    bytes_ -= std::min(bytes_, u.bytes);
    u.tags.clear();
    u.bytes = 0;
    u.state = state;
  }
  // An existing entry holds the same records (same operation): keep it.
  if (!u.tags.emplace(tag, std::move(records)).second) return;
  u.bytes += cost;
  bytes_ += cost;
}

EnrichmentRow MakeEnrichmentRow(const std::string& updater, const std::vector<std::string>& tags,
                                const std::string& json_text) {
  EnrichmentRow e;
  for (const auto& t : tags) e.tags.push_back(ScrubUtf8(t));
  std::sort(e.tags.begin(), e.tags.end());
  e.tags.erase(std::unique(e.tags.begin(), e.tags.end()), e.tags.end());
  boost::json::array a;
  for (const auto& t : e.tags) a.emplace_back(t);
  e.tags_json = json::Serialize(a);
  e.json = ScrubUtf8(json_text);
  Hasher h(HashAlgorithm::kSha256);
  // Length-prefixed parts so that distinct (updater, tags, json) never collide by concatenation.
  for (const std::string* part : std::initializer_list<const std::string*>{&updater, &e.tags_json, &e.json}) {
    h.Update(std::to_string(part->size()) + ":");
    h.Update(*part);
  }
  e.hash = h.FinishHex();
  return e;
}

std::string_view ConstraintColumn(matcher::Constraint c) {
  using matcher::Constraint;
  switch (c) {
    case Constraint::kDistributionDid:
      return "dist_did";
    case Constraint::kDistributionName:
      return "dist_name";
    case Constraint::kDistributionVersion:
      return "dist_version";
    case Constraint::kDistributionVersionId:
      return "dist_version_id";
    case Constraint::kDistributionVersionCodeName:
      return "dist_version_code_name";
    case Constraint::kDistributionPrettyName:
      return "dist_pretty_name";
    case Constraint::kRepositoryName:
      return "repo_name";
    case Constraint::kRepositoryKey:
      return "repo_key";
    case Constraint::kPackageModule:
      return "package_module";
  }
  return "package_module";
}

std::string ConstraintValue(const matcher::IndexRecord& r, matcher::Constraint c) {
  using matcher::Constraint;
  const Distribution* d = r.distribution;
  const Repository* repo = r.repository;
  switch (c) {
    case Constraint::kDistributionDid:
      return d ? d->did : "";
    case Constraint::kDistributionName:
      return d ? d->name : "";
    case Constraint::kDistributionVersion:
      return d ? d->version : "";
    case Constraint::kDistributionVersionId:
      return d ? d->version_id : "";
    case Constraint::kDistributionVersionCodeName:
      return d ? d->version_code_name : "";
    case Constraint::kDistributionPrettyName:
      return d ? d->pretty_name : "";
    case Constraint::kRepositoryName:
      return repo ? repo->name : "";
    case Constraint::kRepositoryKey:
      return repo ? repo->key : "";
    case Constraint::kPackageModule:
      return r.package ? r.package->module : "";
  }
  return "";
}

bool LocalLockTable::TryAcquire(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  return held_.insert(key).second;
}

void LocalLockTable::Release(const std::string& key) {
  {
    std::lock_guard<std::mutex> l(mu_);
    held_.erase(key);
    ++gen_;
  }
  cv_.notify_all();
}

uint64_t LocalLockTable::Generation() {
  std::lock_guard<std::mutex> l(mu_);
  return gen_;
}

void LocalLockTable::Wait(uint64_t gen, std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, d, [&] { return gen_ != gen; });
}

Result<std::unique_ptr<Lock>> LockWithBackoff(const std::function<Result<std::unique_ptr<Lock>>()>& try_lock,
                                              LocalLockTable* local, const std::string& key,
                                              std::chrono::seconds timeout) {
  using namespace std::chrono;
  auto deadline = steady_clock::now() + timeout;
  milliseconds backoff(500);
  while (true) {
    uint64_t gen = local->Generation();
    LUCID_ASSIGN_OR_RETURN(auto lock, try_lock());
    if (lock) return lock;
    auto now = steady_clock::now();
    if (now >= deadline) return DeadlineExceeded("timed out waiting for lock " + key);
    auto left = duration_cast<milliseconds>(deadline - now);
    // A local release wakes us early; a remote holder is polled on the backoff.
    local->Wait(gen, std::min(backoff, left));
    backoff = std::min(backoff * 2, milliseconds(10000));
  }
}

}  // namespace lucid::store::internal
