"""Issue 6 end to end: an Alpine 3.14 image assembled from the real files in
shared/data/alpine-rootfs/v3.14, `lucid update` against the secdb served
locally, then `lucid scan`; the vulnerabilities must equal an independent
computation over the v3.14 main+community secdb files."""
import json
import os
import re
import shutil
import tempfile
import unittest

import harness
import ocibuild

ROOTFS = os.path.join(harness.SHARED, "data", "alpine-rootfs", "v3.14")
SECDB = os.path.join(harness.SHARED, "data", "feeds", "alpine", "secdb")

# apk version order for the shape N(.N)*[letter[N]][_suffix[N]][-rN], written
# from the rules: components numerically (a proper prefix is older), then the
# letter (none oldest) and its number, the suffix (_alpha < _beta < _pre < _rc
# < none < _cvs < _svn < _git < _hg < _p) and its number, then the revision.
# Returns None for anything else (zero-led components, several suffixes, ...).
_APK = re.compile(r"^(\d+(?:\.\d+)*)(?:([a-z])(\d+)?)?(?:_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d+)?)?(?:-r(\d+))?$")
_SUFFIXES = ["alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"]


def apk_key(v):
    m = _APK.match(v)
    if not m:
        return None
    parts = m.group(1).split(".")
    if any(len(p) > 1 and p[0] == "0" for p in parts[1:]):
        return None
    num = lambda g: int(m.group(g)) if m.group(g) is not None else -1  # noqa: E731
    return ([int(p) for p in parts], m.group(2) or "", num(3), _SUFFIXES.index(m.group(4) or "") - 4, num(5), num(6))


def installed_packages():
    """[(name, version, origin)] from the real lib/apk/db/installed."""
    out = []
    with open(os.path.join(ROOTFS, "lib", "apk", "db", "installed")) as f:
        for record in f.read().split("\n\n"):
            fields = {}
            for line in record.splitlines():
                if len(line) >= 2 and line[1] == ":":
                    fields.setdefault(line[0], line[2:])
            if "P" in fields and "V" in fields:
                out.append((fields["P"], fields["V"], fields.get("o", "")))
    return out


