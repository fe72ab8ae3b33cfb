"""Issue 3 end to end: Lucid's HTTP API driven exactly like Quay drives
Clair. A real registry serves the test images, the feed server serves the
Debian tracker JSON, and `lucid -conf FILE -mode ...` runs with PSK auth.
Quay builds a Clair Manifest from the registry manifest (layer URIs are the
registry's blob URLs), POSTs it to the indexer, keeps the ETag, and reads
vulnerability reports from the matcher.

The same tests run against one combo process and against an indexer process
plus a matcher process (the matcher reaches the indexer over HTTP)."""
import base64
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zlib

import jwt

import harness

ISSUER = "quay"
ZERO_DIGEST = "sha256:" + "0" * 64
_registry = None
_feeds = None
REGISTRY = None
FEEDS = None
TLS_CA = None  # PEM file the test client trusts for https:// bases (SplitTlsTest)


def setUpModule():
    global _registry, _feeds, REGISTRY, FEEDS
    _feeds = harness.feed_server()
    FEEDS = _feeds.__enter__()
    _registry = harness.registry()
    try:
        REGISTRY = _registry.__enter__()
    except BaseException:
        _feeds.__exit__(None, None, None)
        raise


def tearDownModule():
    _registry.__exit__(None, None, None)
    _feeds.__exit__(None, None, None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Reply:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()

    def header(self, name):
        return self.headers.get(name)

    def all(self, name):
        return self.headers.get_all(name) or []

    def json(self):
        return json.loads(self.body)


def call(base, method, path, body=None, headers=None, timeout=600):
    u = urllib.parse.urlsplit(base)
    if u.scheme == "https":
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout,
                                        context=ssl.create_default_context(cafile=TLS_CA))
    else:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        return Reply(c.getresponse())
    finally:
        c.close()


def registry_manifest(repo, ref="latest"):
    """The registry's manifest and its digest, as Quay knows them."""
    c = http.client.HTTPConnection(*REGISTRY.split(":"), timeout=60)
    try:
        c.request("GET", "/v2/%s/manifests/%s" % (repo, ref),
                  headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                                     "application/vnd.docker.distribution.manifest.v2+json"})
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body[:200])
        return json.loads(body), r.headers["Docker-Content-Digest"]
    finally:
        c.close()


def clair_manifest(repo):
    """The Clair Manifest Quay POSTs for a registry image."""
    m, digest = registry_manifest(repo)
    layers = [{"hash": l["digest"], "uri": "http://%s/v2/%s/blobs/%s" % (REGISTRY, repo, l["digest"]),
               "headers": {}, "media_type": l["mediaType"]} for l in m["layers"]]
    return {"hash": digest, "layers": layers}


def dpkg_packages(report):
    out = set()
    for pid, p in report["packages"].items():
        envs = report["environments"].get(pid) or []
        if envs and envs[0]["package_db"].startswith("var/lib/dpkg/status"):
            out.add((p["name"], p["version"]))
    return out


