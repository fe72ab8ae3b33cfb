"""The notifier's AMQP 0-9-1 and STOMP delivery (contract §5.4, §5.5)
against a real RabbitMQ broker (tools/start-rabbitmq.sh: AMQP plus the
bundled rabbitmq_stomp plugin), in callback and direct mode.

Real parts: the broker, the registry with debian-app, the real `lucid`
combo process and `lucid update` with the Debian tracker from ../shared
served locally. This process reads the broker with python3-pika.

Each flow indexes debian-app, runs an update that adds vulnerabilities,
and checks what reached the queue: body schema, properties, routing, that
callback-mode sets stay to be paged while direct-mode sets end up deleted,
and that failed deliveries are retried until they succeed: AMQP against an
exchange that does not exist yet (the passive declare fails), STOMP against
a broker address that is down at first."""
import glob
import gzip
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import pika

import harness
import test_api_quay
from test_api_quay import call, clair_manifest, free_port
from test_notifier import TRACKER, Feeds

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
START_RABBITMQ = os.path.join(ROOT, "tools", "start-rabbitmq.sh")
_registry = None
_broker_dir = None
AMQP_PORT = STOMP_PORT = AMQPS_PORT = None
VHOST = "localhost"
TLS = {}  # ca, client cert and key for the broker's amqps listener


def make_tls(d):
    """A CA, a server certificate for localhost and a client certificate."""
    def ssl(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=d)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=lucid test CA")
    for name, ext in (("server", "subjectAltName=DNS:localhost,IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + name)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        ssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")
    return {k: os.path.join(d, v) for k, v in
            (("ca", "ca.pem"), ("server", "server.pem"), ("server_key", "server.key"), ("cert", "client.pem"),
             ("key", "client.key"))}


def setUpModule():
    global _registry, _broker_dir, AMQP_PORT, STOMP_PORT, AMQPS_PORT, TLS
    _broker_dir = tempfile.mkdtemp(prefix="lucid-rmq-")
    tls_dir = tempfile.mkdtemp(prefix="lucid-rmq-tls-")
    TLS = make_tls(tls_dir)
    TLS["dir"] = tls_dir
    AMQPS_PORT = free_port()
    extra = os.path.join(tls_dir, "tls.conf")
    with open(extra, "w") as f:
        # The broker insists on a client certificate, as Clair's tls block implies.
        f.write("listeners.ssl.default = 127.0.0.1:%d\nssl_options.cacertfile = %s\nssl_options.certfile = %s\n"
                "ssl_options.keyfile = %s\nssl_options.verify = verify_peer\n"
                "ssl_options.fail_if_no_peer_cert = true\n" % (AMQPS_PORT, TLS["ca"], TLS["server"], TLS["server_key"]))
    started = time.time()
    # RabbitMQ takes STOMP's host header (the host part of the uri, as Clair
    # sends it) for the vhost: name the vhost after the host the uris use.
    r = subprocess.run([START_RABBITMQ, "--dir", _broker_dir, "--vhost", VHOST, "--conf-extra", extra],
                       capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        raise AssertionError("tools/start-rabbitmq.sh failed:\n%s\n%s" % (r.stdout, r.stderr))
    AMQP_PORT, STOMP_PORT = (int(p) for p in r.stdout.split()[-2:])
    print("rabbitmq started in %.1f s (amqp %d, stomp %d)" % (time.time() - started, AMQP_PORT, STOMP_PORT))
    try:
        _registry = harness.registry()
        test_api_quay.REGISTRY = _registry.__enter__()
    except BaseException:
        _registry = None
        tearDownModule()  # unittest skips it when setUpModule fails
        raise


def tearDownModule():
    if _registry is not None:
        _registry.__exit__(None, None, None)
    if _broker_dir is not None:
        subprocess.run([START_RABBITMQ, "stop", _broker_dir], capture_output=True, timeout=60)
    if TLS:
        shutil.rmtree(TLS["dir"], ignore_errors=True)


def broker():
    return pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", AMQP_PORT, virtual_host=VHOST,
                                                              blocked_connection_timeout=30))


