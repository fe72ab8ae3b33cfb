// Entry points of the `lucid` command line. Each command lives in its own
// cmd_*.cc file and returns a process exit code (see exit_codes.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace lucid::cli {

int Main(int argc, char** argv);

// Loads the config file when given, else an empty (all defaults) config;
// validates it for `mode` and prints lints/errors to stderr.
Result<config::Config> LoadConfigOrDefault(const std::string& path, config::Mode mode);

struct ScanOptions {
  std::string config_path;
  std::string format = "table";
  std::string platform;
  bool insecure = false;
  std::string image;
};
int RunScan(const ScanOptions& o);

struct UpdateOptions {
  std::string config_path;
};
int RunUpdate(const UpdateOptions& o);

struct ExportOptions {
  std::string config_path;
  std::string out;  // "" or "-" = stdout
  bool strict = false;
  bool gzip = false;
  bool zstd = false;
};
int RunExportUpdaters(const ExportOptions& o);

struct ImportOptions {
  std::string config_path;
  std::string in;  // file, "-" or http(s) URL
};
int RunImportUpdaters(const ImportOptions& o);

struct UpdatersListOptions {
  std::string config_path;
  bool resolve = false;
};
int RunUpdatersList(const UpdatersListOptions& o);

int RunCheckConfig(const std::vector<std::string>& files, const std::string& out_format);

struct ServeOptions {
  std::string config_path;
  std::string mode;
};
int RunServe(const ServeOptions& o);

struct DoctorOptions {
  std::string config_path;       // else $CLAIR_CONF, else built-in defaults
  std::string quay_config_path;  // Quay's config.yaml, to cross-check PSK and endpoint
  std::string mode = "combo";
  std::string format = "text";
  bool strict = false;           // warnings fail too
  int timeout = 0;               // seconds per network check (0 = default 10)
};
int RunDoctor(const DoctorOptions& o);

struct AdminOptions {
  std::string action;  // gc | reindex-all | stats | pre | post
  std::string config_path;
  int retention = 0;   // gc: operations kept per updater (0 = config, else 10)
  std::string format = "table";  // stats: table | json
  std::string version;  // pre/post: Clair version (ignored)
};
int RunAdmin(const AdminOptions& o);

}  // namespace lucid::cli
