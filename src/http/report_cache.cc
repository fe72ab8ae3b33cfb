#include "http/report_cache.h"

#include "http/encoding.h"

namespace lucid::http {

Result<std::shared_ptr<const std::string>> CachedBody::Encoded(const std::string& coding) const {
  if (coding == "identity") return identity_;
  std::lock_guard<std::mutex> l(mu_);
  auto it = encoded_.find(coding);
  if (it != encoded_.end()) return it->second;
  LUCID_ASSIGN_OR_RETURN(std::string out, EncodeBody(coding, *identity_));
  auto p = std::make_shared<const std::string>(std::move(out));
  encoded_.emplace(coding, p);
  return p;
}

std::shared_ptr<const std::string> CachedBody::PeekEncoded(const std::string& coding) const {
  if (coding == "identity") return identity_;
  std::lock_guard<std::mutex> l(mu_);
  auto it = encoded_.find(coding);
  return it == encoded_.end() ? nullptr : it->second;
}

ReportCache::ReportCache(Options options) : options_(options) {}

ReportCache::Ticket ReportCache::Begin(const std::string& key) {
  if (!enabled()) return {};
  std::unique_lock<std::mutex> l(mu_);
  // Never wait on someone else's computation for longer than this; past it
  // the caller computes without caching.
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    const auto now = Clock::now();
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      const uint64_t token = ++next_token_;
      entries_.emplace(key, Entry{nullptr, now, token});
      return {nullptr, token};
    }
    Entry& e = it->second;
    if (e.body && now - e.made < options_.ttl) return {e.body, 0};
    if (e.computing == 0) {
      e.computing = ++next_token_;
      return {nullptr, e.computing};
    }
    if (e.body && now - e.made < options_.ttl + options_.max_stale) return {e.body, 0};
    if (cv_.wait_until(l, give_up) == std::cv_status::timeout) return {};
  }
}

ReportCache::Body ReportCache::Peek(const std::string& key) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.body) return nullptr;
  const auto age = Clock::now() - it->second.made;
  if (age < options_.ttl) return it->second.body;
  if (it->second.computing != 0 && age < options_.ttl + options_.max_stale) return it->second.body;
  return nullptr;
}

void ReportCache::Finish(const std::string& key, uint64_t token, Body body) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(key);
    // A missing entry or another token: erased or cleared meanwhile, so this
    // result may already be outdated; do not store it.
    if (it != entries_.end() && it->second.computing == token) {
      Entry& e = it->second;
      if (e.body) bytes_ -= e.body->identity().size();
      if (body) {
        bytes_ += body->identity().size();
        e.body = std::move(body);
        e.made = Clock::now();
        e.computing = 0;
        EvictLocked(e.made);
      } else {
        entries_.erase(it);
      }
    }
  }
  cv_.notify_all();
}

void ReportCache::EvictLocked(Clock::time_point now) {
  const auto keep = options_.ttl + options_.max_stale;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.computing == 0 && now - it->second.made >= keep) {
      if (it->second.body) bytes_ -= it->second.body->identity().size();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  while (bytes_ > options_.max_bytes) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.computing == 0 && (oldest == entries_.end() || it->second.made < oldest->second.made)) oldest = it;
    }
    if (oldest == entries_.end()) break;
    if (oldest->second.body) bytes_ -= oldest->second.body->identity().size();
    entries_.erase(oldest);
  }
}

void ReportCache::Erase(const std::string& key) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (it->second.body) bytes_ -= it->second.body->identity().size();
      entries_.erase(it);
    }
  }
  cv_.notify_all();
}

void ReportCache::Clear() {
  {
    std::lock_guard<std::mutex> l(mu_);
    entries_.clear();
    bytes_ = 0;
  }
  cv_.notify_all();
}

}  // namespace lucid::http