def drain(queue, want, timeout=90):
    """Waits until `want` messages are on `queue` and takes them all."""
    got = []
    deadline = time.time() + timeout
    with broker() as conn:
        ch = conn.channel()
        while time.time() < deadline:
            method, props, body = ch.basic_get(queue, auto_ack=True)
            if method is None:
                if len(got) >= want:
                    return got
                time.sleep(0.2)
                continue
            got.append((method, props, body))
    raise AssertionError("queue %s holds %d messages, want %d" % (queue, len(got), want))


class Forwarder:
    """A TCP forwarder to the broker on a port of its own, started on demand:
    until then the address is down (connection refused)."""

    def __init__(self, target_port):
        self.port = free_port()
        self.target = target_port
        self.sock = None

    def start(self):
        self.sock = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        if self.sock is not None:
            self.sock.close()


class BrokerFlow:
    mechanism = None  # "amqp" | "stomp"
    direct = False
    rollup = 0
    tls = False  # amqps:// with a client certificate
    # The first delivery must fail and a retry bring the set through:
    # "exchange": the target exchange is declared only after a failure;
    # "broker": the broker address answers only after a failure.
    late = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.proc = None
        cls.forwarder = Forwarder(STOMP_PORT if cls.mechanism == "stomp" else AMQP_PORT)
        cls.feeds = Feeds()
        with gzip.open(TRACKER) as f:
            cls.full_url = cls.feeds.put("full", json.load(f))
        name = "%s%s-%s" % (cls.mechanism, "s" if cls.tls else "", "direct" if cls.direct else "callback")
        cls.exchange = "lucid-%s-%d" % (name, os.getpid())
        cls.routing_key = name + ".key"
        cls.queue = cls.exchange + ".q"
        cls.other_queue = cls.exchange + ".other"
        with broker() as conn:
            ch = conn.channel()
            for q in (cls.queue, cls.other_queue):
                ch.queue_declare(q, auto_delete=False)
            if cls.late != "exchange":
                cls.declare_exchange(ch)
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def declare_exchange(cls, ch):
        ch.exchange_declare(cls.exchange, "direct")
        ch.queue_bind(cls.queue, cls.exchange, cls.routing_key)
        ch.queue_bind(cls.other_queue, cls.exchange, "some.other.key")

    @classmethod
    def tearDownClass(cls):
        if cls.proc is not None and cls.proc.poll() is None:
            cls.proc.kill()
            cls.proc.wait()
        cls.feeds.close()
        cls.forwarder.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def notifier_block(cls):
        dead = free_port()  # nothing listens: the next address must be used
        port = cls.forwarder.port if cls.late == "broker" else (AMQP_PORT if cls.mechanism == "amqp" else STOMP_PORT)
        if cls.mechanism == "amqp" and cls.tls:
            out = ("  amqp:\n    uris: [amqps://guest:guest@localhost:%d/%s]\n"
                   "    exchange: {name: %s, type: direct, durability: false, auto_delete: false}\n"
                   "    routing_key: %s\n    tls: {root_ca: %s, cert: %s, key: %s}\n" %
                   (AMQPS_PORT, VHOST, cls.exchange, cls.routing_key, TLS["ca"], TLS["cert"], TLS["key"]))
        elif cls.mechanism == "amqp":
            out = ("  amqp:\n    uris: [amqp://guest:guest@127.0.0.1:%d/%s, amqp://guest:guest@127.0.0.1:%d/%s]\n"
                   "    exchange: {name: %s, type: direct, durability: false, auto_delete: false}\n"
                   "    routing_key: %s\n" % (dead, VHOST, port, VHOST, cls.exchange, cls.routing_key))
        else:
            out = ("  stomp:\n    uris: ['localhost:%d', 'localhost:%d']\n    destination: /exchange/%s/%s\n"
                   "    user: {login: guest, passcode: guest}\n" % (dead, port, cls.exchange, cls.routing_key))
        out += "    direct: %s\n    rollup: %d\n" % ("true" if cls.direct else "false", cls.rollup)
        if not cls.direct:
            out += "    callback: %s/notifier/api/v1/notification\n" % cls.base
        return out

    @classmethod
    def config(cls, name, api, intro):
        path = os.path.join(cls.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\nlog_level: info\n" % (api, intro))
            f.write("matcher:\n  disable_updaters: true\n")
            # Direct mode hands over every notification: make several.
            f.write("notifier:\n  disable_summary: %s\n%s" % ("true" if cls.direct else "false", cls.notifier_block()))
            f.write("updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s\n" % cls.full_url)
        return path

    @classmethod
    def start(cls):
        api, intro = free_port(), free_port()
        cls.base = "http://127.0.0.1:%d" % api
        cls.intro = "http://127.0.0.1:%d" % intro
        cls.data = os.path.join(cls.tmp, "data")
        cls.conf = cls.config("combo", api, intro)
        cls.log = os.path.join(cls.tmp, "combo.stderr")
        env = dict(os.environ, LUCID_DATA_DIR=cls.data, LUCID_NOTIFIER_POLL_INTERVAL="0.5",
                   LUCID_NOTIFIER_DELIVERY_INTERVAL="0.5")
        with open(cls.log, "w") as log:
            cls.proc = subprocess.Popen([harness.LUCID, "-conf", cls.conf, "-mode", "combo"],
                                        stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if cls.proc.poll() is not None:
                raise AssertionError("lucid exited with %s:\n%s" % (cls.proc.returncode, cls.tail()))
            try:
                if call(cls.intro, "GET", "/readyz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("lucid not ready:\n" + cls.tail())

    @classmethod
    def tail(cls):
        with open(cls.log) as f:
            return f.read()[-4000:]

    def sets(self):
        """The notifier's receipts, read from its SQLite file."""
        for path in glob.glob(os.path.join(self.data, "**", "*.db"), recursive=True):
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
            try:
                rows = db.execute("SELECT id, status, notifications, attempts, last_error "
                                  "FROM lucid_notification_set WHERE notifications > 0").fetchall()
            except sqlite3.OperationalError:
                continue
            finally:
                db.close()
            return [dict(zip(("id", "status", "notifications", "attempts", "last_error"), r)) for r in rows]
        return []

    def wait_set(self, pred, what, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for s in self.sets():
                if pred(s):
                    return s
            time.sleep(0.2)
        raise AssertionError("no notification set %s: %s\n%s" % (what, self.sets(), self.tail()))

    def metric(self, outcome):
        text = call(self.intro, "GET", "/metrics").body.decode()
        m = re.search(r'lucid_notifier_deliveries_total\{mechanism="%s",outcome="%s"\} (\d+)' %
                      (self.mechanism, outcome), text)
        return int(m.group(1)) if m else 0

    def assertSchema(self, schema, doc):
        self.assertEqual(harness.schema_errors(schema, doc), [], "%s: %s" % (schema, json.dumps(doc)[:500]))

    def test_doctor_opens_a_session_with_each_broker(self):
        # Runs before the delivery test (name order), while a "late" class's
        # exchange or broker is still missing.
        r = harness.run(["doctor", "--format", "json", "--timeout", "3", "--config", self.conf],
                        env={"LUCID_DATA_DIR": self.data}, timeout=120)
        doc = json.loads(r.stdout)
        key = "notifier.%s.uris" % self.mechanism
        got = {c["name"]: c for c in doc["checks"] if c["name"].startswith(key)}
        if self.tls:
            self.assertEqual(got[key + "[0]"]["verdict"], "pass", got)
            return
        self.assertEqual(sorted(got), [key + "[0]", key + "[1]"], doc["checks"])
        dead, live = got[key + "[0]"], got[key + "[1]"]
        self.assertIn("refused", dead["reason"].lower(), dead)
        if self.late:
            # Nothing works yet: the delivery would fail, so doctor fails.
            self.assertEqual((dead["verdict"], live["verdict"]), ("fail", "fail"), got)
            self.assertEqual(r.returncode, 1)
            if self.late == "exchange":
                self.assertIn("NOT_FOUND", live["reason"], live)
        else:
            self.assertEqual((dead["verdict"], live["verdict"]), ("warn", "pass"), got)
            self.assertIn("another broker", dead["hint"])
        self.assertNotIn("guest:guest", json.dumps(got))  # credentials redacted

    def test_update_is_delivered_through_the_broker(self):
        manifest = clair_manifest("debian-app")
        r = call(self.base, "POST", "/indexer/api/v1/index_report", manifest)
        self.assertEqual(r.status, 201, r.body[:500])
        digest = manifest["hash"]
        r = harness.run(["update", "--config", self.conf], env={"LUCID_DATA_DIR": self.data}, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])

        if self.late:
            failed = self.wait_set(lambda s: s["attempts"] >= 1, "with a failed delivery")
            self.assertEqual(failed["status"], "delivery_failed")
            if self.late == "exchange":
                self.assertIn("NOT_FOUND", failed["last_error"], failed)
                with broker() as conn:
                    self.declare_exchange(conn.channel())
            else:
                self.assertIn("Connection refused", failed["last_error"], failed)
                self.forwarder.start()
            self.assertGreaterEqual(self.metric("failed"), 1)

        final = "deleted" if self.direct else "delivered"
        s = self.wait_set(lambda s: s["status"] == final, "in status " + final)
        self.assertEqual(self.metric("delivered"), 1)
        if self.direct:
            want = s["notifications"]
            if self.rollup > 1:
                want = (want + self.rollup - 1) // self.rollup
            msgs = drain(self.queue, want)
        else:
            msgs = drain(self.queue, 1)
        time.sleep(1.5)  # a few more delivery ticks: nothing is sent twice
        msgs += drain(self.queue, 0, timeout=1)
        self.assertEqual(drain(self.other_queue, 0, timeout=1), [])  # routed by key

        for method, props, _ in msgs:
            self.assertEqual((method.exchange, method.routing_key), (self.exchange, self.routing_key))
            self.assertEqual(props.content_type, "application/json")
            if self.mechanism == "amqp":
                self.assertEqual(props.app_id, "clairV4-notifier")

        if not self.direct:
            self.assertEqual(len(msgs), 1)
            msg = json.loads(msgs[0][2])
            self.assertSchema("notification_webhook", msg)
            self.assertEqual(msg["notification_id"], s["id"])
            self.assertEqual(msg["callback"], self.base + "/notifier/api/v1/notification/" + s["id"])
            page = call(self.base, "GET", "/notifier/api/v1/notification/" + s["id"]).json()
            (n,) = page["notifications"]
            self.assertSchema("notification", n)
            self.assertEqual((n["manifest"], n["reason"]), (digest, "added"))
            return

        # Direct: arrays of at most `rollup` notifications (one when 0/1),
        # together exactly the set's notifications.
        limit = max(self.rollup, 1)
        self.assertEqual(len(msgs), (s["notifications"] + limit - 1) // limit)
        ids = []
        for _, _, body in msgs:
            arr = json.loads(body)
            self.assertIsInstance(arr, list)
            self.assertTrue(1 <= len(arr) <= limit, len(arr))
            for n in arr:
                self.assertSchema("notification", n)
                self.assertEqual((n["manifest"], n["reason"]), (digest, "added"))
                ids.append(n["id"])
        self.assertGreater(len(ids), 1)
        self.assertEqual(len(set(ids)), len(ids))
        # Deleted once delivered; the page still answers until the GC purges it.
        r = call(self.base, "GET", "/notifier/api/v1/notification/%s?page_size=1000" % s["id"])
        self.assertEqual(r.status, 200)
        self.assertEqual(sorted(n["id"] for n in r.json()["notifications"]), sorted(ids))


class AmqpCallback(BrokerFlow, unittest.TestCase):
    mechanism = "amqp"
    late = "exchange"


class AmqpDirect(BrokerFlow, unittest.TestCase):
    mechanism = "amqp"
    direct = True
    rollup = 0


class StompDirect(BrokerFlow, unittest.TestCase):
    mechanism = "stomp"
    direct = True
    rollup = 2
    late = "broker"


class AmqpsDirect(BrokerFlow, unittest.TestCase):
    mechanism = "amqp"
    tls = True
    direct = True
    rollup = 7


class StompCallback(BrokerFlow, unittest.TestCase):
    mechanism = "stomp"


if __name__ == "__main__":
    unittest.main()
