"""Issue 4 end to end: the storage layer under real processes, a real
PostgreSQL (tools/start-postgres.sh, or $LUCID_TEST_PG_DSN) and real crashes.

  a. two indexer processes on one PostgreSQL database, same manifest POSTed to
     both at once: every layer is scanned exactly once across both, and both
     answers are the same report;
  b. kill -9 while a manifest is being indexed (SQLite and PostgreSQL): no
     partial finished report survives, and a re-POST completes like a clean run;
  c. kill -9 during `lucid update` (SQLite and PostgreSQL): no operation is
     visible for the updater, and a re-run gives the same scan as a clean run;
  d. PostgreSQL restarts under a running server: at most one clean 500 JSON
     error, then requests succeed without restarting Lucid, and the lock
     connection's liveness ping reports the lost session;
  e. an unwritable SQLite file or data directory: `lucid scan` exits 4 and
     names the path.

Layer URIs are file:// paths into shared/images/oci, which the indexer reads
in place only because these servers opt in with LUCID_ALLOW_FILE_LAYER_URIS=1
(test_api_quay checks that file:// is refused by default)."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import harness

OCI = os.path.join(harness.SHARED, "images", "oci")
IMAGE = "oci:%s:debian-app" % OCI
PG_SCRIPT = os.path.join(harness.ROOT, "tools", "start-postgres.sh")

_pg_dir = None  # set when this module started the server (needed for restarts)
PG_DSN = None
_feeds = None
FEEDS = None


def setUpModule():
    global _pg_dir, PG_DSN, _feeds, FEEDS
    PG_DSN = os.environ.get("LUCID_TEST_PG_DSN", "")
    if not PG_DSN:
        _pg_dir = tempfile.mkdtemp(prefix="lucid-storage-pg.")
        r = subprocess.run(["bash", PG_SCRIPT, "--dir", _pg_dir], capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            raise RuntimeError("start-postgres.sh failed:\n" + r.stderr)
        PG_DSN = r.stdout.strip().splitlines()[-1]
    _feeds = harness.feed_server()
    FEEDS = _feeds.__enter__()


def tearDownModule():
    if _feeds is not None:
        _feeds.__exit__(None, None, None)
    if _pg_dir is not None:
        subprocess.run(["bash", PG_SCRIPT, "stop", _pg_dir], capture_output=True, timeout=120)


_db_counter = [0]


def fresh_pg_database():
    """A new, empty database on the test server; returns its DSN."""
    _db_counter[0] += 1
    name = "lucid_storage_%d_%d" % (os.getpid(), _db_counter[0])
    r = subprocess.run(["psql", PG_DSN, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE %s" % name],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("CREATE DATABASE failed: " + r.stderr)
    parts = [p for p in PG_DSN.split() if not p.startswith("dbname=")]
    return " ".join(parts + ["dbname=" + name])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, timeout=600):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read()
    finally:
        c.close()


def debian_app_manifest():
    with open(os.path.join(OCI, "index.json")) as f:
        index = json.load(f)
    desc = [m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "debian-app"][0]
    with open(os.path.join(OCI, "blobs", "sha256", desc["digest"][7:])) as f:
        m = json.load(f)
    layers = [{"hash": l["digest"], "uri": "file://" + os.path.join(OCI, "blobs", "sha256", l["digest"][7:]),
               "headers": {}, "media_type": l["mediaType"]} for l in m["layers"]]
    return {"hash": desc["digest"], "layers": layers}


MANIFEST = debian_app_manifest()


def contents(report):
    return {k: report[k] for k in ("packages", "distributions", "repository", "environments")}


class Server:
    """One `lucid -conf F -mode MODE` process with its stderr in a file."""

    def __init__(self, tmp, name, connstring="", mode="indexer", data_dir=None, migrations=True, extra=""):
        self.tmp, self.name, self.mode = tmp, name, mode
        self.port, self.intro = free_port(), free_port()
        self.conf = os.path.join(tmp, name + ".yaml")
        self.data_dir = data_dir or os.path.join(tmp, name + ".data")
        os.makedirs(self.data_dir, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\nlog_level: info\n"
                    % (self.port, self.intro))
            for svc in ("indexer", "matcher"):
                f.write("%s:\n  connstring: '%s'\n  migrations: %s\n" % (svc, connstring, str(migrations).lower()))
            f.write(extra)
        self.stderr = os.path.join(tmp, name + ".stderr")
        self.runs = 0
        self.proc = None

    def start(self):
        self.runs += 1
        log = open(self.stderr, "a")
        env = dict(os.environ, LUCID_DATA_DIR=self.data_dir, LUCID_ALLOW_FILE_LAYER_URIS="1")
        self.proc = subprocess.Popen([harness.LUCID, "-conf", self.conf, "-mode", self.mode],
                                     stdout=subprocess.DEVNULL, stderr=log, env=env)
        log.close()
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("lucid %s exited with %s:\n%s" % (self.name, self.proc.returncode, self.log()[-3000:]))
            try:
                if call(self.intro, "GET", "/readyz", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("lucid %s not ready in 60 s" % self.name)

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self):
        with open(self.stderr) as f:
            return f.read()

    def records(self, message):
        return [r for r in harness.log_records(self.log()) if r.get("message") == message]

    def post(self, manifest=MANIFEST):
        return call(self.port, "POST", "/indexer/api/v1/index_report", manifest)

    def get_report(self, digest=MANIFEST["hash"]):
        return call(self.port, "GET", "/indexer/api/v1/index_report/" + digest)


class StorageCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lucid-storage.")
        os.chmod(self.tmp, 0o755)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.kill9()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def server(self, *a, **kw):
        s = Server(self.tmp, *a, **kw)
        self.servers.append(s)
        return s

    def clean_report(self):
        """debian-app indexed once on a fresh SQLite store: the reference."""
        if not hasattr(StorageCase, "_clean"):
            s = self.server("clean").start()
            st, _, body = s.post()
            self.assertEqual(st, 201, body[:500])
            StorageCase._clean = json.loads(body)
            s.stop()
        return StorageCase._clean

    def assertFinishedLikeClean(self, body):
        rep = json.loads(body)
        self.assertEqual((rep["state"], rep["success"]), ("IndexFinished", True), body[:500])
        self.assertEqual(contents(rep), contents(self.clean_report()))

    def lucid(self, args, data_dir, **kw):
        return harness.run(args, env={"LUCID_DATA_DIR": data_dir}, **kw)


class TwoIndexersOnePostgres(StorageCase):
    def test_same_manifest_concurrently_scanned_once(self):
        dsn = fresh_pg_database()
        a = self.server("a", dsn).start()
        b = self.server("b", dsn).start()
        results = {}

        def post(s):
            results[s.name] = s.post()

        threads = [threading.Thread(target=post, args=(s,)) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        for name in ("a", "b"):
            st, _, body = results[name]
            self.assertIn(st, (200, 201), body[:500])
        ra, rb = (json.loads(results[n][2]) for n in ("a", "b"))
        self.assertEqual(ra["state"], "IndexFinished")
        self.assertEqual(contents(ra), contents(rb))
        self.assertEqual(len(ra["packages"]) > 100, True)
        scanned = [r["layer"] for s in (a, b) for r in s.records("layer scanned")]
        want = sorted(l["hash"] for l in MANIFEST["layers"])
        self.assertEqual(sorted(scanned), want, "each layer must be scanned exactly once across both processes")
        # Exactly one process indexed the manifest; the other waited on the lock and reused it.
        indexed = [r for s in (a, b) for r in s.records("manifest indexed")]
        self.assertEqual(len(indexed), 1)
        self.assertEqual(contents(ra), contents(self.clean_report()))


class KillDuringIndex(StorageCase):
    def crash_then_recover(self, connstring):
        s = self.server("victim", connstring).start()
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("r", self._post_quiet(s)))
        t.start()
        time.sleep(0.5)  # the layers (50 MB of gzip) take seconds to scan
        s.kill9()
        t.join(30)
        self.assertFalse(s.records("manifest indexed"), "indexing finished before the kill; nothing was tested")
        self.assertIsInstance(box.get("r"), OSError)  # the client saw the connection die
        s.start()
        st, ctype, body = s.get_report()
        if st == 200:
            rep = json.loads(body)
            self.assertNotEqual(rep["state"], "IndexFinished", "a partial report survived the crash")
        else:
            self.assertEqual(st, 404, body[:500])
        st, _, body = s.post()
        self.assertIn(st, (200, 201), body[:500])
        self.assertFinishedLikeClean(body)
        st, _, body = s.get_report()
        self.assertEqual(st, 200)
        self.assertFinishedLikeClean(body)

    @staticmethod
    def _post_quiet(s):
        try:
            return s.post()
        except OSError as e:
            return e

    def test_sqlite(self):
        self.crash_then_recover("")

    def test_postgres(self):
        self.crash_then_recover(fresh_pg_database())


def normalized_vulns(clair_report):
    out = set()
    for pid, ids in clair_report["package_vulnerabilities"].items():
        p = clair_report["packages"][pid]
        for vid in ids:
            v = clair_report["vulnerabilities"][vid]
            out.add((p["name"], p["version"], v["name"], v["fixed_in_version"], v["updater"]))
    return out


class SlowRelay:
    """Relays the feed server at about 4 MB/s, so that an update is still
    running seconds after it started, whatever the machine's speed."""

    def __init__(self, upstream):
        import http.server
        import urllib.request

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                req = urllib.request.Request(upstream + self.path)
                for h in ("If-None-Match", "If-Modified-Since"):
                    if self.headers.get(h):
                        req.add_header(h, self.headers[h])
                try:
                    resp = urllib.request.urlopen(req, timeout=60)
                except urllib.error.HTTPError as e:
                    resp = e
                self.send_response(resp.status)
                for h in ("Content-Type", "ETag", "Last-Modified"):
                    if resp.headers.get(h):
                        self.send_header(h, resp.headers[h])
                self.end_headers()
                try:
                    while True:
                        chunk = resp.read(64 << 10)
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        time.sleep(0.016)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class KillDuringUpdate(StorageCase):
    def write_config(self, name, connstring, feeds=None):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write("log_level: info\n")
            for svc in ("indexer", "matcher"):
                f.write("%s:\n  connstring: '%s'\n  migrations: true\n" % (svc, connstring))
            f.write("updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s/debian/json\n"
                    % (feeds or FEEDS))
        return path

    def stats(self, conf, data_dir):
        r = self.lucid(["admin", "stats", "--config", conf, "--format", "json"], data_dir, check=True)
        return json.loads(r.stdout)

    def scan(self, conf, data_dir):
        r = self.lucid(["scan", "--config", conf, "--format", "clair", IMAGE], data_dir, check=True)
        return normalized_vulns(json.loads(r.stdout))

    def clean_scan(self):
        if not hasattr(KillDuringUpdate, "_clean_scan"):
            d = os.path.join(self.tmp, "clean-data")
            conf = self.write_config("clean", "")
            self.lucid(["update", "--config", conf], d, check=True)
            KillDuringUpdate._clean_scan = self.scan(conf, d)
            self.assertGreater(len(KillDuringUpdate._clean_scan), 100)
        return KillDuringUpdate._clean_scan

    def crash_then_recover(self, connstring):
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        relay = SlowRelay(FEEDS)
        self.addCleanup(relay.close)
        conf = self.write_config("victim", connstring, feeds=relay.url)
        killed_mid_run = False
        for delay in (3.0, 2.0, 1.0):
            err = open(os.path.join(self.tmp, "update.stderr"), "w")
            p = subprocess.Popen([harness.LUCID, "update", "--config", conf], stdout=subprocess.DEVNULL, stderr=err,
                                 env=dict(os.environ, LUCID_DATA_DIR=data))
            try:
                p.wait(delay)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                killed_mid_run = True
                break
            finally:
                err.close()
        self.assertTrue(killed_mid_run, "lucid update finished before it could be killed")
        st = self.stats(conf, data)
        self.assertNotIn("debian/updater", st["matcher"]["updaters"], st)
        self.assertEqual(st["matcher"]["counts"]["update_operation"], 0, st)
        r = self.lucid(["update", "--config", conf], data, check=True)
        self.assertIn("debian/updater: updated", r.stderr)
        st = self.stats(conf, data)
        self.assertEqual(st["matcher"]["updaters"]["debian/updater"]["operations"], 1, st)
        self.assertEqual(self.scan(conf, data), self.clean_scan())

    def test_sqlite(self):
        self.crash_then_recover("")

    def test_postgres(self):
        self.crash_then_recover(fresh_pg_database())


