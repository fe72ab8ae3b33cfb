#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/version.h"
#include "doctor/runtime_monitor.h"
#include "http/server.h"
#include "notifier/deliverer_factory.h"
#include "notifier/notifier.h"
#include "services/components.h"
#include "services/remote_indexer.h"
#include "services/remote_matcher.h"
#include "services/update_scheduler.h"
#include "store/notifier_store.h"

namespace lucid::cli {
namespace {

std::string FromEnv(const std::string& flag_value, const char* var) {
  if (!flag_value.empty()) return flag_value;
  const char* v = std::getenv(var);
  return v == nullptr ? std::string() : std::string(v);
}

std::string Backend(const std::string& connstring) {
  if (connstring.empty() || connstring.rfind("sqlite:", 0) == 0) return "sqlite";
  return "postgres";
}

// Operators' and tests' knob without a Clair config key (Clair's minimum
// interval is one minute).
std::chrono::milliseconds IntervalFromEnv(const char* name, std::chrono::nanoseconds configured) {
  const char* v = std::getenv(name);
  if (v != nullptr && *v != '\0') {
    double secs = std::strtod(v, nullptr);
    if (secs > 0) return std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(configured);
}

notifier::NotifierOptions NotifierOptionsFrom(const config::Config& cfg) {
  notifier::NotifierOptions o;
  o.poll_interval = IntervalFromEnv("LUCID_NOTIFIER_POLL_INTERVAL", cfg.notifier.poll_interval);
  o.delivery_interval = IntervalFromEnv("LUCID_NOTIFIER_DELIVERY_INTERVAL", cfg.notifier.delivery_interval);
  o.summary = !cfg.notifier.disable_summary;
  return o;
}

}  // namespace

int RunServe(const ServeOptions& o) {
  std::string conf = FromEnv(o.config_path, "CLAIR_CONF");
  std::string mode_text = FromEnv(o.mode, "CLAIR_MODE");
  if (conf.empty()) {
    std::cerr << "lucid: missing configuration: pass -conf FILE or set CLAIR_CONF\n";
    return kExitUsage;
  }
  if (mode_text.empty()) {
    std::cerr << "lucid: missing mode: pass -mode combo|indexer|matcher|notifier or set CLAIR_MODE\n";
    return kExitUsage;
  }
  auto mode = config::ParseMode(mode_text);
  if (!mode.ok()) {
    std::cerr << "lucid: " << mode.status().message() << "\n";
    return kExitUsage;
  }
  auto loaded = config::Load(conf);
  if (!loaded.ok()) {
    std::cerr << "lucid: " << loaded.status().message() << "\n";
    return kExitUsage;
  }
  config::Config cfg = std::move(*loaded);
  auto problems = cfg.ValidateForMode(*mode);
  log::Level level = log::Level::kInfo;
  bool color = false;
  log::ParseLevel(cfg.log_level, &level, &color);
  log::Configure(level, color ? log::Format::kConsole : log::Format::kJson, color);
  for (const auto& p : problems) {
    if (p.severity == config::Severity::kWarning) log::Info("config", "lint", {{"lint", p.ToString()}});
  }
  if (Status s = config::ErrorsToStatus(problems); !s.ok()) {
    log::Error("main", "invalid configuration", {{"config", conf}, {"error", s.message()}});
    std::cerr << "lucid: " << s.message() << "\n";
    return kExitUsage;
  }
  const bool has_mechanism = cfg.notifier.webhook || cfg.notifier.amqp || cfg.notifier.stomp;
  const bool run_notifier = *mode == config::Mode::kNotifier || (*mode == config::Mode::kCombo && has_mechanism);

  // Signals go to one waiting thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const bool run_indexer = *mode == config::Mode::kCombo || *mode == config::Mode::kIndexer;
  const bool run_matcher = *mode == config::Mode::kCombo || *mode == config::Mode::kMatcher;
  log::Info("main", "starting",
            {{"version", std::string(kVersion)},
             {"mode", std::string(config::ModeName(*mode))},
             {"config", conf},
             {"indexer_storage", run_indexer ? Backend(cfg.indexer.connstring) : std::string("-")},
             {"matcher_storage", run_matcher ? Backend(cfg.matcher.connstring) : std::string("-")},
             {"notifier_storage", run_notifier ? Backend(cfg.notifier.connstring) : std::string("-")},
             {"http_listen_addr", cfg.http_listen_addr},
             {"introspection_addr", cfg.introspection_addr}});

  services::BuildOptions bo;
  bo.need_indexer = run_indexer;
  bo.need_matcher = run_matcher;
  // With the embedded default store there is no DBA to run migrations.
  bo.force_migrations = false;
  if (run_indexer && cfg.indexer.connstring.empty()) cfg.indexer.migrations = true;
  if (run_matcher && cfg.matcher.connstring.empty()) cfg.matcher.migrations = true;
  auto c = services::BuildComponents(cfg, bo);
  if (!c.ok()) {
    log::Error("main", "could not initialise services", {{"error", c.status().message()}});
    return kExitStorage;
  }

  std::string psk_key;
  if (cfg.auth.psk) {
    auto v = http::auth::PskVerifier::FromConfig(*cfg.auth.psk);
    if (v.ok()) psk_key = v->key();
  }
  std::unique_ptr<services::RemoteIndexer> remote;
  services::IndexerService* indexer = c->indexer.get();
  if (!run_indexer) {
    const std::string& addr = *mode == config::Mode::kNotifier ? cfg.notifier.indexer_addr : cfg.matcher.indexer_addr;
    remote = std::make_unique<services::RemoteIndexer>(addr, psk_key, cfg.tls ? cfg.tls->root_ca : std::string());
    indexer = remote.get();
  }
  std::unique_ptr<services::RemoteMatcher> remote_matcher;
  services::MatcherService* matcher = c->matcher.get();
  if (!run_matcher && run_notifier) {
    remote_matcher = std::make_unique<services::RemoteMatcher>(cfg.notifier.matcher_addr, psk_key);
    matcher = remote_matcher.get();
  }
  std::unique_ptr<notifier::Notifier> notifier;
  if (run_notifier) {
    if (cfg.notifier.connstring.empty()) cfg.notifier.migrations = true;
    auto store = store::OpenNotifierStore(cfg.notifier.connstring, cfg.notifier.migrations);
    if (!store.ok()) {
      log::Error("main", "could not initialise services",
                 {{"error", store.status().WithContext("notifier database").message()}});
      return kExitStorage;
    }
    notifier = std::make_unique<notifier::Notifier>(
        *store, matcher, indexer, notifier::MakeDeliverer(cfg, psk_key, "lucid/" + std::string(kVersion), *store),
        NotifierOptionsFrom(cfg));
  }

  auto opts = http::OptionsFromConfig(cfg, *mode);
  if (!opts.ok()) {
    log::Error("main", "invalid server options", {{"error", opts.status().message()}});
    return kExitUsage;
  }
  opts->version = std::string(kVersion);
  http::Server server(*opts, indexer, run_matcher ? c->matcher.get() : nullptr, nullptr);
  if (notifier) server.SetNotifier(notifier.get());
  if (Status s = server.Start(); !s.ok()) {
    log::Error("main", "could not start the HTTP server", {{"error", s.message()}});
    return kExitError;
  }

  std::unique_ptr<services::UpdateScheduler> scheduler;
  if (run_matcher && !cfg.matcher.disable_updaters) {
    int retention = static_cast<int>(cfg.matcher.update_retention);
    scheduler = std::make_unique<services::UpdateScheduler>(c->updates, c->matcher_store, c->indexer_store,
                                                            cfg.matcher.period, retention);
    scheduler->SetAfterRun([&server, &notifier] {
      server.InvalidateReports();
      // In combo mode new data is notified at once, not a poll interval later.
      if (notifier) notifier->Poke();
    });
    scheduler->Start();
  }
  // RSS vs cgroup limit (warns at 80%) and updater outcomes on /metrics.
  doctor::RuntimeMonitor monitor;
  monitor.Start();
  if (notifier) notifier->Start();
  server.SetReady(true);
  log::Info("main", "ready",
            {{"version", std::string(kVersion)},
             {"api_port", static_cast<int64_t>(server.api_port())},
             {"introspection_port", static_cast<int64_t>(server.introspection_port())}});

  int sig = 0;
  sigwait(&signals, &sig);
  log::Info("main", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.SetReady(false);
  if (scheduler) scheduler->RequestStop();
  if (notifier) notifier->Stop();
  server.Stop();
  monitor.Stop();
  // A feed download or parse cannot be interrupted; like Clair, do not let it
  // hold the process. Its uncommitted update transaction is rolled back.
  if (scheduler && !scheduler->Join(std::chrono::seconds(3))) {
    log::Warn("main", "an update is still running; exiting without waiting for it");
    log::Info("main", "stopped");
    log::Flush();
    std::_Exit(kExitOk);
  }
  log::Info("main", "stopped");
  log::Flush();
  return kExitOk;
}

}  // namespace lucid::cli
