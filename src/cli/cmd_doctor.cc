// `lucid doctor [--config FILE] [--quay-config FILE] [--format text|json] [--strict]`:
// checks a deployment and prints pass/warn/fail per item (src/doctor/).
// Exit 0 when nothing failed (warnings too, unless --strict), 1 otherwise.
#include <iostream>

#include "cli/commands.h"
#include "cli/version.h"
#include "doctor/doctor.h"

namespace lucid::cli {

int RunDoctor(const DoctorOptions& o) {
  doctor::DoctorOptions d;
  d.config_path = o.config_path;
  if (d.config_path.empty()) {
    if (const char* env = std::getenv("CLAIR_CONF"); env != nullptr) d.config_path = env;
  }
  d.quay_config_path = o.quay_config_path;
  d.version = std::string(kVersion);
  auto mode = config::ParseMode(o.mode);
  if (!mode.ok()) {
    std::cerr << "lucid doctor: " << mode.status().message() << "\n";
    return 2;
  }
  d.mode = *mode;
  if (o.timeout > 0) {
    d.total_timeout = std::chrono::seconds(o.timeout);
    d.connect_timeout = std::chrono::seconds(std::max(1, o.timeout / 2));
  }
  auto report = doctor::RunDoctor(d);
  std::cout << (o.format == "json" ? doctor::RenderJson(report, o.strict) : doctor::RenderText(report));
  return doctor::ExitCode(report, o.strict);
}

}  // namespace lucid::cli
