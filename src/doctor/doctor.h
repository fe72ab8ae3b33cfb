// `lucid doctor`: checks a deployment and says, per item, pass/warn/fail with
// a one-line reason and a hint: the configuration, each database, each
// updater source (DNS, TCP, TLS, HTTP, through the configured proxy), the PSK
// (and its agreement with Quay's config), clock skew, the cgroup memory
// limit against the configured updaters, and the version. Every network or
// database step has a deadline, so doctor never hangs.
#pragma once

#include <chrono>
#include <string>

#include "config/config.h"
#include "doctor/check.h"

namespace lucid::doctor {

struct DoctorOptions {
  std::string config_path;       // "" = built-in defaults
  std::string quay_config_path;  // Quay's config.yaml, optional
  config::Mode mode = config::Mode::kCombo;
  std::string version;
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds total_timeout{10};
  int max_probes = 32;  // updater URLs probed at most
};

Report RunDoctor(const DoctorOptions& opts);

}  // namespace lucid::doctor