@unittest.skipIf(os.environ.get("LUCID_TEST_PG_DSN") and not os.environ.get("LUCID_TEST_PG_DIR"),
                 "needs a PostgreSQL this test may restart (unset LUCID_TEST_PG_DSN)")
class PostgresRestart(StorageCase):
    def test_restart_mid_use(self):
        pg_dir = _pg_dir or os.environ["LUCID_TEST_PG_DIR"]
        s = self.server("pg", fresh_pg_database()).start()
        st, _, body = s.post()
        self.assertEqual(st, 201, body[:500])
        self.assertEqual(s.get_report()[0], 200)
        r = subprocess.run(["bash", PG_SCRIPT, "restart", pg_dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        st, ctype, body = s.get_report()
        if st != 200:
            self.assertEqual(st, 500, body[:500])
            self.assertTrue(ctype.startswith("application/json"), ctype)
            self.assertIn("message", json.loads(body))
        for _ in range(3):  # subsequent requests succeed, on the same process
            st, _, body = s.get_report()
            self.assertEqual(st, 200, body[:500])
            self.assertFinishedLikeClean(body)
        # The lock connection's liveness ping (every 5 s) notices the lost
        # session by itself: the GETs above never touch that connection.
        deadline = time.time() + 15
        while time.time() < deadline and not self.lock_lost(s):
            time.sleep(0.5)
        self.assertTrue(self.lock_lost(s), s.log()[-2000:])
        # A request that takes the manifest lock again (through a new lock connection).
        st, _, body = s.post()
        self.assertIn(st, (200, 201), body[:500])
        self.assertFinishedLikeClean(body)
        self.assertIsNone(s.proc.poll())

    @staticmethod
    def lock_lost(s):
        return any("lock connection lost" in r.get("message", "") for r in harness.log_records(s.log()))


class UnwritableSqlite(StorageCase):
    def as_other_user(self):
        # root ignores file modes: drop to nobody so the kernel enforces them.
        return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []

    def scan(self, data_dir):
        env = dict(os.environ, LUCID_DATA_DIR=data_dir, HOME=self.tmp)
        return subprocess.run(self.as_other_user() + [harness.LUCID, "scan", IMAGE], capture_output=True, text=True,
                              env=env, timeout=300)

    def test_read_only_database_file(self):
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        self.lucid(["admin", "stats"], data, check=True)  # creates and migrates lucid.db
        db = os.path.join(data, "lucid.db")
        self.assertTrue(os.path.exists(db))
        if os.geteuid() == 0:
            shutil.chown(data, "nobody")  # the directory is writable, the file is not
        os.chmod(db, 0o444)
        r = self.scan(data)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(db, r.stderr)
        self.assertIn("not writable", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_unwritable_data_dir(self):
        data = os.path.join(self.tmp, "ro")
        os.makedirs(data)
        os.chmod(data, 0o555)
        r = self.scan(data)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(data, r.stderr)
        self.assertIn("not writable", r.stderr)


class AdminCommands(StorageCase):
    def test_pre_post_are_noops(self):
        for args in (["admin", "pre", "v4.7.0"], ["admin", "post", "4.8.0"], ["admin", "pre", "v9.9.9"]):
            r = self.lucid(args, os.path.join(self.tmp, "never-created"))
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "never-created")))

    def test_stats_gc_reindex_on_both_backends(self):
        for backend, connstring in (("sqlite", ""), ("postgres", fresh_pg_database())):
            with self.subTest(backend=backend):
                data = os.path.join(self.tmp, backend)
                conf = os.path.join(self.tmp, backend + ".yaml")
                with open(conf, "w") as f:
                    for svc in ("indexer", "matcher"):
                        f.write("%s:\n  connstring: '%s'\n  migrations: true\n" % (svc, connstring))
                    f.write("updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s/debian/json\n"
                            % FEEDS)
                self.lucid(["update", "--config", conf], data, check=True)
                self.lucid(["scan", "--config", conf, IMAGE], data, check=True)
                st = json.loads(self.lucid(["admin", "stats", "--config", conf, "--format", "json"], data,
                                           check=True).stdout)
                for svc in ("indexer", "matcher"):
                    self.assertEqual(st[svc]["backend"], backend)
                    self.assertGreaterEqual(st[svc]["schema_version"], 1)
                    self.assertEqual(st[svc]["schema_version"], st[svc]["schema_version_supported"])
                    self.assertGreater(st[svc]["size_bytes"], 0)
                self.assertEqual(st["indexer"]["counts"]["index_report"], 1)
                self.assertEqual(st["indexer"]["counts"]["layers_scanned"], 4)
                self.assertGreater(st["matcher"]["counts"]["vuln"], 1000)
                self.assertEqual(st["matcher"]["updaters"]["debian/updater"]["operations"], 1)
                table = self.lucid(["admin", "stats", "--config", conf], data, check=True).stdout
                self.assertIn("debian/updater", table)
                self.assertIn("index_report", table)
                r = self.lucid(["admin", "gc", "--config", conf, "--retention", "1"], data, check=True)
                self.assertIn("removed 0 update operations", r.stdout)
                r = self.lucid(["admin", "reindex-all", "--config", conf], data, check=True)
                self.assertIn("forgot 1 index report", r.stdout)
                st = json.loads(self.lucid(["admin", "stats", "--config", conf, "--format", "json"], data,
                                           check=True).stdout)
                self.assertEqual(st["indexer"]["counts"]["index_report"], 0)
                self.assertEqual(st["indexer"]["counts"]["layers_scanned"], 4)  # layers stay
                self.assertEqual(st["matcher"]["updaters"]["debian/updater"]["operations"], 1)


if __name__ == "__main__":
    unittest.main()