class QuayFlow:
    """The tests; subclasses start Lucid in setUpClass (see start_*)."""
    split = False

    # --- process management -------------------------------------------------

    @classmethod
    def write_config(cls, name, api_port, intro_port, extra="", top=""):
        path = os.path.join(cls.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(top)
            f.write("http_listen_addr: 127.0.0.1:%d\n" % api_port)
            f.write("introspection_addr: 127.0.0.1:%d\n" % intro_port)
            f.write("log_level: info\n")
            f.write("auth:\n  psk:\n    key: %s\n    iss: [%s]\n" % (cls.key_b64, ISSUER))
            f.write("matcher:\n  cache_age: 1h\n%s" % extra)
            f.write("updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s/debian/json\n" % FEEDS)
        return path

    @classmethod
    def launch(cls, name, mode, conf, data_dir):
        log = open(os.path.join(cls.tmp, name + ".stderr"), "w")
        env = dict(os.environ)
        env["LUCID_DATA_DIR"] = data_dir
        p = subprocess.Popen([harness.LUCID, "-conf", conf, "-mode", mode], stdout=subprocess.DEVNULL, stderr=log,
                             env=env)
        cls.procs[name] = (p, log.name)
        return p

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
        raise AssertionError("lucid %s not ready in 60 s" % name)

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.key = os.urandom(32)
        cls.key_b64 = base64.b64encode(cls.key).decode()
        cls.procs = {}
        try:
            cls.start()
            # The first update run fills the vulnerability store; until then M1 answers 202.
            deadline = time.time() + 600
            while True:
                r = call(cls.matcher, "GET", "/matcher/api/v1/vulnerability_report/" + ZERO_DIGEST,
                         headers=cls.auth())
                if r.status != 202:
                    break
                if time.time() > deadline:
                    raise AssertionError("no vulnerability data after 600 s")
                time.sleep(0.5)
            assert r.status == 404, (r.status, r.body)
            cls.manifest = clair_manifest("debian-app")
            cls.posted = call(cls.indexer, "POST", "/indexer/api/v1/index_report", cls.manifest, cls.auth())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p, _ in cls.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------

    @classmethod
    def token(cls, iss=ISSUER, key=None, exp_in=60, alg="HS256"):
        now = int(time.time())
        claims = {"iss": iss, "iat": now, "nbf": now - 60, "exp": now + exp_in}
        return jwt.encode(claims, key or cls.key, algorithm=alg)

    @classmethod
    def auth(cls, **kw):
        return {"Authorization": "Bearer " + cls.token(**kw)}

    def idx(self, method, path, body=None, headers=None):
        h = self.auth()
        h.update(headers or {})
        return call(self.indexer, method, "/indexer/api/v1/" + path, body, h)

    def mat(self, method, path, headers=None):
        h = self.auth()
        h.update(headers or {})
        return call(self.matcher, "GET" if method is None else method, "/matcher/api/v1/" + path, None, h)

    def assertSchema(self, schema, doc):
        self.assertEqual(harness.schema_errors(schema, doc), [], "%s: %s" % (schema, json.dumps(doc)[:500]))

    def assertError(self, r, status, code):
        self.assertEqual(r.status, status, r.body[:500])
        self.assertTrue(r.header("Content-Type").startswith("application/json"), r.header("Content-Type"))
        doc = r.json()
        self.assertSchema("error", doc)
        self.assertEqual(doc["code"], code)
        return doc

    def state(self):
        r = self.idx("GET", "index_state")
        self.assertEqual(r.status, 200)
        return r.json()["state"]

    # --- I1 / I3 / I5 -------------------------------------------------------------

    def test_index_report_created(self):
        r = self.posted
        self.assertEqual(r.status, 201, r.body[:1000])
        digest = self.manifest["hash"]
        self.assertEqual(r.header("ETag"), '"%s"' % self.state())
        self.assertEqual(r.header("Location"), "/indexer/api/v1/index_report/" + digest)
        self.assertEqual(sorted(r.all("Link")), sorted([
            '</indexer/api/v1/index_report/%s>; rel="https://projectquay.io/clair/v1/index_report"' % digest,
            '</matcher/api/v1/vulnerability_report/%s>; rel="https://projectquay.io/clair/v1/vulnerability_report"'
            % digest]))
        rep = r.json()
        self.assertSchema("index_report", rep)
        self.assertEqual(rep["manifest_hash"], digest)
        self.assertEqual((rep["state"], rep["success"], rep["err"]), ("IndexFinished", True, ""))
        want = {(p["name"], p["version"]) for p in harness.expected("debian-app")["final"]["dpkg"]}
        self.assertEqual(len(want), 135)
        self.assertEqual(dpkg_packages(rep), want)

    def test_get_index_report_and_conditional(self):
        digest = self.manifest["hash"]
        etag = '"%s"' % self.state()
        r = self.idx("GET", "index_report/" + digest)
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertEqual(r.header("ETag"), etag)
        rep = r.json()
        self.assertSchema("index_report", rep)
        self.assertEqual(rep["state"], "IndexFinished")
        self.assertEqual(dpkg_packages(rep), dpkg_packages(self.posted.json()))
        r = self.idx("GET", "index_report/" + digest, headers={"If-None-Match": etag})
        self.assertEqual((r.status, r.body), (304, b""))
        r = self.idx("GET", "index_report/" + digest, headers={"Accept": "text/html"})
        self.assertError(r, 415, "internal-error")

    def test_repost_conditional_and_idempotent(self):
        etag = '"%s"' % self.state()
        r = self.idx("POST", "index_report", self.manifest, {"If-None-Match": etag})
        self.assertEqual((r.status, r.body), (412, b""))
        self.assertEqual(len(r.all("Link")), 2)
        r = self.idx("POST", "index_report", self.manifest, {"If-None-Match": '"some-older-state"'})
        self.assertEqual(r.status, 201, r.body[:500])
        self.assertEqual(r.header("ETag"), etag)
        self.assertEqual(dpkg_packages(r.json()), dpkg_packages(self.posted.json()))

    def test_index_state(self):
        r = self.idx("GET", "index_state")
        self.assertEqual(r.status, 200)
        doc = r.json()
        self.assertSchema("index_state", doc)
        self.assertEqual(r.header("ETag"), '"%s"' % doc["state"])
        r2 = self.idx("GET", "index_state", headers={"If-None-Match": r.header("ETag")})
        self.assertEqual((r2.status, r2.body), (304, b""))
        self.assertEqual(r2.header("ETag"), r.header("ETag"))

    # --- M1 ---------------------------------------------------------------------

    def test_vulnerability_report(self):
        digest = self.manifest["hash"]
        r = self.mat("GET", "vulnerability_report/" + digest)
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertEqual(r.header("Cache-Control"), "max-age=3600")
        rep = r.json()
        self.assertSchema("vulnerability_report", rep)
        self.assertEqual(rep["manifest_hash"], digest)
        self.assertEqual(dpkg_packages(rep), dpkg_packages(self.posted.json()))
        names = {}
        for pid, vids in rep["package_vulnerabilities"].items():
            for vid in vids:
                self.assertIn(vid, rep["vulnerabilities"])
                names.setdefault(rep["packages"][pid]["name"], set()).add(rep["vulnerabilities"][vid]["name"])
        for pkg in ("openssl", "libssl3", "curl"):
            self.assertTrue(any(n.startswith("CVE-") for n in names.get(pkg, ())), (pkg, sorted(names)[:40]))
        self.assertGreater(sum(len(v) for v in rep["package_vulnerabilities"].values()), 50)
        updaters = {v["updater"] for v in rep["vulnerabilities"].values()}
        self.assertIn("debian/updater", updaters)
        # Served again (from Lucid's short-lived report cache) it is the same report.
        again = self.mat("GET", "vulnerability_report/" + digest)
        self.assertEqual((again.status, again.json()), (200, rep))

    def test_response_compression(self):
        """Quay's client sends Accept-Encoding: gzip, deflate; Go's sends gzip."""
        digest = self.manifest["hash"]
        plain = self.mat("GET", "vulnerability_report/" + digest).json()
        for coding, decode in (("gzip", lambda b: gzip.decompress(b)), ("deflate", zlib.decompress)):
            for _ in range(2):  # computed, then cached
                r = self.mat("GET", "vulnerability_report/" + digest, {"Accept-Encoding": coding})
                self.assertEqual(r.status, 200)
                self.assertEqual(r.header("Content-Encoding"), coding)
                self.assertEqual(json.loads(decode(r.body)), plain)
        r = self.idx("GET", "index_report/" + digest, headers={"Accept-Encoding": "gzip, deflate"})
        self.assertEqual((r.status, r.header("Content-Encoding")), (200, "gzip"))
        self.assertSchema("index_report", json.loads(gzip.decompress(r.body)))
        r = self.idx("GET", "index_report/sha256:" + "ab" * 32, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.header("Content-Encoding"), "gzip")
        self.assertSchema("error", json.loads(gzip.decompress(r.body)))
        r = self.mat("GET", "vulnerability_report/" + digest, {"Accept-Encoding": "br"})
        self.assertEqual((r.status, r.header("Content-Encoding")), (200, None))
        r = self.mat("GET", "vulnerability_report/" + digest, {"Accept-Encoding": "br, identity;q=0, *;q=0"})
        self.assertEqual((r.status, r.body), (415, b""))

    def test_not_found_and_bad_digest(self):
        r = self.mat("GET", "vulnerability_report/sha256:" + "ab" * 32)
        doc = self.assertError(r, 404, "not-found")
        self.assertIn("sha256:" + "ab" * 32, doc["message"])
        self.assertError(self.idx("GET", "index_report/sha256:" + "ab" * 32), 404, "not-found")
        for bad in ("sha256:xyz", "md5:" + "0" * 32, "nodigest"):
            self.assertError(self.mat("GET", "vulnerability_report/" + bad), 400, "bad-request")
            self.assertError(self.idx("GET", "index_report/" + bad), 400, "bad-request")

    # --- auth ----------------------------------------------------------------------

    def test_auth_rejections(self):
        now = int(time.time())
        bad = {
            "none": {},
            "not bearer": {"Authorization": "Basic " + self.token()},
            "garbage": {"Authorization": "Bearer not.a.jwt"},
            "wrong key": {"Authorization": "Bearer " + self.token(key=os.urandom(32))},
            "expired": {"Authorization": "Bearer " + jwt.encode({"iss": ISSUER, "exp": now - 120}, self.key,
                                                               algorithm="HS256")},
            "not yet valid": {"Authorization": "Bearer " + jwt.encode({"iss": ISSUER, "nbf": now + 300}, self.key,
                                                                     algorithm="HS256")},
            "unlisted issuer": {"Authorization": "Bearer " + self.token(iss="clairctl")},
            "no issuer": {"Authorization": "Bearer " + jwt.encode({"exp": now + 60}, self.key, algorithm="HS256")},
            "alg none": {"Authorization": "Bearer " + jwt.encode({"iss": ISSUER}, None, algorithm="none")},
        }
        for what, h in bad.items():
            for base, path in ((self.indexer, "/indexer/api/v1/index_state"),
                               (self.indexer, "/indexer/api/v1/index_report/" + self.manifest["hash"]),
                               (self.matcher, "/matcher/api/v1/vulnerability_report/" + self.manifest["hash"]),
                               (self.matcher, "/no/such/path")):
                r = call(base, "GET", path, headers=h)
                self.assertEqual((r.status, r.body), (401, b""), "%s %s" % (what, path))
                self.assertIsNone(r.header("WWW-Authenticate"))
        r = call(self.indexer, "POST", "/indexer/api/v1/index_report", self.manifest)
        self.assertEqual((r.status, r.body), (401, b""))
        # HS512 and the built-in intra-service issuer are accepted.
        self.assertEqual(call(self.indexer, "GET", "/indexer/api/v1/index_state",
                              headers=self.auth(alg="HS512")).status, 200)
        self.assertEqual(call(self.matcher, "GET", "/matcher/api/v1/vulnerability_report/" + self.manifest["hash"],
                              headers=self.auth(iss="clair-intraservice")).status, 200)

    def test_robots_without_auth(self):
        for base in {self.indexer, self.matcher}:
            r = call(base, "GET", "/robots.txt")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, b"User-agent: *\nDisallow: /\n")
            self.assertTrue(r.header("Content-Type").startswith("text/plain"))

    # --- M2 / M4 ---------------------------------------------------------------------

    def test_update_operations_and_diff(self):
        r = self.mat("GET", "internal/update_operation")
        self.assertEqual(r.status, 200, r.body[:500])
        ops = r.json()
        self.assertSchema("update_operations", ops)
        self.assertIn("debian/updater", ops)
        newest = ops["debian/updater"][0]
        self.assertEqual(r.header("ETag"), '"%s"' % newest["ref"])
        r304 = self.mat("GET", "internal/update_operation", {"If-None-Match": r.header("ETag")})
        self.assertEqual((r304.status, r304.body), (304, b""))
        latest = self.mat("GET", "internal/update_operation?latest=true&kind=vulnerability")
        self.assertEqual(latest.status, 200)
        self.assertSchema("update_operations", latest.json())
        self.assertEqual([len(v) for v in latest.json().values()], [1] * len(latest.json()))
        self.assertError(self.mat("GET", "internal/update_operation?kind=bogus"), 400, "bad-request")

        d = self.mat("GET", "internal/update_diff?cur=" + newest["ref"])
        self.assertEqual(d.status, 200, d.body[:500])
        diff = d.json()
        self.assertSchema("update_diff", diff)
        self.assertEqual(diff["cur"]["ref"], newest["ref"])
        self.assertEqual(diff["prev"]["ref"], "00000000-0000-0000-0000-000000000000")
        self.assertGreater(len(diff["added"] or []), 1000)
        self.assertIn(diff["removed"], (None, []))
        self.assertError(self.mat("GET", "internal/update_diff"), 400, "bad-request")
        self.assertError(self.mat("GET", "internal/update_diff?cur=nope"), 400, "bad-request")

    # --- I2 / I4 ----------------------------------------------------------------------

    def test_bulk_delete(self):
        base = clair_manifest("debian-base")
        r = self.idx("POST", "index_report", base)
        self.assertEqual(r.status, 201, r.body[:500])
        self.assertSchema("index_report", r.json())
        self.assertEqual(len(dpkg_packages(r.json())), 88)
        self.assertEqual(self.mat("GET", "vulnerability_report/" + base["hash"]).status, 200)  # now cached
        r = self.idx("DELETE", "index_report", [base["hash"], ZERO_DIGEST])
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertSchema("bulk_delete", r.json())
        self.assertEqual(r.json(), [base["hash"]])
        self.assertError(self.idx("GET", "index_report/" + base["hash"]), 404, "not-found")
        if self.split:
            # The matcher learns of another process's delete within its report-cache TTL (2 s).
            deadline = time.time() + 5
            while self.mat("GET", "vulnerability_report/" + base["hash"]).status == 200 and time.time() < deadline:
                time.sleep(0.2)
        self.assertError(self.mat("GET", "vulnerability_report/" + base["hash"]), 404, "not-found")
        # debian-app shares debian-base's layer; its report and vulnerabilities are untouched.
        self.assertEqual(self.idx("GET", "index_report/" + self.manifest["hash"]).status, 200)
        self.assertEqual(self.mat("GET", "vulnerability_report/" + self.manifest["hash"]).status, 200)
        r = self.idx("DELETE", "index_report", [])
        self.assertEqual((r.status, r.json()), (200, []))
        self.assertError(self.idx("DELETE", "index_report", "[not json"), 400, "bad-request")
        self.assertError(self.idx("DELETE", "index_report", ["sha256:nothex"]), 400, "bad-request")
        self.assertEqual(self.idx("DELETE", "index_report/" + ZERO_DIGEST).status, 204)

    # --- bad input ----------------------------------------------------------------------

    def test_malformed_manifests(self):
        self.assertError(self.idx("POST", "index_report", "{not json"), 400, "bad-request")
        self.assertError(self.idx("POST", "index_report", b"\xff\xfe\x00"), 400, "bad-request")
        self.assertError(self.idx("POST", "index_report", {"hash": self.manifest["hash"], "layers": []}),
                         400, "bad-request")
        self.assertError(self.idx("POST", "index_report", {"layers": self.manifest["layers"]}), 400, "bad-request")
        self.assertError(self.idx("POST", "index_report", {"hash": "sha256:zz", "layers": self.manifest["layers"]}),
                         400, "bad-request")
        self.assertError(self.idx("POST", "index_report", [1, 2]), 400, "bad-request")
        # The stored report of debian-app is unaffected.
        self.assertEqual(self.idx("GET", "index_report/" + self.manifest["hash"]).json()["state"], "IndexFinished")

    def assertIndexError(self, manifest, status_range):
        r = self.idx("POST", "index_report", manifest)
        self.assertTrue(status_range[0] <= r.status <= status_range[1], (r.status, r.body[:500]))
        doc = self.assertError(r, r.status, "bad-request" if r.status == 400 else "internal-error")
        self.assertTrue(doc["message"].startswith("failed to start scan: "), doc["message"])
        self.assertEqual(r.all("Link"), [])
        g = self.idx("GET", "index_report/" + manifest["hash"])
        self.assertEqual(g.status, 200, g.body[:500])
        rep = g.json()
        self.assertSchema("index_report", rep)
        self.assertEqual((rep["state"], rep["success"]), ("IndexError", False))
        self.assertNotEqual(rep["err"], "")
        self.assertError(self.mat("GET", "vulnerability_report/" + manifest["hash"]), 404, "not-found")
        return doc

    def test_layer_uri_404(self):
        missing = "sha256:" + "1" * 64
        m = {"hash": "sha256:" + "2" * 64,
             "layers": [self.manifest["layers"][0],
                        {"hash": missing, "uri": "http://%s/v2/debian-app/blobs/%s" % (REGISTRY, missing),
                         "headers": {}}]}
        doc = self.assertIndexError(m, (500, 599))
        self.assertIn("404", doc["message"])

    def test_layer_digest_mismatch(self):
        real = self.manifest["layers"][-1]  # the 151-byte whiteout layer
        m = {"hash": "sha256:" + "3" * 64,
             "layers": [{"hash": "sha256:" + "4" * 64, "uri": real["uri"], "headers": {}}]}
        self.assertIndexError(m, (400, 599))
        # A mismatching layer that later turns up with the right digest is not poisoned.
        m2 = {"hash": "sha256:" + "5" * 64, "layers": [real]}
        r = self.idx("POST", "index_report", m2)
        self.assertEqual(r.status, 201, r.body[:500])
        self.assertEqual(r.json()["state"], "IndexFinished")

    def test_unreachable_layer_host(self):
        m = {"hash": "sha256:" + "6" * 64,
             "layers": [{"hash": "sha256:" + "7" * 64, "uri": "http://127.0.0.1:%d/blob" % free_port(),
                         "headers": {}}]}
        self.assertIndexError(m, (500, 599))

    def test_layer_uri_not_http(self):
        # The server never reads its own files for a client, and an existing
        # file is refused exactly like a missing one (no probing).
        bodies = []
        for n, uri in enumerate(("file:///etc/passwd", "file:///nonexistent/layer.tar", "ftp://127.0.0.1/x")):
            m = {"hash": "sha256:%064x" % (0x8000 + n),
                 "layers": [{"hash": "sha256:" + "9" * 64, "uri": uri, "headers": {}}]}
            r = self.idx("POST", "index_report", m)
            self.assertIn(r.status, (400, 500), r.body[:300])
            self.assertIn("unsupported uri scheme", r.body.decode(), r.body[:300])
            self.assertNotIn("archive", r.body.decode().lower())
            self.assertNotIn("No such file", r.body.decode())
            bodies.append(r.body.decode().replace(uri, "URI"))
            self.assertNotEqual(self.idx("GET", "index_report/" + m["hash"]).json().get("state"), "IndexFinished")
        self.assertEqual(bodies[0], bodies[1])

    # --- introspection ---------------------------------------------------------------------

    def test_introspection(self):
        self.idx("GET", "index_state")
        self.mat("GET", "vulnerability_report/" + self.manifest["hash"])
        for intro, group in ((self.indexer_intro, "indexerv1"), (self.matcher_intro, "matcherv1")):
            self.assertEqual(call(intro, "GET", "/healthz").body, b"ok")
            r = call(intro, "GET", "/readyz")
            self.assertEqual((r.status, r.body), (200, b""))
            text = call(intro, "GET", "/metrics").body.decode()
            self.assertIn("clair_http_%s_request_total{" % group, text)
            self.assertIn("clair_http_%s_request_duration_seconds_bucket{" % group, text)
        text = call(self.indexer_intro, "GET", "/metrics").body.decode()
        self.assertRegex(text, r'clair_http_indexerv1_request_total\{[^}]*handler="/indexer/api/v1/index_report"')
        self.assertIn("clair_cmd_version_info{", text)
        # A re-posted manifest is answered from the store: Clair's cache-hit counter.
        self.assertEqual(self.idx("POST", "index_report", self.manifest).status, 201)
        text = call(self.indexer_intro, "GET", "/metrics").body.decode()
        self.assertRegex(text, r'claircore_indexer_scanned_manifests\{scanned_before="false"\} [1-9]')
        self.assertRegex(text, r'claircore_indexer_scanned_manifests\{scanned_before="true"\} [1-9]')

    # --- last: logs and graceful shutdown ---------------------------------------------------

    def test_zz_logs_and_graceful_shutdown(self):
        for name, (p, log) in list(self.procs.items()):
            p.send_signal(signal.SIGTERM)
            t0 = time.time()
            try:
                rc = p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                self.fail("lucid %s did not stop within 15 s of SIGTERM" % name)
            self.assertEqual(rc, 0, open(log).read()[-2000:])
            self.assertLess(time.time() - t0, 12)
            recs = harness.log_records(open(log).read())
            self.assertTrue(recs, "no JSON log records from %s" % name)
            for r in recs:
                self.assertIn("level", r)
                self.assertIn("time", r)
                self.assertIn("message", r)
            handled = [r for r in recs if r["message"] == "handled HTTP request"]
            self.assertTrue(handled, name)
            for r in handled:
                for k in ("request_id", "remote_addr", "method", "request_uri", "status", "written", "duration"):
                    self.assertIn(k, r)
                self.assertRegex(r["request_id"], r"^[0-9a-f]{16}$")
            self.assertIn(401, {r["status"] for r in handled})
            msgs = [r["message"] for r in recs]
            self.assertIn("ready", msgs)
            self.assertEqual(msgs[-1], "stopped")


