#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/version.h"

namespace lucid::cli {
namespace {

// Clair takes Go-style single-dash long flags (-conf, -mode); CLI11 reads
// "-conf" as four short flags, so rewrite them to their "--" form.
std::vector<std::string> NormalizeArgs(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    for (const char* flag : {"-conf", "-mode"}) {
      std::string f = flag;
      if (a == f || a.rfind(f + "=", 0) == 0) a = "-" + a;
    }
    out.push_back(a);
  }
  std::reverse(out.begin(), out.end());  // CLI11 parses a reversed vector
  return out;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Lucid: a container image vulnerability scanner, compatible with Clair v4", "lucid"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version,-v", std::string(kVersion));

  ServeOptions serve_top;
  app.add_option("--conf", serve_top.config_path, "Clair-style: configuration file (env CLAIR_CONF); runs the server");
  app.add_option("--mode", serve_top.mode, "Clair-style: combo|indexer|matcher|notifier (env CLAIR_MODE)");

  ScanOptions scan;
  auto* scan_cmd = app.add_subcommand("scan", "index an image and print its vulnerabilities");
  scan_cmd->add_option("--config,-c", scan.config_path, "configuration file (Clair's format)");
  scan_cmd->add_option("--format,-f", scan.format, "table | json (Lucid's) | clair (Clair's VulnerabilityReport)")
      ->check(CLI::IsMember({"table", "json", "clair"}));
  scan_cmd->add_option("--platform", scan.platform, "os/arch[/variant] to pick from a multi-platform image (default linux/amd64)");
  scan_cmd->add_flag("--insecure", scan.insecure, "allow plain HTTP to a registry that is not on loopback");
  scan_cmd->add_option("image", scan.image,
                       "oci:DIR[:TAG] | docker-archive:FILE[.gz][:TAG] | docker://HOST[:PORT]/REPO:TAG|@DIGEST")
      ->required();

  UpdateOptions update;
  auto* update_cmd = app.add_subcommand("update", "run the configured updaters once into the database");
  update_cmd->add_option("--config,-c", update.config_path, "configuration file (Clair's format)");

  ExportOptions export_opts;
  auto* export_cmd = app.add_subcommand("export-updaters", "run the updaters without a database and write an airgap bundle");
  export_cmd->add_option("--config,-c", export_opts.config_path, "configuration file (Clair's format)");
  export_cmd->add_flag("--strict", export_opts.strict, "exit non-zero when an updater fails");
  export_cmd->add_flag("--gzip,-g", export_opts.gzip, "gzip-compress the bundle (default: by OUT suffix .gz)");
  export_cmd->add_flag("--zstd,-z", export_opts.zstd, "zstd-compress the bundle (default: by OUT suffix .zst)");
  export_cmd->add_option("out", export_opts.out, "bundle file (default: stdout)");

  ImportOptions import_opts;
  auto* import_cmd = app.add_subcommand("import-updaters", "load an airgap bundle into the database");
  import_cmd->add_option("--config,-c", import_opts.config_path, "configuration file (Clair's format)");
  bool import_gzip = false, import_zstd = false;
  import_cmd->add_flag("--gzip,-g", import_gzip, "accepted for clairctl compatibility; compression is detected from the data");
  import_cmd->add_flag("--zstd,-z", import_zstd, "accepted for clairctl compatibility; compression is detected from the data");
  import_cmd->add_option("in", import_opts.in, "bundle: file, '-' for stdin, or http(s) URL")->required();

  UpdatersListOptions updaters_list;
  auto* updaters_cmd = app.add_subcommand("updaters", "inspect the configured updaters");
  updaters_cmd->require_subcommand(1);
  auto* updaters_list_cmd = updaters_cmd->add_subcommand("list", "print every updater and the URLs it will contact");
  updaters_list_cmd->add_option("--config,-c", updaters_list.config_path, "configuration file (Clair's format)");
  updaters_list_cmd->add_flag("--resolve", updaters_list.resolve, "run discovery (e.g. osv's ecosystems.txt) for exact URLs");

