#include "services/components.h"

#include <cstdlib>

#include "ecosystems/registry.h"
#include "store/store_factory.h"

namespace lucid::services {

updater::UpdaterConfig UpdaterConfigFrom(const config::Config& cfg) {
  updater::UpdaterConfig u;
  u.sets = cfg.updaters.sets;
  if (cfg.matcher.disable_updaters) u.sets = std::vector<std::string>{};
  u.set_config = cfg.updaters.config;
  // Operators' knobs without a Clair config key (tests use them too).
  auto env_int = [](const char* name, int64_t fallback) -> int64_t {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::strtoll(v, nullptr, 10) : fallback;
  };
  u.timeout = std::chrono::seconds(env_int("LUCID_UPDATER_TIMEOUT", u.timeout.count()));
  u.stall_timeout = std::chrono::seconds(env_int("LUCID_UPDATER_STALL_TIMEOUT", u.stall_timeout.count()));
  u.retries = static_cast<int>(env_int("LUCID_UPDATER_RETRIES", u.retries));
  u.retry_backoff = std::chrono::seconds(env_int("LUCID_UPDATER_BACKOFF", u.retry_backoff.count()));
  u.max_body_bytes = static_cast<uint64_t>(env_int("LUCID_UPDATER_MAX_BYTES", static_cast<int64_t>(u.max_body_bytes)));
  return u;
}

namespace {
std::vector<std::shared_ptr<const matcher::Matcher>> SelectedMatchers(const config::Config& cfg) {
  auto all = ecosystems::AllMatchers();
  if (!cfg.matchers.names) return all;
  std::vector<std::shared_ptr<const matcher::Matcher>> out;
  for (const auto& m : all) {
    for (const auto& n : *cfg.matchers.names) {
      if (n == m->name()) out.push_back(m);
    }
  }
  return out;
}
}  // namespace

Result<Components> BuildComponents(const config::Config& cfg, const BuildOptions& opts) {
  Components c;
  auto matchers = SelectedMatchers(cfg);
  if (opts.need_indexer) {
    auto s = store::OpenIndexerStore(cfg.indexer.connstring, opts.force_migrations || cfg.indexer.migrations);
    if (!s.ok()) return s.status().WithContext("indexer database");
    c.indexer_store = *s;
    indexer::IndexerOptions io;
    io.layer_scan_concurrency = static_cast<int>(cfg.indexer.layer_scan_concurrency);
    // Operators can lower the per-layer size cap (decompression bombs) without
    // a config key Clair does not know.
    if (const char* max = std::getenv("LUCID_MAX_LAYER_BYTES"); max != nullptr && *max != '\0') {
      io.limits.max_uncompressed_bytes = std::strtoull(max, nullptr, 10);
    }
    c.indexer = std::make_shared<indexer::Indexer>(c.indexer_store, ecosystems::AllScanners(),
                                                   std::make_shared<indexer::HttpLayerFetcher>(cfg.indexer.airgap), io);
    c.indexer->SetMatchers(matchers);
  }
  if (opts.need_matcher) {
    auto s = store::OpenMatcherStore(cfg.matcher.connstring, opts.force_migrations || cfg.matcher.migrations);
    if (!s.ok()) return s.status().WithContext("matcher database");
    c.matcher_store = *s;
    c.matcher = std::make_shared<matcher::LocalMatcher>(c.matcher_store, matchers,
                                                        cfg.matcher.disable_enrichment
                                                            ? std::vector<std::shared_ptr<const matcher::Enricher>>{}
                                                            : ecosystems::AllEnrichers());
    c.updates = std::make_shared<updater::UpdateManager>(ecosystems::AllUpdaterSets(), UpdaterConfigFrom(cfg));
  }
  return c;
}

}  // namespace lucid::services
