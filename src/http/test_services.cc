#include "http/test_services.h"

#include <thread>

namespace lucid::http::testing {

std::string TestDigest(char c) { return "sha256:" + std::string(64, c); }

Vulnerability TestVulnerability() {
  Vulnerability v;
  v.id = "42";
  v.updater = "debian/updater/bookworm";
  v.name = "CVE-2024-0001";
  v.description = "a bug";
  v.issued = "2024-01-02T03:04:05Z";
  v.links = "https://security-tracker.debian.org/tracker/CVE-2024-0001";
  v.severity = "high";
  v.normalized_severity = Severity::kHigh;
  Package p;
  p.name = "openssl";
  p.kind = PackageKind::kBinary;
  v.package = p;
  Distribution d;
  d.did = "debian";
  d.name = "Debian GNU/Linux";
  d.version = "12 (bookworm)";
  d.version_code_name = "bookworm";
  d.version_id = "12";
  d.pretty_name = "Debian GNU/Linux 12 (bookworm)";
  v.distribution = d;
  v.fixed_in_version = "3.0.11-1~deb12u2";
  return v;
}

Result<IndexReport> MemoryIndexer::Index(const Manifest& manifest, services::CancelFlag cancel) {
  ++index_calls;
  int now = ++concurrent_;
  int prev = max_concurrent.load();
  while (now > prev && !max_concurrent.compare_exchange_weak(prev, now)) {
  }
  struct Leave {
    std::atomic<int>& c;
    ~Leave() { --c; }
  } leave{concurrent_};
  auto deadline = std::chrono::steady_clock::now() + index_delay;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cancel && cancel->load()) {
      ++cancelled;
      return Cancelled("client went away");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (const auto& l : manifest.layers) {
    if (l.uri == "bad-tar") return InvalidArgument("layer " + l.hash.str() + " is not a tar archive");
    if (l.uri == "unreachable") return Unavailable("fetching layer: connection refused");
  }
  IndexReport r;
  r.manifest_hash = manifest.hash;
  r.state = IndexState::kIndexFinished;
  r.success = true;
  Package p;
  p.name = "openssl";
  p.version = "3.0.11-1~deb12u1";
  p.kind = PackageKind::kBinary;
  p.arch = "amd64";
  p.source.name = "openssl";
  p.source.version = "3.0.11-1~deb12u1";
  r.packages["1"] = p;
  r.source_ids["1"] = "2";
  Distribution d = *TestVulnerability().distribution;
  r.distributions["3"] = d;
  Environment e;
  e.package_db = "var/lib/dpkg/status";
  e.introduced_in = manifest.layers.front().hash;
  e.distribution_id = "3";
  r.environments["1"] = {e};
  Put(r);
  return r;
}

void MemoryIndexer::Put(IndexReport r) {
  std::lock_guard<std::mutex> l(mu_);
  reports_[r.manifest_hash] = std::move(r);
}

Result<std::optional<IndexReport>> MemoryIndexer::GetIndexReport(const Digest& manifest) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = reports_.find(manifest);
  if (it == reports_.end()) return std::optional<IndexReport>();
  return std::optional<IndexReport>(it->second);
}

Result<std::vector<Digest>> MemoryIndexer::DeleteManifests(const std::vector<Digest>& manifests) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Digest> out;
  for (const auto& d : manifests)
    if (reports_.erase(d)) out.push_back(d);
  return out;
}

Result<services::AffectedManifests> MemoryIndexer::GetAffectedManifests(const std::vector<Vulnerability>& vulns) {
  std::lock_guard<std::mutex> l(mu_);
  services::AffectedManifests out;
  for (size_t i = 0; i < vulns.size(); ++i) {
    Vulnerability v = vulns[i];
    v.id = std::to_string(i);
    for (const auto& [digest, report] : reports_) {
      for (const auto& [pid, pkg] : report.packages) {
        if (v.package && pkg.name == v.package->name) {
          out.vulnerabilities[v.id] = v;
          out.vulnerable_manifests[digest.str()].push_back(v.id);
        }
      }
    }
  }
  return out;
}

Result<VulnerabilityReport> MemoryMatcher::Scan(const IndexReport& report) {
  VulnerabilityReport vr;
  vr.manifest_hash = report.manifest_hash;
  vr.packages = report.packages;
  vr.distributions = report.distributions;
  vr.repositories = report.repositories;
  vr.environments = report.environments;
  vr.source_ids = report.source_ids;
  vr.vulnerabilities["42"] = TestVulnerability();
  vr.package_vulnerabilities["1"] = {"42"};
  return vr;
}

Result<std::map<std::string, std::vector<UpdateOperation>>> MemoryMatcher::UpdateOperations(const std::string& kind,
                                                                                            bool latest_only) {
  std::map<std::string, std::vector<UpdateOperation>> out;
  if (kind != "vulnerability") return out;
  std::vector<UpdateOperation> ops = {
      {kRef2, "debian/updater/bookworm", "etag-2", "2024-02-01T00:00:00Z", "vulnerability"},
      {kRef1, "debian/updater/bookworm", "etag-1", "2024-01-01T00:00:00Z", "vulnerability"}};
  if (latest_only) ops.resize(1);
  out["debian/updater/bookworm"] = ops;
  return out;
}

Result<std::string> MemoryMatcher::LatestUpdateRef(const std::string& kind) {
  return kind == "vulnerability" ? std::string(kRef2) : std::string();
}

Result<store::UpdateDiff> MemoryMatcher::UpdateDiff(const std::string& prev_ref, const std::string& cur_ref) {
  if (cur_ref != kRef2 && cur_ref != kRef1) return NotFound("unknown update operation " + cur_ref);
  store::UpdateDiff d;
  d.cur = {cur_ref, "debian/updater/bookworm", "etag", "2024-02-01T00:00:00Z", "vulnerability"};
  if (!prev_ref.empty())
    d.prev = {prev_ref, "debian/updater/bookworm", "etag-1", "2024-01-01T00:00:00Z", "vulnerability"};
  d.added.push_back(TestVulnerability());
  return d;
}

Status MemoryMatcher::DeleteUpdateOperation(const std::string& ref) {
  std::lock_guard<std::mutex> l(mu);
  deleted.insert(ref);
  return Status::Ok();
}

}  // namespace lucid::http::testing
