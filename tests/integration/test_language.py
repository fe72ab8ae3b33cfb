"""Issue 7 end to end: npm, Python, Java and Go packages of the real
debian-app image, matched against the real OSV exports (served locally and
loaded with `lucid update`), checked against the image's expected values and
against an independent computation over the OSV files; plus a Spring Boot
style jar holding real jars, built here."""
import io
import json
import os
import shutil
import tarfile
import tempfile
import unittest
import zipfile

import harness
import ocibuild

APP = "oci:%s/images/oci:debian-app" % harness.SHARED
OSV = os.path.join(harness.SHARED, "data", "feeds", "osv")


# --- an independent semver (npm) comparison --------------------------------
def semver_key(v):
    """(major, minor, patch, pre) with semver 2.0 precedence; None if not semver."""
    v = v.strip()
    if v.startswith("v"):
        v = v[1:]
    v = v.split("+", 1)[0]
    core, _, pre = v.partition("-")
    parts = core.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    nums = [int(p) for p in parts] + [0] * (3 - len(parts))
    if not pre:
        return (nums, [(2, 0, "")])  # a release ranks above any pre-release
    ids = []
    for ident in pre.split("."):
        ids.append((0, int(ident), "") if ident.isdigit() else (1, 0, ident))
    return (nums, [(0, 0, "")] + ids)


def semver_cmp(a, b):
    ka, kb = semver_key(a), semver_key(b)
    if ka[0] != kb[0]:
        return -1 if ka[0] < kb[0] else 1
    if ka[1] == kb[1]:
        return 0
    # Pre-release lists: a release ([(2,..)]) beats any [(0,..), ...]; otherwise
    # identifier by identifier, a shorter list ranking first.
    return -1 if ka[1] < kb[1] else 1


def osv_advisories(ecosystem):
    with zipfile.ZipFile(os.path.join(OSV, ecosystem, "all.zip")) as z:
        for name in z.namelist():
            yield json.loads(z.read(name))


def npm_affected(adv, name, version):
    """OSV semantics over SEMVER ranges: introduced <= v < fixed, or <= last_affected."""
    if adv.get("withdrawn"):
        return False
    for aff in adv.get("affected", []):
        pkg = aff.get("package", {})
        if pkg.get("ecosystem") != "npm" or pkg.get("name") != name:
            continue
        for rng in aff.get("ranges", []):
            if rng.get("type") != "SEMVER":
                continue
            introduced = None
            for ev in rng.get("events", []):
                if "introduced" in ev:
                    introduced = ev["introduced"]
                    continue
                if introduced is None:
                    continue
                lo_ok = introduced == "0" or semver_cmp(version, introduced) >= 0
                if "fixed" in ev and lo_ok and semver_cmp(version, ev["fixed"]) < 0:
                    return True
                if "last_affected" in ev and lo_ok and semver_cmp(version, ev["last_affected"]) <= 0:
                    return True
                if "limit" in ev and lo_ok and (ev["limit"] == "*" or semver_cmp(version, ev["limit"]) < 0):
                    return True
                introduced = None
            if introduced is not None and (introduced == "0" or semver_cmp(version, introduced) >= 0):
                return True  # open range: not fixed yet
    return False


def lang_packages(report):
    """{filepath: (name, version, os_managed, package_db)} of file-backed packages."""
    out = {}
    for pid, p in report["packages"].items():
        if p.get("filepath"):
            db = report["environments"][pid][0]["package_db"]
            out[p["filepath"]] = (p["name"], p["version"], bool(p.get("os_managed")), db)
    return out


def layer_member(index, path):
    """Bytes of `path` in layer `index` of debian-app (read from the real blob)."""
    digest = harness.expected("debian-app")["layers"][index]["digest"]
    blob = os.path.join(harness.SHARED, "images", "oci", "blobs", "sha256", digest.split(":", 1)[1])
    with tarfile.open(blob, "r:gz") as t:
        return t.extractfile(t.getmember(path)).read()


class LanguageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.env = {"LUCID_DATA_DIR": os.path.join(cls.tmp, "data")}
        cls._feeds = harness.feed_server()
        cls.base = cls._feeds.__enter__()
        cls.config = os.path.join(cls.tmp, "config.yaml")
        with open(cls.config, "w") as f:
            f.write("log_level: info\nupdaters:\n  sets: [osv]\n  config:\n    osv:\n      url: %s/osv/\n" % cls.base)
        r = harness.run(["update", "--config", cls.config], env=cls.env)
        if r.returncode != 0:
            cls._feeds.__exit__(None, None, None)
            raise AssertionError("update failed: %s" % r.stderr[-3000:])
        cls.report = cls.scan_json(APP)

    @classmethod
    def tearDownClass(cls):
        cls._feeds.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def scan_json(cls, image):
        r = harness.run(["scan", "--config", cls.config, "--format", "json", image], env=cls.env)
        if r.returncode != 0:
            raise AssertionError("scan failed (%d): %s" % (r.returncode, r.stderr[-3000:]))
        return json.loads(r.stdout)

    def test_packages_are_exactly_the_expected_ones(self):
        final = harness.expected("debian-app")["final"]
        got = lang_packages(self.report)
        npm = {p: v for p, v in got.items() if v[3].startswith("nodejs:")}
        self.assertEqual({p: (n, ver) for p, (n, ver, _, _) in npm.items()},
                         {e["path"]: (e["name"], e["version"]) for e in final["npm"]})
        self.assertNotIn("app/node_modules/minimist/package.json", got)  # whited out in layer 3
        self.assertIn("app/node_modules/optimist/node_modules/minimist/package.json", got)
        self.assertFalse(any(v[2] for v in npm.values()))

        py = {p: (n, ver, om) for p, (n, ver, om, db) in got.items() if db.startswith("python:")}
        self.assertEqual(py, {e["path"]: (e["name"], e["version"], True) for e in final["python"]})

        java = {}
        for p, (n, ver, om, db) in got.items():
            if db.split(":", 1)[0] in ("maven", "jar", "file"):
                java.setdefault(p, []).append((n, ver, om))
        self.assertEqual(sorted(java), sorted(e["path"] for e in final["java"]))
        for e in final["java"]:
            want = [("%s:%s" % (m["groupId"], m["artifactId"]), m["version"], True) for m in e["maven"]]
            if want:
                self.assertEqual(sorted(java[e["path"]]), sorted(want))
            elif e["manifest"].get("Bundle-Version"):
                self.assertEqual(java[e["path"]][0][1], e["manifest"]["Bundle-Version"])
            self.assertTrue(all(om for _, _, om in java[e["path"]]))
        for link in final["java_symlinks"]:
            self.assertNotIn(link["path"], got)

        go = [(p, n, ver, om) for p, (n, ver, om, db) in got.items() if db.startswith("go:")]
        self.assertEqual(go, [(e["path"], "stdlib", e["go_version"][2:], True) for e in final["go"]])

        notes = {(n["scanner"], n["code"]) for n in self.report.get("notes", [])}
        for scanner in ("python", "java", "gobin"):
            self.assertIn((scanner, "os-managed-language-packages"), notes)
        repos = {r["name"]: r["uri"] for r in self.report["repository"].values()}
        self.assertEqual(repos["npm"], "https://www.npmjs.com/")
        self.assertEqual(repos["pypi"], "https://pypi.org/simple")
        self.assertEqual(repos["maven"], "https://repo1.maven.apache.org/maven2")
        self.assertEqual(repos["go"], "https://pkg.go.dev/")

    def test_npm_advisories_match_independent_computation(self):
        rep = self.report
        got, osmanaged_hits = set(), []
        for pid, vids in rep["package_vulnerabilities"].items():
            p = rep["packages"][pid]
            for vid in vids:
                v = rep["vulnerabilities"][vid]
                if v["updater"].startswith("osv/"):
                    if p.get("os_managed"):
                        osmanaged_hits.append((p["name"], v["name"]))
                    if v["updater"] == "osv/npm":
                        got.add((p["name"], p["version"], v["name"]))
        self.assertEqual(osmanaged_hits, [])  # python/java/go from dpkg are not matched against OSV
        final = harness.expected("debian-app")["final"]["npm"]
        installed = {(e["name"], e["version"]) for e in final}
        want = set()
        for adv in osv_advisories("npm"):
            for name, version in installed:
                if npm_affected(adv, name, version):
                    want.add((name, version, adv["id"]))
        self.assertGreater(len(want), 10)
        self.assertEqual(sorted(got - want), [])
        self.assertEqual(sorted(want - got), [])
        # Every hit carries links (reference URLs, then one osv.dev link per alias).
        for vid in {v for pid, vids in rep["package_vulnerabilities"].items() for v in vids}:
            v = rep["vulnerabilities"][vid]
            if v["updater"] == "osv/npm":
                self.assertTrue(v["links"].startswith("http"), v)

    def test_clair_format_is_schema_valid(self):
        r = harness.run(["scan", "--config", self.config, "--format", "clair", APP], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        rep = json.loads(r.stdout)
        self.assertEqual(harness.schema_errors("vulnerability_report", rep), [])
        osv = [v for v in rep["vulnerabilities"].values() if v["updater"] == "osv/npm"]
        self.assertTrue(osv)
        self.assertTrue(all(v["repository"]["name"] == "npm" for v in osv))

    def test_nested_jars_in_a_spring_boot_jar(self):
        snakeyaml = layer_member(1, "usr/share/java/snakeyaml.jar")
        with open(os.path.join(harness.SHARED, "data/upstream-fixtures/java/java/jar/testdata/inner/inner.jar"), "rb") as f:
            inner = f.read()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n")
            z.writestr(zipfile.ZipInfo("BOOT-INF/lib/snakeyaml-1.33.jar"), snakeyaml)  # stored, as Boot does
            z.writestr("BOOT-INF/lib/inner.jar", inner, compress_type=zipfile.ZIP_DEFLATED)
        root = os.path.join(self.tmp, "bootjar")
        ocibuild.write_layout(root, [ocibuild.tar_bytes([
            ("app/app.jar", buf.getvalue()),
            ("app/broken.jar", b"#!/bin/sh\nthis is not a zip archive at all\n"),
        ])])
        rep = self.scan_json("oci:%s:test" % root)
        pkgs = {(p["name"], p["version"]): (pid, p) for pid, p in rep["packages"].items()}
        self.assertIn(("org.yaml:snakeyaml", "1.33"), pkgs)
        pid, p = pkgs[("org.yaml:snakeyaml", "1.33")]
        self.assertEqual(p["filepath"], "app/app.jar")
        self.assertFalse(p.get("os_managed", False))
        self.assertEqual(rep["environments"][pid][0]["package_db"], "maven:app/app.jar:BOOT-INF/lib/snakeyaml-1.33.jar")
        for nested in (("jackson-annotations", "2.13.0"), ("log4j-api", "2.14"), ("log4j", "2.14.0")):
            self.assertIn(nested, pkgs)
        self.assertFalse(any(x.get("filepath") == "app/broken.jar" for x in rep["packages"].values()))
        got = {rep["vulnerabilities"][v]["name"] for v in rep["package_vulnerabilities"].get(pid, [])}
        # Independently: Maven advisories for snakeyaml whose plain numeric
        # ECOSYSTEM ranges put 1.33 before the fix.
        def num(v):
            return [int(x) for x in v.split(".")] if all(x.isdigit() for x in v.split(".")) else None
        want = set()
        for adv in osv_advisories("Maven"):
            if adv.get("withdrawn"):
                continue
            for aff in adv.get("affected", []):
                if aff.get("package", {}).get("name") != "org.yaml:snakeyaml":
                    continue
                for rng in aff.get("ranges", []):
                    ev = {k: v for e in rng.get("events", []) for k, v in e.items()}
                    lo, hi = num(ev.get("introduced", "0")), num(ev.get("fixed", ""))
                    if lo is not None and hi is not None and lo <= num("1.33") < hi:
                        want.add(adv["id"])
        self.assertIn("GHSA-mjmj-j48q-9wg2", want)  # CVE-2022-1471, fixed in 2.0
        self.assertEqual(sorted(want - got), [])


if __name__ == "__main__":
    unittest.main()
