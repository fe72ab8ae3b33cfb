"""Issue 2 end to end: `lucid update` against the real Debian tracker feed
served locally, then `lucid scan` of the real debian-app/debian-base images
from an OCI layout, a docker-archive and a real registry."""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness


def dpkg_packages(report):
    """{name: (version, source, source_version, introduced_in)} of dpkg-db packages."""
    out = {}
    for pid, p in report["packages"].items():
        envs = report["environments"].get(pid, [])
        if not envs or not envs[0]["package_db"].startswith("var/lib/dpkg/status"):
            continue
        src = p.get("source", {})
        out[p["name"]] = (p["version"], src.get("name", ""), src.get("version", ""), envs[0]["introduced_in"])
    return out


def expected_dpkg(image, digest_key="digest"):
    exp = harness.expected(image)
    intro = {}
    for layer in exp["layers"]:
        for p in layer["adds"].get("dpkg", []):
            intro.setdefault((p["name"], p["version"]), layer[digest_key])
    return {p["name"]: (p["version"], p["source"], p["source_version"], intro[(p["name"], p["version"])])
            for p in exp["final"]["dpkg"]}


class ScanDebianTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.env = {"LUCID_DATA_DIR": os.path.join(cls.tmp, "data")}
        cls._feeds = harness.feed_server()
        cls.base = cls._feeds.__enter__()
        cls.config = os.path.join(cls.tmp, "config.yaml")
        with open(cls.config, "w") as f:
            f.write("log_level: info\nupdaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s/debian/json\n" % cls.base)
        r = harness.run(["update", "--config", cls.config], env=cls.env)
        if r.returncode != 0:
            raise AssertionError("update failed: %s" % r.stderr[-3000:])
        cls.update_stderr = r.stderr

    @classmethod
    def tearDownClass(cls):
        cls._feeds.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def scan(self, image, fmt="json", extra=()):
        r = harness.run(["scan", "--config", self.config, "--format", fmt] + list(extra) + [image], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r

    def test_oci_debian_app_packages_and_layers(self):
        rep = json.loads(self.scan("oci:%s/images/oci:debian-app" % harness.SHARED).stdout)
        self.assertEqual(dpkg_packages(rep), expected_dpkg("debian-app"))
        dists = list(rep["distributions"].values())
        self.assertEqual(len(dists), 1)
        self.assertEqual((dists[0]["did"], dists[0]["version_id"], dists[0]["version_code_name"]), ("debian", "12", "bookworm"))
        self.assertEqual(rep["manifest_hash"], harness.expected("debian-app")["manifest"]["digest"])

    def test_oci_debian_base(self):
        rep = json.loads(self.scan("oci:%s/images/oci:debian-base" % harness.SHARED).stdout)
        self.assertEqual(dpkg_packages(rep), expected_dpkg("debian-base"))

    def test_clair_format_is_schema_valid(self):
        rep = json.loads(self.scan("oci:%s/images/oci:debian-app" % harness.SHARED, fmt="clair").stdout)
        self.assertEqual(harness.schema_errors("vulnerability_report", rep), [])
        self.assertIn("repository", rep)
        self.assertNotIn("notes", rep)

    def test_vulnerabilities_match_independent_computation(self):
        rep = json.loads(self.scan("oci:%s/images/oci:debian-app" % harness.SHARED).stdout)
        got = set()
        for pid, vids in rep["package_vulnerabilities"].items():
            for vid in vids:
                v = rep["vulnerabilities"][vid]
                if v["updater"] == "debian/updater":
                    got.add((rep["packages"][pid]["name"], v["name"]))
        with gzip.open(os.path.join(harness.SHARED, "data/feeds/debian/derived/tracker-json-DERIVED-from-osv.json.gz")) as f:
            tracker = json.load(f)
        want = set()
        for name, (version, source, _sv, _intro) in expected_dpkg("debian-app").items():
            for cve, entry in tracker.get(source, {}).items():
                rel = entry.get("releases", {}).get("bookworm")
                if rel is None:
                    continue
                fixed = rel.get("fixed_version", "")
                if rel.get("status") != "resolved":
                    fixed = ""
                if fixed == "0":
                    continue
                if fixed == "" or harness.dpkg_lt(version, fixed):
                    want.add((name, cve))
        self.assertGreater(len(want), 50)
        self.assertEqual(sorted(got - want)[:20], [])
        self.assertEqual(sorted(want - got)[:20], [])

    def test_table_output(self):
        out = self.scan("oci:%s/images/oci:debian-app" % harness.SHARED, fmt="table").stdout
        header = out.splitlines()[0].split()
        self.assertEqual(header[:2], ["PACKAGE", "INSTALLED"])
        self.assertIn("Debian GNU/Linux 12 (bookworm)", out)
        self.assertRegex(out, r"(?m)^openssl\s+\S+\s+\S*\s*CVE-\d+-\d+")

    def test_second_image_reuses_shared_layer(self):
        env = dict(self.env)
        env["LUCID_DATA_DIR"] = os.path.join(self.tmp, "reuse")
        cfg = self.config
        r1 = harness.run(["scan", "--config", cfg, "oci:%s/images/oci:debian-base" % harness.SHARED], env=env)
        self.assertEqual(r1.returncode, 0, r1.stderr[-2000:])
        r2 = harness.run(["scan", "--config", cfg, "oci:%s/images/oci:debian-app" % harness.SHARED], env=env)
        self.assertEqual(r2.returncode, 0, r2.stderr[-2000:])
        scanned = [rec["layer"] for rec in harness.log_records(r2.stderr) if rec.get("message") == "layer scanned"]
        base_layer = harness.expected("debian-base")["layers"][0]["digest"]
        self.assertEqual(len(scanned), 3, scanned)
        self.assertNotIn(base_layer, scanned)
        r3 = harness.run(["scan", "--config", cfg, "oci:%s/images/oci:debian-app" % harness.SHARED], env=env)
        self.assertEqual([rec for rec in harness.log_records(r3.stderr) if rec.get("message") == "layer scanned"], [])

    def test_docker_archive(self):
        out = os.path.join(self.tmp, "archive")
        os.makedirs(out, exist_ok=True)
        b = subprocess.run(["bash", os.path.join(harness.SHARED, "images", "build-images.sh"), "--docker-archive-only", out],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(b.returncode, 0, b.stderr[-2000:])
        archive = [os.path.join(dp, f) for dp, _, fs in os.walk(out) for f in fs if f.endswith(".tar.gz") or f.endswith(".tar")][0]
        rep = json.loads(self.scan("docker-archive:%s:debian-app:latest" % archive).stdout)
        self.assertEqual(dpkg_packages(rep), expected_dpkg("debian-app", digest_key="diff_id"))

    def test_registry(self):
        with harness.registry() as addr:
            rep = json.loads(self.scan("docker://%s/debian-app:latest" % addr).stdout)
        self.assertEqual(dpkg_packages(rep), expected_dpkg("debian-app"))
        self.assertEqual(rep["manifest_hash"], harness.expected("debian-app")["manifest"]["digest"])

    def test_update_logs_each_updater(self):
        recs = [r for r in harness.log_records(self.update_stderr) if r.get("message") == "update finished"]
        self.assertEqual([r["updater"] for r in recs], ["debian/updater"])
        self.assertGreater(recs[0]["records"], 10000)
        self.assertTrue(recs[0]["url"].endswith("/debian/json"))


if __name__ == "__main__":
    unittest.main()
