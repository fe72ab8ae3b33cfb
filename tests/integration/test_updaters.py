"""Issue 5 end to end: the updaters (debian, osv, clair.cvss) against the real
feeds served on 127.0.0.1, through a real proxy (tinyproxy), under faults
(HTTP errors, redirect loops, stalls, truncated/garbage/corrupt bodies, a
refusing proxy), and the airgap round trip export -> import -> identical
vulnerability reports."""
import gzip
import http.server
import json
import os
import shutil
import socket
import socketserver
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import harness

IMAGE = "oci:%s/images/oci:debian-app" % harness.SHARED
GOOD_DEBIAN = os.path.join(harness.SHARED, "data", "feeds", "debian", "tracker-json-samples",
                           "tracker-json-excerpt-vuls.json")


class FaultHandler(http.server.BaseHTTPRequestHandler):
    """Misbehaving feed endpoints."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        with open(GOOD_DEBIAN, "rb") as f:
            good = f.read()
        try:
            if p == "/500":
                self._send(500, b"oops")
            elif p == "/404":
                self._send(404, b"no")
            elif p == "/loop":
                self._send(302, b"", {"Location": "/loop"})
            elif p == "/truncated":
                self._send(200, good[: len(good) // 2])
            elif p == "/notjson":
                self._send(200, b"<html>this is not the tracker</html>")
            elif p == "/badgzip":
                self._send(200, gzip.compress(good)[:40] + b"\x00garbage" * 100)
            elif p == "/stall":
                self.send_response(200)
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                self.wfile.write(good[:100])
                self.wfile.flush()
                time.sleep(30)
            elif p == "/garbage":
                # Claims 10 GB and streams pseudo-random bytes until the client hangs up.
                self.send_response(200)
                self.send_header("Content-Length", str(10 * 1024 ** 3))
                self.end_headers()
                chunk = os.urandom(1 << 20)
                for _ in range(10 * 1024):
                    self.wfile.write(chunk)
            elif p == "/osv/ecosystems.txt":
                self._send(200, b"npm\n")
            elif p == "/osv/npm/all.zip":
                self._send(200, b"PK\x03\x04" + b"\xff" * 5000, {"ETag": '"bad"'})
            else:
                self._send(404)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_measured(args, env):
    """Runs lucid; returns (returncode, stdout, stderr, peak RSS of that process in MiB)."""
    e = dict(os.environ)
    e.update(env)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([harness.LUCID] + args, stdout=out, stderr=err, env=e, text=True)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read(), ru.ru_maxrss / 1024.0


def operations(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "lucid.db"))
    try:
        return db.execute("SELECT ref, updater, fingerprint FROM lucid_update_operation ORDER BY id").fetchall()
    finally:
        db.close()


class UpdatersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls._feeds = harness.feed_server()
        cls.base = cls._feeds.__enter__()
        cls.faults = Server(("127.0.0.1", 0), FaultHandler)
        threading.Thread(target=cls.faults.serve_forever, daemon=True).start()
        cls.fault_base = "http://127.0.0.1:%d" % cls.faults.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.faults.shutdown()
        cls._feeds.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def config(self, name, sets=("debian", "osv", "clair.cvss"), debian_url=None, osv_url=None):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write("log_level: info\nupdaters:\n  sets: [%s]\n  config:\n" % ", ".join(sets))
            f.write("    debian:\n      json_url: %s\n" % (debian_url or self.base + "/debian/json"))
            f.write("    osv:\n      url: %s\n" % (osv_url or self.base + "/osv/"))
            f.write("    clair.cvss:\n      feed_root: %s/nvd/\n" % self.base)
        return path

    def data_dir(self, name):
        return {"LUCID_DATA_DIR": os.path.join(self.tmp, name)}

    def update(self, cfg, env, extra_env=None):
        e = dict(env)
        e.update(extra_env or {})
        return harness.run(["update", "--config", cfg], env=e, timeout=900)

    def test_full_update_unchanged_second_run_and_diffs(self):
        cfg = self.config("full")
        env = self.data_dir("full")
        r = self.update(cfg, env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        lines = [l for l in r.stderr.splitlines() if ": updated" in l]
        names = sorted(l.split(":")[0] for l in lines)
        self.assertEqual(names, ["clair.cvss", "debian/updater", "osv/go", "osv/maven", "osv/npm", "osv/pypi",
                                 "osv/rubygems"])
        t0 = time.time()
        r2 = self.update(cfg, env)
        elapsed = time.time() - t0
        self.assertEqual(r2.returncode, 0, r2.stderr[-3000:])
        self.assertEqual(r2.stderr.count(": unchanged"), 7, r2.stderr[-3000:])
        self.assertLess(elapsed, 5.0)
        ops = operations(env["LUCID_DATA_DIR"])
        self.assertEqual(len(ops), 7)
        self.assertTrue(all(fp for _, _, fp in ops))
        # The CVSS enrichment reaches the Clair report.
        s = harness.run(["scan", "--config", cfg, "--format", "clair", IMAGE], env=env)
        self.assertEqual(s.returncode, 0, s.stderr[-2000:])
        rep = json.loads(s.stdout)
        key = ("message/vnd.clair.map.vulnerability; enricher=clair.cvss "
               "schema=https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema")
        self.assertIn(key, rep["enrichments"])
        enr = rep["enrichments"][key]
        self.assertEqual(len(enr), 1)
        for vid, datas in enr[0].items():
            self.assertIn(vid, rep["vulnerabilities"])
            self.assertTrue(all("vectorString" in d and "baseScore" in d for d in datas))

    def test_updaters_list_prints_exact_urls_and_proxy(self):
        cfg = self.config("list")
        r = harness.run(["updaters", "list", "--config", cfg],
                        env={"http_proxy": "http://127.0.0.1:3128", "NO_PROXY": "example.invalid"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.base + "/debian/json  (via proxy http://127.0.0.1:3128)", r.stdout)
        self.assertIn(self.base + "/osv/ecosystems.txt", r.stdout)
        r = harness.run(["updaters", "list", "--config", cfg, "--resolve"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.base + "/debian/json\n", r.stdout)
        self.assertIn(self.base + "/osv/PyPI/all.zip", r.stdout)
        self.assertIn("osv/pypi", r.stdout)
        self.assertNotIn("osv/debian", r.stdout)
        self.assertIn(self.base + "/nvd/nvdcve-2.0-2017.meta", r.stdout)

    def test_proxy_and_304(self):
        d = os.path.join(self.tmp, "proxy")
        os.makedirs(d)
        port = free_port()
        conf = os.path.join(d, "tinyproxy.conf")
        log = os.path.join(d, "tinyproxy.log")
        with open(conf, "w") as f:
            f.write('Port %d\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nMaxClients 20\n'
                    'LogFile "%s"\nLogLevel Info\nPidFile "%s/tp.pid"\n' % (port, log, d))
        proxy = subprocess.Popen(["tinyproxy", "-d", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            cfg = self.config("proxy", sets=("debian", "osv"))
            env = self.data_dir("proxy-data")
            penv = {"http_proxy": "http://127.0.0.1:%d" % port, "HTTPS_PROXY": "http://127.0.0.1:%d" % port}
            r = self.update(cfg, env, penv)
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            recs = [x for x in harness.log_records(r.stderr) if x.get("message") == "update finished"]
            self.assertTrue(recs)
            self.assertTrue(all(x["proxy"] == "http://127.0.0.1:%d" % port for x in recs), recs)
            r2 = self.update(cfg, env, penv)
            self.assertEqual(r2.stderr.count(": unchanged"), 6, r2.stderr[-3000:])
            with open(log) as f:
                text = f.read()
            self.assertIn("/debian/json", text)
            self.assertIn("/osv/npm/all.zip", text)
            # A proxy refusing connections: one clear line naming URL and proxy; data kept.
            before = operations(env["LUCID_DATA_DIR"])
            bad = {"http_proxy": "http://127.0.0.1:%d" % free_port(), "LUCID_UPDATER_RETRIES": "0"}
            r3 = self.update(cfg, env, bad)
            self.assertEqual(r3.returncode, 5)
            fails = [x for x in harness.log_records(r3.stderr) if x.get("message") == "update failed"]
            self.assertTrue(fails)
            for x in fails:
                if x["updater"] == "osv":
                    continue  # discovery of the set itself failed
                self.assertEqual(x["proxy"], bad["http_proxy"])
                self.assertIn(self.base, x["error"])
            self.assertEqual(operations(env["LUCID_DATA_DIR"]), before)
        finally:
            proxy.terminate()
            proxy.wait(10)

    def test_faults_keep_previous_data_and_bound_memory(self):
        env = self.data_dir("faults")
        # Seed with the real feed first.
        seed = self.config("faults-seed", sets=("debian",))
        r = self.update(seed, env)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        before = operations(env["LUCID_DATA_DIR"])
        self.assertEqual(len(before), 1)
        knobs = {"LUCID_UPDATER_RETRIES": "0", "LUCID_UPDATER_STALL_TIMEOUT": "2",
                 "LUCID_UPDATER_MAX_BYTES": str(64 << 20)}
        expect = {"/500": "HTTP status 500", "/404": "HTTP status 404", "/loop": "redirect",
                  "/truncated": "truncated", "/notjson": "JSON", "/badgzip": "", "/stall": "too slow",
                  "/garbage": ""}
        for path, needle in expect.items():
            cfg = self.config("fault" + path.strip("/"), sets=("debian",), debian_url=self.fault_base + path)
            e = dict(env)
            e.update(knobs)
            t0 = time.time()
            rc, _, err, rss = run_measured(["update", "--config", cfg], e)
            self.assertEqual(rc, 5, path + ": " + err[-2000:])
            self.assertLess(time.time() - t0, 60, path)
            fails = [x for x in harness.log_records(err) if x.get("message") == "update failed"]
            self.assertEqual(len(fails), 1, path + err[-2000:])
            self.assertEqual(fails[0]["url"], self.fault_base + path)
            self.assertEqual(fails[0]["proxy"], "direct")
            self.assertIn(needle, fails[0]["error"], path)
            self.assertEqual(operations(env["LUCID_DATA_DIR"]), before, path)
            self.assertLess(rss, 200, path)
        # A broken OSV ecosystem fails alone; the Debian feed next to it still updates.
        cfg = self.config("osv-bad", sets=("debian", "osv"), osv_url=self.fault_base + "/osv/")
        r = self.update(cfg, self.data_dir("faults-osv"), {"LUCID_UPDATER_RETRIES": "0"})
        self.assertEqual(r.returncode, 5)
        self.assertIn("debian/updater: updated", r.stderr)
        self.assertIn("osv/npm: failed", r.stderr)

    def test_airgap_round_trip(self):
        cfg = self.config("airgap")
        bundle = os.path.join(self.tmp, "bundle.json.gz")
        r = harness.run(["export-updaters", "--config", cfg, "--strict", bundle], env=self.data_dir("export-side"),
                        timeout=900)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "export-side", "lucid.db")))
        refs = {}
        with gzip.open(bundle, "rt") as f:
            for i, line in enumerate(f):
                rec = json.loads(line)
                if i == 0:
                    self.assertEqual(list(rec.keys())[:4], ["Updater", "Fingerprint", "Date", "Ref"])
                self.assertIn(rec["Kind"], ("vulnerability", "enrichment"))
                self.assertTrue(("Vuln" in rec) != ("Enrichment" in rec))
                if "Enrichment" in rec:
                    self.assertEqual(set(rec["Enrichment"]), {"Tags", "Enrichment"})
                else:
                    self.assertEqual(rec["Vuln"]["id"], "")
                refs.setdefault(rec["Ref"], rec["Updater"])
        self.assertEqual(sorted(refs.values()), ["clair.cvss", "debian/updater", "osv/go", "osv/maven", "osv/npm",
                                                 "osv/pypi", "osv/rubygems"])
        imp = self.data_dir("import-side")
        r = harness.run(["import-updaters", "--config", cfg, bundle], env=imp, timeout=900)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertIn("imported 7 update operations", r.stderr)
        r = harness.run(["import-updaters", "--config", cfg, bundle], env=imp, timeout=900)
        self.assertIn("skipped 7 already present", r.stderr)
        # Over HTTP too (served by the fault server's neighbour: a one-file server).
        direct = self.data_dir("direct-side")
        r = self.update(cfg, direct)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        reports = []
        for env in (imp, direct):
            s = harness.run(["scan", "--config", cfg, "--format", "clair", IMAGE], env=env)
            self.assertEqual(s.returncode, 0, s.stderr[-2000:])
            reports.append(json.loads(s.stdout))
        self.assertTrue(reports[0]["vulnerabilities"])
        self.assertEqual(reports[0], reports[1])


if __name__ == "__main__":
    unittest.main()
