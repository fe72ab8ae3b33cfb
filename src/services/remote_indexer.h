// IndexerService over HTTP, for matcher and notifier processes in split
// mode: talks to `matcher.indexer_addr` (a URL with scheme) and signs every
// request with a short-lived PSK JWT when auth is configured, as Clair's
// intra-service clients do.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "net/http_client.h"
#include "services/indexer_service.h"

namespace lucid::services {

class RemoteIndexer final : public IndexerService {
 public:
  // `psk_key` = decoded PSK bytes, "" for unsigned requests. `root_ca` = PEM
  // bundle trusted for an https:// indexer (tls.root_ca), "" = SSL_CERT_FILE
  // or the system store.
  RemoteIndexer(std::string base_url, std::string psk_key, std::string root_ca = "");

  std::string State() const override;
  Result<IndexReport> Index(const Manifest& manifest, CancelFlag cancel) override;
  Result<std::optional<IndexReport>> GetIndexReport(const Digest& manifest) override;
  Result<std::vector<Digest>> DeleteManifests(const std::vector<Digest>& manifests) override;
  Result<AffectedManifests> GetAffectedManifests(const std::vector<Vulnerability>& vulns) override;

 private:
  Result<net::Response> Call(const std::string& method, const std::string& path, const std::string& body) const;

  std::string base_;  // scheme://host[:port], no trailing slash
  std::string psk_key_;
  std::string root_ca_;
};

}  // namespace lucid::services
