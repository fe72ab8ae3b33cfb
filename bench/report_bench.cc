// Server-side cost of one vulnerability report (M1 without the HTTP layer and
// without the API's short-lived response cache): load the stored index
// report, match it against the store, serialise the Clair JSON -- exactly what
// Api::VulnerabilityReportUncached does per request.
//
//   lucid_report_bench --config FILE --manifest sha256:... [--reps N]
// Prints min / median / p90 / max in milliseconds, split into the
// index-report load, the match and the serialisation.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clair_json.h"
#include "services/components.h"

namespace {

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Print(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  std::printf("%-10s min %7.3f  median %7.3f  p90 %7.3f  max %7.3f ms\n", what, v.front(), at(0.5), at(0.9), v.back());
}

}  // namespace

int main(int argc, char** argv) {
  std::string conf, manifest;
  int reps = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--config")) conf = argv[i + 1];
    if (!std::strcmp(argv[i], "--manifest")) manifest = argv[i + 1];
    if (!std::strcmp(argv[i], "--reps")) reps = std::max(1, std::atoi(argv[i + 1]));
  }
  if (conf.empty() || manifest.empty()) {
    std::fprintf(stderr, "usage: lucid_report_bench --config FILE --manifest DIGEST [--reps N]\n");
    return 2;
  }
  auto cfg = lucid::config::Load(conf);
  if (!cfg.ok()) {
    std::fprintf(stderr, "config: %s\n", cfg.status().message().c_str());
    return 2;
  }
  (void)cfg->ValidateForMode(lucid::config::Mode::kCombo);
  auto digest = lucid::Digest::Parse(manifest);
  if (!digest.ok()) {
    std::fprintf(stderr, "manifest: %s\n", digest.status().message().c_str());
    return 2;
  }
  auto c = lucid::services::BuildComponents(*cfg, {});
  if (!c.ok()) {
    std::fprintf(stderr, "stores: %s\n", c.status().message().c_str());
    return 4;
  }
  std::vector<double> load, match, encode, total;
  size_t vulns = 0, bytes = 0;
  for (int i = 0; i < reps + 5; ++i) {  // 5 warm-up rounds
    auto t0 = std::chrono::steady_clock::now();
    auto report = c->indexer->GetIndexReport(*digest);
    if (!report.ok() || !*report) {
      std::fprintf(stderr, "no index report for %s\n", manifest.c_str());
      return 1;
    }
    auto t1 = std::chrono::steady_clock::now();
    auto vr = c->matcher->Scan(**report);
    if (!vr.ok()) {
      std::fprintf(stderr, "scan: %s\n", vr.status().message().c_str());
      return 1;
    }
    auto t2 = std::chrono::steady_clock::now();
    std::string body = lucid::json::Serialize(lucid::json::EncodeVulnerabilityReport(*vr));
    auto t3 = std::chrono::steady_clock::now();
    if (i < 5) continue;
    load.push_back(Ms(t1 - t0));
    match.push_back(Ms(t2 - t1));
    encode.push_back(Ms(t3 - t2));
    total.push_back(Ms(t3 - t0));
    vulns = vr->vulnerabilities.size();
    bytes = body.size();
  }
  std::printf("report: %zu vulnerabilities, %zu bytes of JSON, %d repetitions\n", vulns, bytes, reps);
  Print("load", load);
  Print("match", match);
  Print("encode", encode);
  Print("total", total);
  return 0;
}
