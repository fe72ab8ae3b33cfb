"""Issue 8: `lucid doctor` against deployments broken on purpose: a config
that does not parse, a real PostgreSQL that is stopped, a proxy that refuses
(a closed port, and a real tinyproxy with a Deny rule / ConnectPort limit), a
feed server answering 500, a server that never answers, a skewed clock, a
wrong PSK in a Quay config (checked against a running `lucid serve`), and a
256 MiB cgroup limit (injected with LUCID_CGROUP_ROOT). Each verdict is
checked, and every run must finish well within its deadline."""
import email.utils
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import harness

ROOT = harness.ROOT
KEY = "c2VjcmV0LWtleS1mb3ItbHVjaWQtZG9jdG9yLXRlc3RzLTMyYnl0ZXM="  # 38 bytes
OTHER_KEY = "b3RoZXIta2V5LXRoYXQtcXVheS1oYXMtY29uZmlndXJlZC0zMmI="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """A feed endpoint whose status and clock the test controls."""
    protocol_version = "HTTP/1.1"
    status = 200
    clock_offset = 0

    def log_message(self, *a):
        pass

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() + self.clock_offset, usegmt=True)

    def do_GET(self):
        body = b"{}" if self.status == 200 else b"broken"
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server:
    def __init__(self, handler):
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def handler(status=200, offset=0):
    return type("H", (FeedHandler,), {"status": status, "clock_offset": offset})


class Silent:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def checks(doc, group, name=None):
    return [c for c in doc["checks"] if c["group"] == group and (name is None or c["name"] == name)]


class DoctorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.env = {"LUCID_DATA_DIR": os.path.join(self.tmp, "data"), "http_proxy": "", "https_proxy": "",
                    "HTTPS_PROXY": "", "all_proxy": "", "ALL_PROXY": "", "NO_PROXY": "", "no_proxy": ""}
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self, status=200, offset=0):
        s = Server(handler(status, offset))
        self.servers.append(s)
        return s.base

    def config(self, body, name="config.yaml"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(body)
        return path

    def feeds_config(self, base, extra="", sets="[debian, alpine]"):
        return self.config(
            "http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\n%s"
            "updaters:\n  sets: %s\n  config:\n    debian:\n      json_url: %s/debian/json\n"
            "    alpine:\n      url: %s/alpine/\n" % (free_port(), free_port(), extra, sets, base, base))

    def doctor(self, *args, env=None, limit=40):
        e = dict(self.env)
        e.update(env or {})
        started = time.time()
        r = harness.run(["doctor", "--format", "json", "--timeout", "3"] + list(args), env=e, timeout=120)
        elapsed = time.time() - started
        self.assertLess(elapsed, limit, "doctor took %.1f s" % elapsed)
        self.assertIn(r.returncode, (0, 1), r.stderr[-2000:])
        doc = json.loads(r.stdout)
        self.assertEqual(doc["exit_code"], r.returncode)
        return r.returncode, doc

    # --- configuration ------------------------------------------------------

    def test_config_that_does_not_parse(self):
        cfg = self.config("http_listen_addr: ':6060'\nmatcher:\n  updater_sets: [debian]\n")
        rc, doc = self.doctor("--config", cfg)
        self.assertEqual(rc, 1)
        c = checks(doc, "config", "file")[0]
        self.assertEqual(c["verdict"], "fail")
        self.assertIn("updater_sets", c["reason"])
        self.assertIn("check-config", c["hint"])
        self.assertEqual(checks(doc, "database")[0]["verdict"], "skip")
        # YAML that is not even YAML.
        bad = self.config("http_listen_addr: [unclosed\n", "broken.yaml")
        rc, doc = self.doctor("--config", bad)
        self.assertEqual(rc, 1)
        self.assertEqual(checks(doc, "config", "file")[0]["verdict"], "fail")

    def test_healthy_setup_passes_and_text_output(self):
        feeds = harness.feed_server()
        base = feeds.__enter__()
        self.addCleanup(feeds.__exit__, None, None, None)
        cfg = self.feeds_config(base, sets="[alpine]")
        u = harness.run(["update", "--config", cfg], env=self.env, timeout=300)
        self.assertEqual(u.returncode, 0, u.stderr[-2000:])
        rc, doc = self.doctor("--config", cfg)
        self.assertEqual(rc, 0, json.dumps(doc, indent=1))
        db = {c["name"]: c for c in checks(doc, "database")}
        self.assertEqual(db["indexer"]["verdict"], "pass", db)
        self.assertEqual(db["matcher"]["verdict"], "pass", db)
        self.assertIn("schema current", db["matcher"]["reason"])
        self.assertIn("free", db["matcher"]["reason"])
        up = checks(doc, "updater", "alpine")[0]
        self.assertEqual(up["verdict"], "pass")
        self.assertIn("HTTP 200 from %s/alpine/" % base, up["reason"])
        self.assertEqual(checks(doc, "clock")[0]["verdict"], "pass")
        self.assertEqual(checks(doc, "version")[0]["details"]["version"], harness.run(["--version"]).stdout.strip())
        t = harness.run(["doctor", "--config", cfg], env=self.env, timeout=60)
        self.assertEqual(t.returncode, 0)
        self.assertRegex(t.stdout, r"PASS  updater\s+alpine\s+HTTP 200 from ")
        self.assertRegex(t.stdout, r"\d+ passed, \d+ warnings, 0 failed")

    def test_strict_turns_warnings_into_failure(self):
        base = self.serve()
        cfg = self.feeds_config(base)  # fresh data dir: "database does not exist yet" warns
        rc, doc = self.doctor("--config", cfg)
        self.assertEqual(rc, 0)
        self.assertEqual(doc["verdict"], "warn")
        rc, doc = self.doctor("--config", cfg, "--strict")
        self.assertEqual(rc, 1)

    # --- databases ------------------------------------------------------------

    def test_postgres_running_then_stopped(self):
        # Not under self.tmp (mode 0700): the server runs as another user when we are root.
        pgdir = tempfile.mkdtemp(prefix="lucid-doctor-pg-")
        out = subprocess.run(["bash", os.path.join(ROOT, "tools", "start-postgres.sh"), "--dir", pgdir],
                             capture_output=True, text=True, timeout=180)
        self.assertEqual(out.returncode, 0, out.stderr)
        dsn = out.stdout.strip().splitlines()[-1]
        try:
            body = "indexer:\n  connstring: %s\n  migrations: %%s\nmatcher:\n  connstring: %s\n  migrations: %%s\n" \
                   "updaters:\n  sets: []\n" % (dsn, dsn)
            rc, doc = self.doctor("--config", self.config(body % ("false", "false"), "nomig.yaml"))
            db = {c["name"]: c for c in checks(doc, "database")}
            self.assertEqual(db["indexer"]["verdict"], "fail", db)
            self.assertIn("enable migrations", db["indexer"]["reason"])
            self.assertIn("migrations: true", db["indexer"]["hint"])
            cfg = self.config(body % ("true", "true"), "mig.yaml")
            rc, doc = self.doctor("--config", cfg)
            db = {c["name"]: c for c in checks(doc, "database")}
            self.assertEqual(db["indexer"]["verdict"], "warn", db)
            self.assertIn("migrations run at start-up", db["indexer"]["hint"])
            u = harness.run(["update", "--config", cfg], env=self.env, timeout=300)
            self.assertEqual(u.returncode, 0, u.stderr[-2000:])
            rc, doc = self.doctor("--config", cfg)
            db = {c["name"]: c for c in checks(doc, "database")}
            self.assertEqual(db["matcher"]["verdict"], "pass", db)
            self.assertEqual(db["matcher"]["details"]["backend"], "postgres")
            self.assertIn("schema current", db["matcher"]["reason"])
        finally:
            subprocess.run(["bash", os.path.join(ROOT, "tools", "start-postgres.sh"), "stop", pgdir, "--keep"],
                           timeout=120)
        rc, doc = self.doctor("--config", cfg)
        self.assertEqual(rc, 1)
        db = {c["name"]: c for c in checks(doc, "database")}
        for name in ("indexer", "matcher"):
            self.assertEqual(db[name]["verdict"], "fail", db)
            self.assertIn("cannot connect", db[name]["reason"])
            self.assertIn("Connection refused", db[name]["reason"])
            self.assertIn("pg_isready", db[name]["hint"])
        shutil.rmtree(pgdir, ignore_errors=True)

    # --- updater sources ------------------------------------------------------

    def test_feed_server_500(self):
        base = self.serve(status=500)
        rc, doc = self.doctor("--config", self.feeds_config(base))
        self.assertEqual(rc, 1)
        c = checks(doc, "updater", "debian")[0]
        self.assertEqual(c["verdict"], "fail")
        self.assertIn("HTTP 500 from %s/debian/json" % base, c["reason"])
        self.assertEqual(c["details"]["url"], base + "/debian/json")

    def test_proxy_on_closed_port(self):
        base = self.serve()
        proxy = "http://127.0.0.1:%d" % free_port()
        rc, doc = self.doctor("--config", self.feeds_config(base), env={"http_proxy": proxy})
        self.assertEqual(rc, 1)
        for c in checks(doc, "updater"):
            self.assertEqual(c["verdict"], "fail", c)
            self.assertEqual(c["details"]["phase"], "proxy", c)
            self.assertIn("proxy %s refused or is unreachable" % proxy, c["reason"])
            self.assertIn("NO_PROXY", c["hint"])

    def tinyproxy(self, rules):
        port = free_port()
        conf = os.path.join(self.tmp, "tinyproxy-%d.conf" % port)
        with open(conf, "w") as f:
            f.write('Port %d\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Info\n'
                    'LogFile "%s/tinyproxy.log"\n%s' % (port, self.tmp, rules))
        p = subprocess.Popen(["tinyproxy", "-d", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (p.terminate(), p.wait(10)))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        return "http://127.0.0.1:%d" % port

    def test_tinyproxy_deny_rule(self):
        base = self.serve()
        proxy = self.tinyproxy("Deny 127.0.0.1\n")
        rc, doc = self.doctor("--config", self.feeds_config(base), env={"http_proxy": proxy})
        self.assertEqual(rc, 1)
        c = checks(doc, "updater", "debian")[0]
        self.assertEqual(c["verdict"], "fail", c)
        self.assertEqual(c["details"]["proxy"], proxy)
        self.assertIn("HTTP 403", c["reason"])
        self.assertIn("proxy refused", c["reason"])

    def test_tinyproxy_connect_port_restriction(self):
        base = self.serve()
        proxy = self.tinyproxy("Allow 127.0.0.1\nConnectPort 443\n")
        https = base.replace("http://", "https://")
        rc, doc = self.doctor("--config", self.feeds_config(https), env={"HTTPS_PROXY": proxy})
        self.assertEqual(rc, 1)
        c = checks(doc, "updater", "debian")[0]
        self.assertEqual(c["verdict"], "fail", c)
        self.assertEqual(c["details"]["phase"], "proxy", c)
        self.assertEqual(c["details"]["proxy_status"], "403", c)
        self.assertIn("CONNECT answered 403", c["reason"])

    def test_silent_server_times_out(self):
        s = Silent()
        self.servers.append(s)
        base = "http://127.0.0.1:%d" % s.port
        rc, doc = self.doctor("--config", self.feeds_config(base), limit=20)
        self.assertEqual(rc, 1)
        c = checks(doc, "updater", "debian")[0]
        self.assertEqual((c["verdict"], c["details"]["phase"]), ("fail", "timeout"), c)

    def test_unresolvable_host(self):
        rc, doc = self.doctor("--config", self.feeds_config("http://no-such-feed-host.invalid"))
        c = checks(doc, "updater", "debian")[0]
        self.assertEqual((c["verdict"], c["details"]["phase"]), ("fail", "dns"), c)
        self.assertIn("no-such-feed-host.invalid", c["reason"])

    def test_matcher_mode_checks_its_indexer(self):
        cfg = self.config("matcher:\n  indexer_addr: http://127.0.0.1:%d/\nupdaters:\n  sets: []\n" % free_port())
        rc, doc = self.doctor("--config", cfg, "--mode", "matcher")
        self.assertEqual(rc, 1)
        c = checks(doc, "config", "matcher.indexer_addr")[0]
        self.assertEqual(c["verdict"], "fail", c)
        self.assertIn("is not reachable", c["reason"])
        self.assertEqual(checks(doc, "database", "indexer"), [])  # not used in matcher mode

    def test_notifier_mode_checks_its_peers_and_webhook(self):
        # Something that answers HTTP but is not a Lucid API, and nothing at all.
        other = self.serve(status=404) + "/"
        cfg = self.config("notifier:\n  indexer_addr: http://127.0.0.1:%d/\n  matcher_addr: %s\n"
                          "  webhook:\n    target: http://127.0.0.1:%d/hook\n    callback: http://x/notification/\n"
                          % (free_port(), other, free_port()))
        rc, doc = self.doctor("--config", cfg, "--mode", "notifier")
        self.assertEqual(rc, 1)
        self.assertEqual(checks(doc, "config", "notifier.indexer_addr")[0]["verdict"], "fail")
        m = checks(doc, "config", "notifier.matcher_addr")[0]
        self.assertEqual(m["verdict"], "warn", m)
        self.assertIn("not as a Lucid/Clair API would", m["reason"])
        w = checks(doc, "config", "notifier.webhook.target")[0]
        self.assertEqual(w["verdict"], "fail", w)
        self.assertIn("start the webhook receiver", w["hint"])

    # --- clock ------------------------------------------------------------------

    def test_clock_skew_against_date_header(self):
        base = self.serve(offset=3600)
        rc, doc = self.doctor("--config", self.feeds_config(base))
        c = checks(doc, "clock")[0]
        self.assertEqual(c["verdict"], "fail", c)
        self.assertIn("behind", c["reason"])
        self.assertTrue(3590 <= -int(c["details"]["seconds"]) <= 3610, c)
        self.assertIn("15 s", c["hint"])
        base2 = self.serve(offset=8)
        rc, doc = self.doctor("--config", self.feeds_config(base2))
        self.assertEqual(checks(doc, "clock")[0]["verdict"], "warn")

    # --- memory -----------------------------------------------------------------

    def test_cgroup_limits(self):
        cg = os.path.join(self.tmp, "cgroup")
        os.makedirs(cg)
        cfg = self.config("updaters:\n  sets: [debian, osv]\n  config:\n    debian:\n      json_url: http://127.0.0.1:1/\n"
                          "    osv:\n      url: http://127.0.0.1:1/\n")
        verdicts = {}
        for limit, name in (("268435456", "256"), ("134217728", "128"), ("max", "none")):
            with open(os.path.join(cg, "memory.max"), "w") as f:
                f.write(limit + "\n")
            rc, doc = self.doctor("--config", cfg, env={"LUCID_CGROUP_ROOT": cg})
            c = checks(doc, "memory")[0]
            verdicts[name] = c
        c = verdicts["256"]
        self.assertEqual(c["verdict"], "pass", c)
        self.assertIn("cgroup v2 limit 256 MiB (%s/memory.max)" % cg, c["reason"])
        self.assertIn("estimated peak 192 MiB", c["reason"])
        self.assertIn("osv 128 MiB", c["reason"])
        self.assertEqual(c["details"]["limit_bytes"], "268435456")
        c = verdicts["128"]
        self.assertEqual(c["verdict"], "fail", c)
        self.assertIn("limit 128 MiB", c["reason"])
        self.assertIn("raise the container memory limit to at least 240 MiB", c["hint"])
        self.assertEqual(verdicts["none"]["verdict"], "pass")
        self.assertIn("no memory limit", verdicts["none"]["reason"])
        # Only the sets configured count: alpine alone (128 MiB) fits well in 256 MiB.
        with open(os.path.join(cg, "memory.max"), "w") as f:
            f.write("268435456\n")
        cfg2 = self.config("updaters:\n  sets: [alpine]\n  config:\n    alpine:\n      url: http://127.0.0.1:1/\n", "a.yaml")
        rc, doc = self.doctor("--config", cfg2, env={"LUCID_CGROUP_ROOT": cg})
        self.assertEqual(checks(doc, "memory")[0]["verdict"], "pass", checks(doc, "memory"))


class QuayTest(unittest.TestCase):
    """PSK and endpoint agreement with Quay, against a running `lucid serve`."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.api, cls.intro = free_port(), free_port()
        cls.conf = os.path.join(cls.tmp, "lucid.yaml")
        with open(cls.conf, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\n"
                    "auth:\n  psk:\n    key: %s\n    iss: [quay, clairctl]\nmatcher:\n  disable_updaters: true\n"
                    % (cls.api, cls.intro, KEY))
        cls.env = {"LUCID_DATA_DIR": os.path.join(cls.tmp, "data")}
        env = dict(os.environ, **cls.env)
        cls.log = open(os.path.join(cls.tmp, "serve.log"), "w")
        cls.proc = subprocess.Popen([harness.LUCID, "serve", "--config", cls.conf, "--mode", "combo"],
                                    stdout=subprocess.DEVNULL, stderr=cls.log, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen("http://127.0.0.1:%d/readyz" % cls.intro, timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        harness._stop(cls.proc)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def quay(self, name, psk, endpoint):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("FEATURE_SECURITY_SCANNER: true\nSECURITY_SCANNER_V4_ENDPOINT: %s\n" % endpoint)
            if psk:
                f.write("SECURITY_SCANNER_V4_PSK: %s\n" % psk)
        return path

    def doctor(self, quay, conf=None):
        r = harness.run(["doctor", "--format", "json", "--timeout", "3", "--config", conf or self.conf,
                         "--quay-config", quay], env=self.env, timeout=60)
        doc = json.loads(r.stdout)
        return r.returncode, {c["name"]: c for c in checks(doc, "quay")}

    def test_matching_psk_and_endpoint(self):
        rc, q = self.doctor(self.quay("ok.yaml", KEY, "http://127.0.0.1:%d" % self.api))
        for name in ("FEATURE_SECURITY_SCANNER", "SECURITY_SCANNER_V4_PSK", "issuer", "SECURITY_SCANNER_V4_ENDPOINT",
                     "endpoint reachable"):
            self.assertEqual(q[name]["verdict"], "pass", q)
        self.assertIn("accepted Quay's credentials", q["endpoint reachable"]["reason"])

    def test_wrong_psk(self):
        rc, q = self.doctor(self.quay("wrong.yaml", OTHER_KEY, "http://127.0.0.1:%d" % self.api))
        self.assertEqual(rc, 1)
        self.assertEqual(q["SECURITY_SCANNER_V4_PSK"]["verdict"], "fail")
        self.assertIn("differs from Lucid's auth.psk.key", q["SECURITY_SCANNER_V4_PSK"]["reason"])
        # The running server agrees: a token signed like Quay's is refused.
        self.assertEqual(q["endpoint reachable"]["verdict"], "fail")
        self.assertIn("answered 401", q["endpoint reachable"]["reason"])

    def test_missing_psk_and_bad_base64(self):
        rc, q = self.doctor(self.quay("none.yaml", "", "http://127.0.0.1:%d" % self.api))
        self.assertEqual(q["SECURITY_SCANNER_V4_PSK"]["verdict"], "fail")
        self.assertIn("401", q["SECURITY_SCANNER_V4_PSK"]["reason"])
        rc, q = self.doctor(self.quay("b64.yaml", "not*base64", "http://127.0.0.1:%d" % self.api))
        self.assertEqual(q["SECURITY_SCANNER_V4_PSK"]["verdict"], "fail")
        self.assertIn("base64", q["SECURITY_SCANNER_V4_PSK"]["reason"])

    def test_endpoint_port_and_scheme(self):
        rc, q = self.doctor(self.quay("port.yaml", KEY, "http://127.0.0.1:%d" % free_port()))
        self.assertEqual(q["SECURITY_SCANNER_V4_ENDPOINT"]["verdict"], "fail")
        self.assertIn("http_listen_addr is 127.0.0.1:%d" % self.api, q["SECURITY_SCANNER_V4_ENDPOINT"]["reason"])
        self.assertEqual(q["endpoint reachable"]["verdict"], "warn")
        rc, q = self.doctor(self.quay("scheme.yaml", KEY, "127.0.0.1:%d" % self.api))
        self.assertEqual(q["SECURITY_SCANNER_V4_ENDPOINT"]["verdict"], "fail")
        self.assertIn("no scheme", q["SECURITY_SCANNER_V4_ENDPOINT"]["reason"])

    def test_issuer_missing(self):
        conf = os.path.join(self.tmp, "noquay.yaml")
        with open(conf, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nauth:\n  psk:\n    key: %s\n    iss: [clairctl]\n"
                    "matcher:\n  disable_updaters: true\n" % (self.api, KEY))
        rc, q = self.doctor(self.quay("ok2.yaml", KEY, "http://127.0.0.1:%d" % self.api), conf)
        self.assertEqual(q["issuer"]["verdict"], "fail")
        self.assertIn("quay", q["issuer"]["hint"])


class RuntimeMonitorTest(unittest.TestCase):
    """A running server warns before memory runs short and exports the memory
    and updater metrics on /metrics."""

    def test_memory_warning_and_metrics(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        cg = os.path.join(tmp, "cg")
        os.makedirs(cg)
        with open(os.path.join(cg, "memory.max"), "w") as f:
            f.write("%d\n" % (24 << 20))  # a server at rest uses ~20 MiB: above 80%
        with harness.feed_server() as feeds:
            api, intro = free_port(), free_port()
            conf = os.path.join(tmp, "c.yaml")
            with open(conf, "w") as f:
                f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\n"
                        "updaters:\n  sets: [alpine]\n  config:\n    alpine:\n      url: %s/alpine/\n" % (api, intro, feeds))
            log = os.path.join(tmp, "serve.log")
            env = dict(os.environ, LUCID_DATA_DIR=os.path.join(tmp, "data"), LUCID_CGROUP_ROOT=cg,
                       LUCID_MONITOR_INTERVAL="1")
            with open(log, "w") as lf:
                p = subprocess.Popen([harness.LUCID, "-conf", conf, "-mode", "combo"], stdout=subprocess.DEVNULL,
                                     stderr=lf, env=env)
            try:
                metrics, deadline = "", time.time() + 120
                while time.time() < deadline:
                    try:
                        metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % intro, timeout=5).read().decode()
                        if 'outcome="updated"' in metrics:
                            break
                    except OSError:
                        pass
                    time.sleep(0.5)
                self.assertIn('lucid_updater_runs_total{updater="alpine-', metrics)
                self.assertIn('outcome="updated"', metrics)
                self.assertIn("lucid_updater_last_success_timestamp_seconds{updater=", metrics)
                self.assertIn("lucid_memory_limit_bytes %d" % (24 << 20), metrics)
                self.assertRegex(metrics, r"process_resident_memory_bytes \d+")
            finally:
                harness._stop(p)
            recs = harness.log_records(open(log).read())
            start = [x for x in recs if x.get("message") == "starting"][0]
            for k in ("version", "mode", "config", "indexer_storage", "matcher_storage", "http_listen_addr",
                      "introspection_addr"):
                self.assertIn(k, start)
            warn = [x for x in recs if x.get("message") == "resident memory is close to the cgroup limit"]
            self.assertEqual(len(warn), 1, [x.get("message") for x in recs])
            self.assertEqual(warn[0]["level"], "warn")
            self.assertEqual(warn[0]["limit_bytes"], 24 << 20)
            runs = [x for x in recs if x.get("message") == "update finished"]
            self.assertTrue(runs)
            for k in ("url", "outcome", "fingerprint"):
                self.assertIn(k, runs[0])


if __name__ == "__main__":
    unittest.main()
