"""rpm end to end: an image whose rpm database (rpmdb.sqlite) holds the real
crypto-policies header blob from the shared fixtures plus a python3-urllib3
package built here with rpmbuild and recorded by rpm itself (`rpm -i
--justdb`). `lucid scan` must list both rpm packages, and report the
urllib3 distribution the rpm owns as OS-managed and unmatched, while a
pip-installed (also vulnerable) urllib3 elsewhere is matched
against the real OSV PyPI export."""
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness
import ocibuild

HEADER = os.path.join(harness.SHARED, "data", "upstream-fixtures", "rhel-rpm", "internal", "rpm", "rpmdb", "testdata",
                      "package.header")
OWNED = "usr/lib/python3.9/site-packages/urllib3-1.26.5.dist-info/METADATA"
# A pip-installed urllib3 elsewhere. Another version: the report merges
# identical name/version pairs into one package.
PIP = "usr/local/lib/python3.9/site-packages/urllib3-1.26.4.dist-info/METADATA"
METADATA = b"Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.5\n"
PIP_METADATA = b"Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\n"
ADVISORY = "GHSA-34jh-p97f-mpxf"  # urllib3 < 1.26.19 in the OSV PyPI export

SPEC = """Name: python3-urllib3
Version: 1.26.5
Release: 1.fc34
Summary: test package
License: MIT
BuildArch: noarch
%%description
test package
%%install
mkdir -p %%{buildroot}/%(dir)s
printf 'Metadata-Version: 2.1\\nName: urllib3\\nVersion: 1.26.5\\n' > %%{buildroot}/%(path)s
%%files
/%(dir)s
""" % {"dir": os.path.dirname(OWNED), "path": OWNED}


def build_rpmdb(tmp):
    """rpmdb.sqlite bytes: rpm's own database with the built package, plus the
    crypto-policies blob added to rpm's Packages(hnum, blob) table."""
    spec = os.path.join(tmp, "t.spec")
    with open(spec, "w") as f:
        f.write(SPEC)
    top = os.path.join(tmp, "rpmbuild")
    subprocess.run(["rpmbuild", "-bb", "--nodeps", "--define", "_topdir " + top, spec], check=True,
                   capture_output=True)
    pkg = os.path.join(top, "RPMS", "noarch", "python3-urllib3-1.26.5-1.fc34.noarch.rpm")
    dbdir = os.path.join(tmp, "db")
    subprocess.run(["rpm", "--initdb", "--dbpath", dbdir], check=True, capture_output=True)
    subprocess.run(["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--nosignature", "--dbpath", dbdir, pkg],
                   check=True, capture_output=True)
    path = os.path.join(dbdir, "rpmdb.sqlite")
    with open(HEADER, "rb") as f:
        blob = f.read()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO Packages(blob) VALUES (?)", (blob,))
    con.commit()
    con.close()
    with open(path, "rb") as f:
        return f.read()


@unittest.skipUnless(shutil.which("rpmbuild") and shutil.which("rpm"),
                     "needs rpm and rpmbuild (Debian package rpm, installed by tools/install-deps.sh test)")
class RpmScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.env = {"LUCID_DATA_DIR": os.path.join(cls.tmp, "data")}
        cls._feeds = harness.feed_server()
        base = cls._feeds.__enter__()
        cls.config = os.path.join(cls.tmp, "config.yaml")
        with open(cls.config, "w") as f:
            f.write("log_level: info\nupdaters:\n  sets: [osv]\n  config:\n    osv:\n      url: %s/osv/\n" % base)
        try:
            r = harness.run(["update", "--config", cls.config], env=cls.env)
            if r.returncode != 0:
                raise AssertionError("update failed: %s" % r.stderr[-3000:])
            layer = ocibuild.tar_bytes([
                ("etc/os-release", b'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=34\n'),
                ("usr/lib/sysimage/rpm/rpmdb.sqlite", build_rpmdb(cls.tmp)),
                (OWNED, METADATA),
                (PIP, PIP_METADATA),
            ])
            cls.layer_digest = "sha256:" + hashlib.sha256(gzip.compress(layer, mtime=0)).hexdigest()
            layout = os.path.join(cls.tmp, "img")
            ocibuild.write_layout(layout, [layer])
            r = harness.run(["scan", "--config", cls.config, "--format", "json", "oci:%s:test" % layout], env=cls.env)
            if r.returncode != 0:
                raise AssertionError("scan failed (%d): %s" % (r.returncode, r.stderr[-3000:]))
            cls.report = json.loads(r.stdout)
        except BaseException:
            cls._feeds.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls._feeds.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def packages(self):
        return {pid: p for pid, p in self.report["packages"].items()}

    def test_rpm_packages_are_listed(self):
        rpms = {}
        for pid, p in self.packages().items():
            envs = self.report["environments"][pid]
            if envs[0]["package_db"].startswith("sqlite:"):
                rpms[p["name"]] = (p, envs)
        self.assertEqual(sorted(rpms), ["crypto-policies", "python3-urllib3"])
        cp, envs = rpms["crypto-policies"]
        self.assertEqual(cp["version"], "20210213-1.git5c710c0.fc34")
        self.assertEqual(cp["arch"], "noarch")
        self.assertEqual(cp["kind"], "binary")
        self.assertEqual(cp["source"]["name"], "crypto-policies")
        self.assertEqual(cp["source"]["version"], "20210213-1.git5c710c0.fc34")
        self.assertEqual(envs[0]["package_db"], "sqlite:usr/lib/sysimage/rpm")
        self.assertEqual(envs[0]["introduced_in"], self.layer_digest)
        self.assertEqual(rpms["python3-urllib3"][0]["version"], "1.26.5-1.fc34")

    def test_rpm_owned_python_package_is_os_managed_and_unmatched(self):
        by_path = {p.get("filepath"): (pid, p) for pid, p in self.packages().items() if p.get("filepath")}
        self.assertIn(OWNED, by_path)
        self.assertIn(PIP, by_path)
        owned_id, owned = by_path[OWNED]
        pip_id, pip = by_path[PIP]
        self.assertTrue(owned.get("os_managed"))
        self.assertFalse(pip.get("os_managed", False))
        vulns = self.report["vulnerabilities"]
        hits = lambda pid: {vulns[v]["name"] for v in self.report["package_vulnerabilities"].get(pid, [])}
        self.assertIn(ADVISORY, hits(pip_id))  # urllib3 is matched when pip installed it
        self.assertEqual(hits(owned_id), set())
        notes = {(n["scanner"], n["code"]) for n in self.report.get("notes", [])}
        self.assertIn(("python", "os-managed-language-packages"), notes)


if __name__ == "__main__":
    unittest.main()