class ComboTest(QuayFlow, unittest.TestCase):
    @classmethod
    def start(cls):
        api, intro = free_port(), free_port()
        conf = cls.write_config("combo", api, intro)
        cls.launch("combo", "combo", conf, os.path.join(cls.tmp, "data"))
        cls.indexer = cls.matcher = "http://127.0.0.1:%d" % api
        cls.indexer_intro = cls.matcher_intro = "http://127.0.0.1:%d" % intro
        cls.wait_ready("combo", cls.indexer_intro)


class SplitTest(QuayFlow, unittest.TestCase):
    split = True

    @classmethod
    def start(cls):
        iapi, iintro, mapi, mintro = free_port(), free_port(), free_port(), free_port()
        iconf = cls.write_config("indexer", iapi, iintro)
        mconf = cls.write_config("matcher", mapi, mintro, "  indexer_addr: http://127.0.0.1:%d/\n" % iapi)
        cls.launch("indexer", "indexer", iconf, os.path.join(cls.tmp, "indexer-data"))
        cls.launch("matcher", "matcher", mconf, os.path.join(cls.tmp, "matcher-data"))
        cls.indexer, cls.matcher = "http://127.0.0.1:%d" % iapi, "http://127.0.0.1:%d" % mapi
        cls.indexer_intro, cls.matcher_intro = "http://127.0.0.1:%d" % iintro, "http://127.0.0.1:%d" % mintro
        cls.wait_ready("indexer", cls.indexer_intro)
        cls.wait_ready("matcher", cls.matcher_intro)

    def test_routes_follow_the_mode(self):
        # Each process mounts only its own prefix (an L7 balancer routes by path).
        r = call(self.matcher, "GET", "/indexer/api/v1/index_state", headers=self.auth())
        self.assertEqual((r.status, r.body), (404, b"404 page not found\n"))
        r = call(self.indexer, "GET", "/matcher/api/v1/vulnerability_report/" + self.manifest["hash"],
                 headers=self.auth())
        self.assertEqual(r.status, 404)