  std::vector<std::string> check_files;
  std::string check_out = "json";
  auto* check_cmd = app.add_subcommand("check-config", "load configuration files as the server would and report problems");
  check_cmd->add_option("files", check_files, "configuration files")->required();
  check_cmd->add_option("--out,-o", check_out, "json")->check(CLI::IsMember({"json"}));

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "run the HTTP API (same as: lucid -conf FILE -mode MODE)");
  serve_cmd->add_option("--conf,--config,-c", serve.config_path, "configuration file (env CLAIR_CONF)");
  serve_cmd->add_option("--mode,-m", serve.mode, "combo|indexer|matcher|notifier (env CLAIR_MODE)");

  DoctorOptions doctor_opts;
  auto* doctor_cmd = app.add_subcommand("doctor", "check the configuration, databases, updater sources, PSK, clock and memory");
  doctor_cmd->add_option("--config,-c", doctor_opts.config_path, "configuration file (env CLAIR_CONF)");
  doctor_cmd->add_option("--quay-config", doctor_opts.quay_config_path, "Quay's config.yaml: check PSK and endpoint agree");
  doctor_cmd->add_option("--mode,-m", doctor_opts.mode, "combo|indexer|matcher|notifier (which services to check)");
  doctor_cmd->add_option("--format,-f", doctor_opts.format, "text | json")->check(CLI::IsMember({"text", "json"}));
  doctor_cmd->add_flag("--strict", doctor_opts.strict, "exit 1 on warnings too");
  doctor_cmd->add_option("--timeout", doctor_opts.timeout, "seconds per network check (default 10)");

  AdminOptions admin;
  auto* admin_cmd = app.add_subcommand("admin", "database maintenance: gc, reindex-all, stats (and Clair's pre/post hooks)");
  admin_cmd->require_subcommand(1);
  auto* admin_gc = admin_cmd->add_subcommand("gc", "garbage-collect old update operations now");
  admin_gc->add_option("--config,-c", admin.config_path, "configuration file (env CLAIR_CONF)");
  admin_gc->add_option("--retention", admin.retention, "update operations to keep per updater (default: config or 10)")
      ->check(CLI::Range(1, 1000000));
  auto* admin_reindex = admin_cmd->add_subcommand("reindex-all", "forget every stored index report (scanned layers stay)");
  admin_reindex->add_option("--config,-c", admin.config_path, "configuration file (env CLAIR_CONF)");
  auto* admin_stats = admin_cmd->add_subcommand("stats", "database statistics: backend, schema, row counts, size, updaters");
  admin_stats->add_option("--config,-c", admin.config_path, "configuration file (env CLAIR_CONF)");
  admin_stats->add_option("--format,-f", admin.format, "table | json")->check(CLI::IsMember({"table", "json"}));
  auto* admin_pre = admin_cmd->add_subcommand("pre", "Clair's pre-upgrade hook (a no-op for Lucid)");
  admin_pre->add_option("version", admin.version, "Clair version");
  auto* admin_post = admin_cmd->add_subcommand("post", "Clair's post-upgrade hook (a no-op for Lucid)");
  admin_post->add_option("version", admin.version, "Clair version");

  try {
    auto args = NormalizeArgs(argc, argv);
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (*scan_cmd) return RunScan(scan);
  if (*update_cmd) return RunUpdate(update);
  if (*export_cmd) return RunExportUpdaters(export_opts);
  if (*import_cmd) return RunImportUpdaters(import_opts);
  if (*updaters_list_cmd) return RunUpdatersList(updaters_list);
  if (*check_cmd) return RunCheckConfig(check_files, check_out);
  if (*serve_cmd) return RunServe(serve);
  if (*doctor_cmd) return RunDoctor(doctor_opts);
  if (*admin_cmd) {
    for (auto* sub : admin_cmd->get_subcommands()) admin.action = sub->get_name();
    return RunAdmin(admin);
  }
  if (!serve_top.config_path.empty() || !serve_top.mode.empty() || std::getenv("CLAIR_MODE") != nullptr) {
    return RunServe(serve_top);
  }
  std::cout << app.help();
  return kExitUsage;
}

}  // namespace lucid::cli
