"""The notifier end to end (contract §5): after an update operation adds or
removes vulnerabilities of an indexed image, Lucid POSTs a webhook signed
with a PSK JWT (iss clair-notifier), retries until the receiver answers 200,
and serves the notifications page by page at the callback URL.

Real parts: the real registry with debian-app, the real `lucid` processes
(combo, and indexer + matcher + notifier talking over HTTP), the real Debian
tracker data from ../shared (served here in two versions so that one update
adds and the next removes vulnerabilities), and a real HTTP webhook
receiver in this process."""
import base64
import gzip
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import jwt

import harness
from test_api_quay import call, clair_manifest, free_port
import test_api_quay

TRACKER = os.path.join(harness.SHARED, "data", "feeds", "debian", "derived", "tracker-json-DERIVED-from-osv.json.gz")
SEVERITY_ORDER = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"]
_registry = None


def setUpModule():
    global _registry
    _registry = harness.registry()
    test_api_quay.REGISTRY = _registry.__enter__()


def tearDownModule():
    _registry.__exit__(None, None, None)


class Feeds:
    """Serves tracker documents at /NAME/debian.json with content ETags."""

    def __init__(self):
        self.docs = {}
        feeds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = feeds.docs.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                etag = '"%s"' % hashlib.sha256(body).hexdigest()
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, name, doc):
        self.docs["/%s/debian.json" % name] = json.dumps(doc).encode()
        return "%s/%s/debian.json" % (self.url, name)

    def close(self):
        self.server.shutdown()


class Receiver:
    """A webhook receiver that refuses the first delivery (HTTP 500)."""

    def __init__(self):
        self.posts = []
        self.cv = threading.Condition()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                # Clair streams the body chunked; read whichever framing arrives.
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with recv.cv:
                    recv.posts.append((dict(self.headers), body))
                    status = 500 if len(recv.posts) == 1 else 200
                    recv.cv.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n, timeout=120):
        with self.cv:
            if not self.cv.wait_for(lambda: len(self.posts) >= n, timeout):
                raise AssertionError("webhook got %d posts, want %d" % (len(self.posts), n))
            return list(self.posts)

    def close(self):
        self.server.shutdown()