def expected_vulns(packages):
    """{(binary name, id, fixed version)} from the v3.14 secdb files."""
    secfixes = {}
    for repo in ("main", "community"):
        with open(os.path.join(SECDB, "v3.14", repo + ".json")) as f:
            for p in json.load(f)["packages"]:
                for fixed, ids in (p["pkg"].get("secfixes") or {}).items():
                    for entry in ids or []:
                        for tok in entry.split():
                            if re.match(r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$", tok) and re.search(r"\d", tok):
                                secfixes.setdefault(p["pkg"]["name"], set()).add((fixed, tok))
    want, unmodelled = set(), set()
    for name, version, origin in packages:
        for fixed, vid in secfixes.get(origin, ()):
            if fixed == "0":
                continue
            ka, kb = apk_key(version), apk_key(fixed)
            if ka is None or kb is None:
                unmodelled.add(version if ka is None else fixed)
                continue
            if ka < kb:
                want.add((name, vid, fixed))
    return want, unmodelled


class AlpineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.env = {"LUCID_DATA_DIR": os.path.join(cls.tmp, "data")}
        files = []
        for rel in ("etc/os-release", "etc/alpine-release", "lib/apk/db/installed"):
            with open(os.path.join(ROOTFS, rel), "rb") as f:
                files.append((rel, f.read()))
        cls.layout = os.path.join(cls.tmp, "oci")
        os.makedirs(cls.layout)
        cls.manifest, cls.layers = ocibuild.write_layout(cls.layout, [ocibuild.tar_bytes(files)], tag="alpine")
        cls.image = "oci:%s:alpine" % cls.layout
        cls._feeds = harness.feed_server()
        cls.base = cls._feeds.__enter__()
        cls.config = os.path.join(cls.tmp, "config.yaml")
        with open(cls.config, "w") as f:
            f.write("log_level: info\nupdaters:\n  sets: [alpine]\n  config:\n    alpine:\n      url: %s/alpine/\n" % cls.base)
        r = harness.run(["update", "--config", cls.config], env=cls.env)
        if r.returncode != 0:
            cls._feeds.__exit__(None, None, None)
            raise AssertionError("update failed: %s" % r.stderr[-3000:])
        cls.update_stderr = r.stderr

    @classmethod
    def tearDownClass(cls):
        cls._feeds.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def scan(self, fmt="json"):
        r = harness.run(["scan", "--config", self.config, "--format", fmt, self.image], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r

    def test_packages_and_distribution(self):
        rep = json.loads(self.scan().stdout)
        got = {(p["name"], p["version"], p.get("source", {}).get("name", "")) for p in rep["packages"].values()}
        self.assertEqual(got, set(installed_packages()))
        self.assertEqual(len(got), 26)
        dists = list(rep["distributions"].values())
        self.assertEqual(len(dists), 1)
        d = dists[0]
        self.assertEqual((d["did"], d["name"], d["version"], d["version_id"], d["pretty_name"]),
                         ("alpine", "Alpine Linux", "3.14", "3.14", "Alpine Linux v3.14"))
        for pid, envs in rep["environments"].items():
            self.assertEqual(envs[0]["package_db"], "lib/apk/db/installed")
            self.assertEqual(envs[0]["introduced_in"], self.layers[0])
        self.assertEqual(rep["manifest_hash"], self.manifest)

    def test_vulnerabilities_match_independent_computation(self):
        rep = json.loads(self.scan().stdout)
        got = set()
        for pid, vids in rep["package_vulnerabilities"].items():
            for vid in vids:
                v = rep["vulnerabilities"][vid]
                self.assertRegex(v["updater"], r"^alpine-(main|community)-v3\.14-updater$")
                self.assertEqual(v["links"], "https://security.alpinelinux.org/vuln/" + v["name"])
                self.assertEqual(v["normalized_severity"], "Unknown")
                got.add((rep["packages"][pid]["name"], v["name"], v["fixed_in_version"]))
        want, unmodelled = expected_vulns(installed_packages())
        self.assertEqual(unmodelled, set(), "versions outside the test's apk model")
        self.assertGreater(len(want), 20)
        self.assertEqual(sorted(got - want)[:20], [])
        self.assertEqual(sorted(want - got)[:20], [])
        # shared/data/alpine-rootfs/README.md facts.
        self.assertIn(("libssl1.1", "CVE-2021-3711", "1.1.1l-r0"), got)
        self.assertNotIn(("libssl1.1", "CVE-2021-3449", "1.1.1k-r0"), got)
        self.assertFalse(any(n == "musl" and c == "CVE-2020-28928" for n, c, _ in got))

    def test_clair_format_is_schema_valid(self):
        rep = json.loads(self.scan("clair").stdout)
        self.assertEqual(harness.schema_errors("vulnerability_report", rep), [])
        self.assertGreater(len(rep["vulnerabilities"]), 20)

    def test_update_discovered_every_secdb_file(self):
        recs = [r for r in harness.log_records(self.update_stderr) if r.get("message") == "update finished"]
        names = {r["updater"] for r in recs}
        want = set()
        for rel in os.listdir(SECDB):
            if os.path.isdir(os.path.join(SECDB, rel)):
                for f in os.listdir(os.path.join(SECDB, rel)):
                    if f.endswith(".json"):
                        want.add("alpine-%s-%s-updater" % (f[:-5], rel))
        self.assertEqual(names, want)
        self.assertIn("alpine-main-v3.14-updater", names)

    def test_second_update_is_unchanged(self):
        first = {r["updater"]: r for r in harness.log_records(self.update_stderr) if r.get("message") == "update finished"}
        self.assertEqual(first["alpine-main-v3.14-updater"]["outcome"], "updated")
        self.assertGreater(first["alpine-main-v3.14-updater"]["records"], 2000)
        r = harness.run(["update", "--config", self.config], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        again = {rec["updater"]: rec for rec in harness.log_records(r.stderr) if rec.get("message") == "update finished"}
        self.assertEqual(set(again), set(first))
        for name, rec in again.items():
            # The ETag came back as If-None-Match and the server said 304.
            self.assertEqual((rec["outcome"], rec["records"]), ("unchanged", 0), name)
            self.assertEqual(rec["fingerprint"], first[name]["fingerprint"], name)

if __name__ == "__main__":
    unittest.main()