class SplitTlsTest(SplitTest):
    """Split mode with TLS on both API listeners (tls.cert/key, made here with
    the openssl CLI). The matcher reaches https://indexer trusting the
    certificate through tls.root_ca; introspection stays plain HTTP."""

    @classmethod
    def start(cls):
        global TLS_CA
        cert, key = os.path.join(cls.tmp, "cert.pem"), os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        TLS_CA = cert
        iapi, iintro, mapi, mintro = free_port(), free_port(), free_port(), free_port()
        tls = "tls:\n  cert: %s\n  key: %s\n" % (cert, key)
        iconf = cls.write_config("indexer", iapi, iintro, top=tls)
        mconf = cls.write_config("matcher", mapi, mintro, "  indexer_addr: https://127.0.0.1:%d/\n" % iapi,
                                 top=tls + "  root_ca: %s\n" % cert)
        cls.launch("indexer", "indexer", iconf, os.path.join(cls.tmp, "indexer-data"))
        cls.launch("matcher", "matcher", mconf, os.path.join(cls.tmp, "matcher-data"))
        cls.indexer, cls.matcher = "https://127.0.0.1:%d" % iapi, "https://127.0.0.1:%d" % mapi
        cls.indexer_intro, cls.matcher_intro = "http://127.0.0.1:%d" % iintro, "http://127.0.0.1:%d" % mintro
        cls.wait_ready("indexer", cls.indexer_intro)
        cls.wait_ready("matcher", cls.matcher_intro)

    def test_plain_http_on_the_tls_port(self):
        # A plain-HTTP client gets the server's refusal (as Go's) and a closed connection.
        port = urllib.parse.urlsplit(self.indexer).port
        r = call("http://127.0.0.1:%d" % port, "GET", "/indexer/api/v1/index_state", headers=self.auth())
        self.assertEqual(r.status, 400)
        self.assertIn(b"Client sent an HTTP request to an HTTPS server.", r.body)
        self.assertEqual(self.idx("GET", "index_state").status, 200)  # others are still served

if __name__ == "__main__":
    unittest.main()
