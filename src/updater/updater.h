// Updater plug-in interface. An updater fetches one advisory source and
// streams the vulnerabilities it describes into a sink; the framework
// (update_manager) handles fingerprints, retries, storage and operations.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "core/model.h"
#include "net/http_client.h"

namespace lucid::updater {

// Receives parsed records one at a time, so that parsers never hold a whole
// feed in memory.
class VulnerabilitySink {
 public:
  virtual ~VulnerabilitySink() = default;
  virtual Status Add(Vulnerability v) = 0;
};

// An enrichment record (e.g. CVSS data for one CVE id).
struct EnrichmentRecord {
  std::vector<std::string> tags;
  std::string json;  // raw JSON value
};
class EnrichmentSink {
 public:
  virtual ~EnrichmentSink() = default;
  virtual Status Add(EnrichmentRecord e) = 0;
};

// Outcome of a fetch: either "unchanged" (the fingerprint still holds) or a
// spooled body to parse plus the new fingerprint.
struct FetchResult {
  bool unchanged = false;
  std::string fingerprint;
  std::unique_ptr<TempFile> body;  // spooled download, removed when done
  std::string url;                 // what was fetched (for logs)
  uint64_t bytes = 0;
};

// The conditional GET every HTTP-fed updater does: sends the previous
// fingerprint as If-None-Match (kEtag) or If-Modified-Since (kLastModified),
// spools a 200 body to a temp file, and reports "unchanged" on 304 or when a
// server that ignores the condition returns the same validator. Non-2xx
// statuses become net::HttpError (URL, proxy and status in the message).
enum class Validator { kEtag, kLastModified };
inline Result<FetchResult> ConditionalFetch(net::HttpClient& http, net::Request req, const std::string& prev,
                                            Validator validator, std::string_view spool_prefix) {
  LUCID_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(spool_prefix));
  const bool etag = validator == Validator::kEtag;
  if (!prev.empty()) req.headers.emplace_back(etag ? "If-None-Match" : "If-Modified-Since", prev);
  auto resp = http.FetchToFile(req, tmp.path());
  if (!resp.ok()) return resp.status().WithContext("fetching " + req.url);
  FetchResult out;
  out.url = req.url;
  if (resp->status == 304) {
    out.unchanged = true;
    out.fingerprint = prev;
    return out;
  }
  if (resp->status != 200) return net::HttpError(req, *resp);
  out.fingerprint = resp->header(etag ? "etag" : "last-modified");
  out.bytes = resp->bytes;
  if (!prev.empty() && out.fingerprint == prev) {
    out.unchanged = true;
    return out;
  }
  out.body = std::make_unique<TempFile>(std::move(tmp));
  return out;
}

class Updater {
 public:
  virtual ~Updater() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view kind() const { return "vulnerability"; }  // or "enrichment"
  // Every URL this updater may contact, for `lucid updaters list`.
  virtual std::vector<std::string> Urls() const = 0;
  virtual Result<FetchResult> Fetch(net::HttpClient& http, const std::string& prev_fingerprint) = 0;
  // Parses what Fetch returned. Vulnerability updaters write to `vulns`;
  // enrichment updaters to `enrichments`.
  virtual Status Parse(FetchResult& fetched, VulnerabilitySink* vulns, EnrichmentSink* enrichments) = 0;
};

// Creates the updaters of one set ("debian", "alpine", "osv", ...) from the
// `updaters.config.<set>` block. Sets whose updaters depend on what a remote
// index lists (alpine releases, osv ecosystems) discover them here.
class UpdaterSetFactory {
 public:
  virtual ~UpdaterSetFactory() = default;
  virtual std::string_view name() const = 0;
  // `config_json` is the set's config block serialised as JSON ("{}" if none).
  virtual Result<std::vector<std::unique_ptr<Updater>>> Create(const std::string& config_json,
                                                               net::HttpClient& http) const = 0;
  // URLs known without contacting anything (for `updaters list` and doctor).
  virtual std::vector<std::string> Urls(const std::string& config_json) const = 0;
};

}  // namespace lucid::updater
