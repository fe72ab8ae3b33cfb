#include "store/sqlite/sqlite_migrations.h"

namespace lucid::store {

namespace {

constexpr const char kIndexerV1[] = R"sql(
CREATE TABLE lucid_manifest (
  hash TEXT PRIMARY KEY
);
CREATE TABLE lucid_manifest_layer (
  manifest TEXT NOT NULL REFERENCES lucid_manifest (hash) ON DELETE CASCADE,
  i INTEGER NOT NULL,
  layer TEXT NOT NULL,
  PRIMARY KEY (manifest, i)
);
CREATE INDEX lucid_manifest_layer_layer ON lucid_manifest_layer (layer);
CREATE TABLE lucid_layer_artifact (
  layer TEXT NOT NULL,
  scanner TEXT NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (layer, scanner)
);
CREATE TABLE lucid_index_report (
  manifest TEXT PRIMARY KEY REFERENCES lucid_manifest (hash) ON DELETE CASCADE,
  state TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE TABLE lucid_manifest_index (
  manifest TEXT NOT NULL REFERENCES lucid_manifest (hash) ON DELETE CASCADE,
  package_name TEXT NOT NULL,
  source_name TEXT NOT NULL,
  PRIMARY KEY (manifest, package_name, source_name)
);
CREATE INDEX lucid_manifest_index_package ON lucid_manifest_index (package_name);
CREATE INDEX lucid_manifest_index_source ON lucid_manifest_index (source_name);
)sql";

constexpr const char kMatcherV1[] = R"sql(
CREATE TABLE lucid_update_operation (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ref TEXT NOT NULL UNIQUE,
  updater TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  date TEXT NOT NULL,
  kind TEXT NOT NULL
);
CREATE INDEX lucid_update_operation_updater ON lucid_update_operation (updater, id);
CREATE TABLE lucid_latest_update_operation (
  updater TEXT NOT NULL,
  kind TEXT NOT NULL,
  uo INTEGER NOT NULL REFERENCES lucid_update_operation (id) ON DELETE CASCADE,
  PRIMARY KEY (updater, kind)
);
CREATE INDEX lucid_latest_update_operation_uo ON lucid_latest_update_operation (uo);
CREATE TABLE lucid_vuln (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  updater TEXT NOT NULL,
  name TEXT NOT NULL,
  package_name TEXT NOT NULL,
  package_kind TEXT NOT NULL,
  package_module TEXT NOT NULL,
  dist_did TEXT NOT NULL,
  dist_name TEXT NOT NULL,
  dist_version TEXT NOT NULL,
  dist_version_id TEXT NOT NULL,
  dist_version_code_name TEXT NOT NULL,
  dist_pretty_name TEXT NOT NULL,
  repo_name TEXT NOT NULL,
  repo_key TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX lucid_vuln_package ON lucid_vuln (package_name, package_kind);
CREATE TABLE lucid_uo_vuln (
  uo INTEGER NOT NULL REFERENCES lucid_update_operation (id) ON DELETE CASCADE,
  vuln INTEGER NOT NULL REFERENCES lucid_vuln (id) ON DELETE CASCADE,
  PRIMARY KEY (uo, vuln)
) WITHOUT ROWID;
CREATE INDEX lucid_uo_vuln_vuln ON lucid_uo_vuln (vuln, uo);
CREATE TABLE lucid_enrichment (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  updater TEXT NOT NULL,
  tags TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE lucid_enrichment_tag (
  tag TEXT NOT NULL,
  enrichment INTEGER NOT NULL REFERENCES lucid_enrichment (id) ON DELETE CASCADE,
  PRIMARY KEY (tag, enrichment)
) WITHOUT ROWID;
CREATE INDEX lucid_enrichment_tag_enrichment ON lucid_enrichment_tag (enrichment);
CREATE TABLE lucid_uo_enrichment (
  uo INTEGER NOT NULL REFERENCES lucid_update_operation (id) ON DELETE CASCADE,
  enrichment INTEGER NOT NULL REFERENCES lucid_enrichment (id) ON DELETE CASCADE,
  PRIMARY KEY (uo, enrichment)
) WITHOUT ROWID;
CREATE INDEX lucid_uo_enrichment_enrichment ON lucid_uo_enrichment (enrichment, uo);
)sql";

// v2: candidate lookups filter on the distribution too; with it in the index
// a Debian release's lookup no longer reads every other release's rows (and
// every other distribution's rows for the same source name).
constexpr const char kMatcherV2[] = R"sql(
CREATE INDEX lucid_vuln_package_dist ON lucid_vuln (package_name, package_kind, dist_did, dist_version_id);
DROP INDEX lucid_vuln_package;
)sql";

}  // namespace

const MigrationSet& SqliteIndexerMigrations() {
  static const MigrationSet set{"lucid_indexer_migrations", "indexer", {kIndexerV1}};
  return set;
}

const MigrationSet& SqliteMatcherMigrations() {
  static const MigrationSet set{"lucid_matcher_migrations", "matcher", {kMatcherV1, kMatcherV2}};
  return set;
}

}  // namespace lucid::store