class NotifierFlow:
    split = False

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.key = os.urandom(32)
        cls.key_b64 = base64.b64encode(cls.key).decode()
        cls.procs = {}
        cls.feeds = Feeds()
        cls.receiver = Receiver()
        with gzip.open(TRACKER) as f:
            cls.tracker = json.load(f)
        cls.full_url = cls.feeds.put("full", cls.tracker)
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p, _ in cls.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        cls.feeds.close()
        cls.receiver.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def config(cls, name, api, intro, extra, json_url):
        path = os.path.join(cls.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\nlog_level: info\n" % (api, intro))
            f.write("auth:\n  psk:\n    key: %s\n    iss: [quay]\n" % cls.key_b64)
            f.write("matcher:\n  disable_updaters: true\n%s" % extra)
            f.write("updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s\n" % json_url)
        return path

    @classmethod
    def launch(cls, name, mode, conf, data_dir):
        log = open(os.path.join(cls.tmp, name + ".stderr"), "w")
        env = dict(os.environ, LUCID_DATA_DIR=data_dir, LUCID_NOTIFIER_POLL_INTERVAL="0.5",
                   LUCID_NOTIFIER_DELIVERY_INTERVAL="0.5")
        p = subprocess.Popen([harness.LUCID, "-conf", conf, "-mode", mode], stdout=subprocess.DEVNULL, stderr=log,
                             env=env)
        cls.procs[name] = (p, log.name)

    @classmethod
    def wait_ready(cls, name, intro):
        p, log = cls.procs[name]
        deadline = time.time() + 60
        while time.time() < deadline:
            if p.poll() is not None:
                raise AssertionError("lucid %s exited with %s:\n%s" % (name, p.returncode, open(log).read()[-3000:]))
            try:
                if call(intro, "GET", "/readyz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("lucid %s not ready" % name)

    @classmethod
    def start(cls):
        if not cls.split:
            api, intro = free_port(), free_port()
            base = "http://127.0.0.1:%d" % api
            cls.indexer = cls.matcher = cls.notifier = base
            cls.intro = "http://127.0.0.1:%d" % intro
            cls.matcher_data = os.path.join(cls.tmp, "data")
            extra = "notifier:\n  webhook:\n    target: %s\n    callback: %s/notifier/api/v1/notification\n" % (
                cls.receiver.url, base)
            cls.conf_extra = extra
            cls.launch("combo", "combo", cls.config("combo", api, intro, extra, cls.full_url), cls.matcher_data)
            cls.wait_ready("combo", cls.intro)
            return
        ports = {n: (free_port(), free_port()) for n in ("indexer", "matcher", "notifier")}
        url = {n: "http://127.0.0.1:%d" % p[0] for n, p in ports.items()}
        cls.indexer, cls.matcher, cls.notifier = url["indexer"], url["matcher"], url["notifier"]
        cls.intro = "http://127.0.0.1:%d" % ports["notifier"][1]
        cls.matcher_data = os.path.join(cls.tmp, "matcher-data")
        extras = {
            "indexer": "",
            "matcher": "  indexer_addr: %s\n" % url["indexer"],
            "notifier": "  indexer_addr: %s\n" % url["indexer"] +
                        "notifier:\n  indexer_addr: %s\n  matcher_addr: %s\n" % (url["indexer"], url["matcher"]) +
                        "  webhook:\n    target: %s\n    callback: %s/notifier/api/v1/notification/\n" % (
                            cls.receiver.url, url["notifier"]),
        }
        cls.conf_extra = extras["matcher"]
        for name in ("indexer", "matcher", "notifier"):
            conf = cls.config(name, ports[name][0], ports[name][1], extras[name], cls.full_url)
            data = cls.matcher_data if name == "matcher" else os.path.join(cls.tmp, name + "-data")
            cls.launch(name, name, conf, data)
        for name in ("indexer", "matcher", "notifier"):
            cls.wait_ready(name, "http://127.0.0.1:%d" % ports[name][1])

    @classmethod
    def token(cls, iss="quay"):
        now = int(time.time())
        return jwt.encode({"iss": iss, "iat": now, "nbf": now - 60, "exp": now + 60}, cls.key, algorithm="HS256")

    @classmethod
    def auth(cls):
        return {"Authorization": "Bearer " + cls.token()}

    def update(self, json_url):
        """`lucid update` into the matcher's database, as another process."""
        conf = self.config("update", free_port(), free_port(), self.conf_extra, json_url)
        r = harness.run(["update", "--config", conf], env={"LUCID_DATA_DIR": self.matcher_data}, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])

    def logs(self):
        out = []
        for name, (_, path) in self.procs.items():
            with open(path) as f:
                out.append("--- %s ---\n%s" % (name, f.read()[-4000:]))
        return "\n".join(out)

    def wait_posts(self, n):
        try:
            return self.receiver.wait_for(n)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.logs()))

    def assertSchema(self, schema, doc):
        self.assertEqual(harness.schema_errors(schema, doc), [], "%s: %s" % (schema, json.dumps(doc)[:500]))

    def page(self, callback, **params):
        path = callback[len(self.notifier):]
        if params:
            path += "?" + "&".join("%s=%s" % kv for kv in params.items())
        r = call(self.notifier, "GET", path, headers=self.auth())
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertEqual(r.header("Content-Type"), "application/vnd.clair.notification_page.v1+json")
        doc = r.json()
        self.assertSchema("notification_page", doc)
        return doc

    def check_webhook(self, headers, body):
        msg = json.loads(body)
        self.assertSchema("notification_webhook", msg)
        self.assertEqual(msg["callback"], self.notifier + "/notifier/api/v1/notification/" + msg["notification_id"])
        self.assertTrue(headers.get("Content-Type", "").startswith("application/json"))
        token = headers["Authorization"].split(" ", 1)[1]
        claims = jwt.decode(token, self.key, algorithms=["HS256"], options={"verify_aud": False})
        self.assertEqual(claims["iss"], "clair-notifier")
        return msg

    def test_update_operations_notify_affected_manifests(self):
        manifest = clair_manifest("debian-app")
        r = call(self.indexer, "POST", "/indexer/api/v1/index_report", manifest, self.auth())
        self.assertEqual(r.status, 201, r.body[:500])
        digest = manifest["hash"]

        # 1. The first update operation adds every vulnerability: one
        #    "added" notification for debian-app, delivered after one refusal.
        self.update(self.full_url)
        posts = self.wait_posts(2)
        first, retry = (self.check_webhook(h, b) for h, b in posts[:2])
        self.assertEqual(first, retry)  # the refused set is delivered again, unchanged
        report = call(self.matcher, "GET", "/matcher/api/v1/vulnerability_report/" + digest, headers=self.auth())
        self.assertEqual(report.status, 200, report.body[:300])
        vulns = report.json()["vulnerabilities"]
        self.assertGreater(len(vulns), 10)
        page = self.page(first["callback"], page_size=1)
        self.assertEqual(page["page"], {"size": 1})  # one manifest -> one summary notification, no next page
        (n,) = page["notifications"]
        self.assertEqual((n["manifest"], n["reason"]), (digest, "added"))
        worst = max(SEVERITY_ORDER.index(v["normalized_severity"]) for v in vulns.values())
        self.assertEqual(SEVERITY_ORDER.index(n["vulnerability"]["severity"]), worst)
        self.assertIn(n["vulnerability"]["name"], {v["name"] for v in vulns.values()})
        self.assertEqual(call(self.notifier, "DELETE", first["callback"][len(self.notifier):],
                              headers=self.auth()).status, 200)

        # 2. A tracker without one of debian-app's vulnerable source packages:
        #    the next operation removes its vulnerabilities -> "removed".
        by_pkg = {}
        for v in vulns.values():
            if v["package"]["name"] in self.tracker:
                by_pkg.setdefault(v["package"]["name"], set()).add(v["name"])
        gone = sorted(by_pkg, key=lambda p: (-len(by_pkg[p]), p))[0]
        smaller = {k: v for k, v in self.tracker.items() if k != gone}
        self.update(self.feeds.put("without-" + gone, smaller))
        posts = self.wait_posts(3)
        second = self.check_webhook(*posts[2])
        self.assertNotEqual(second["notification_id"], first["notification_id"])
        (n,) = self.page(second["callback"])["notifications"]
        self.assertEqual((n["manifest"], n["reason"]), (digest, "removed"))
        self.assertEqual(n["vulnerability"]["package"]["name"], gone)
        self.assertIn(n["vulnerability"]["name"], by_pkg[gone])
        self.assertSchema("notification", n)

        metrics = call(self.intro, "GET", "/metrics").body.decode()
        self.assertIn('lucid_notifier_deliveries_total{mechanism="webhook",outcome="failed"} 1', metrics)
        self.assertIn('lucid_notifier_deliveries_total{mechanism="webhook",outcome="delivered"} 2', metrics)
        self.assertIn("clair_http_notifierv1_request_total", metrics)

    def test_zz_sigterm_stops_the_notifier_cleanly(self):
        name = "notifier" if self.split else "combo"
        p, log = self.procs[name]
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(30), 0, open(log).read()[-2000:])

    def test_notification_api_errors(self):
        base = "/notifier/api/v1/notification/"
        r = call(self.notifier, "GET", base + "not-a-uuid", headers=self.auth())
        self.assertEqual(r.status, 400)
        self.assertSchema("error", r.json())
        unknown = "8c3e5a0e-52f6-4c8e-9d5e-3f2b1a0c9d8e"
        r = call(self.notifier, "GET", base + unknown, headers=self.auth())
        self.assertEqual((r.status, r.json()), (200, {"page": {"size": 500}, "notifications": []}))
        r = call(self.notifier, "GET", base + unknown + "?page_size=ten", headers=self.auth())
        self.assertEqual(r.status, 400)
        r = call(self.notifier, "GET", base + unknown + "?next=zzz", headers=self.auth())
        self.assertEqual(r.status, 400)
        r = call(self.notifier, "DELETE", base + unknown, headers=self.auth())
        self.assertEqual(r.status, 500)
        self.assertIn("no receipt exists for notification id " + unknown, r.json()["message"])
        r = call(self.notifier, "GET", base + unknown)  # no token
        self.assertEqual((r.status, r.body), (401, b""))
        r = call(self.notifier, "PUT", base + unknown, headers=self.auth())
        self.assertEqual(r.status, 405)


class Combo(NotifierFlow, unittest.TestCase):
    split = False


class Split(NotifierFlow, unittest.TestCase):
    split = True


if __name__ == "__main__":
    unittest.main()
