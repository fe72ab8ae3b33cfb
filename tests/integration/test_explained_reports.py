"""Issue 8: index reports explain why less than expected was found, per
layer, in Lucid's JSON, the table, the failed report's `err`, the logs and
/metrics, while Clair's JSON stays schema-valid. Images are built here:
a static Go binary (the real fzf binary from the shared debian-app image),
an Arch Linux os-release, bzip2 and xz layers, and a layer over the size cap."""
import bz2
import gzip
import http.server
import io
import json
import lzma
import os
import shutil
import socket
import socketserver
import subprocess
import tarfile
import tempfile
import threading
import time
import unittest
import urllib.request

import harness
import ocibuild

EXIT_IMAGE = 3
SHARED_OCI = os.path.join(harness.SHARED, "images", "oci")


def shared_file(path):
    """The bytes of `path` from the shared OCI images' layers."""
    with open(os.path.join(SHARED_OCI, "index.json")) as f:
        index = json.load(f)
    for m in index["manifests"]:
        with open(os.path.join(SHARED_OCI, "blobs", "sha256", m["digest"].split(":")[1])) as f:
            manifest = json.load(f)
        for layer in manifest["layers"]:
            blob = os.path.join(SHARED_OCI, "blobs", "sha256", layer["digest"].split(":")[1])
            with tarfile.open(blob, "r:gz") as t:
                for member in t:
                    if member.isfile() and member.name.lstrip("./") == path:
                        return t.extractfile(member).read()
    raise AssertionError("%s not in the shared images" % path)


def exe_tar(entries):
    """Like ocibuild.tar_bytes, with executable regular files (Go binaries are found by mode)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, content in entries:
            info = tarfile.TarInfo(path)
            info.mtime, info.size, info.mode = 1700000000, len(content), 0o755
            t.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ARCH_OS_RELEASE = b'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n'
FEDORA_OS_RELEASE = b'NAME="Fedora Linux"\nVERSION_ID=39\nID=fedora\nPRETTY_NAME="Fedora Linux 39"\n'


class ExplainedScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.fzf = shared_file("usr/bin/fzf")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def layout(self, name, layers=None, raw=None):
        root = os.path.join(self.tmp, name)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        m, ls = ocibuild.write_layout(root, layers or [], raw_layers=raw)
        return "oci:%s:test" % root, m, ls

    def scan(self, image, fmt="json", env=None):
        e = {"LUCID_DATA_DIR": os.path.join(self.tmp, "data-" + fmt)}
        e.update(env or {})
        return harness.run(["scan", "--format", fmt, image], env=e, timeout=300)

    def notes(self, doc, code):
        return [n for n in doc.get("notes", []) if n["code"] == code]

    def test_static_binary_image(self):
        image, _, layers = self.layout("static", [exe_tar([("app/fzf", self.fzf)])])
        r = self.scan(image)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        doc = json.loads(r.stdout)
        self.assertEqual([p["name"] for p in doc["packages"].values()], ["stdlib"])
        no_os = self.notes(doc, "no-os-release")
        self.assertEqual([n["layer"] for n in no_os], [layers[0]], doc["notes"])
        self.assertIn("static binary", no_os[0]["message"])
        # The table says the same, per layer.
        t = self.scan(image, "table")
        self.assertEqual(t.returncode, 0, t.stderr[-2000:])
        self.assertIn("[no-os-release]", t.stdout)
        self.assertIn("in layer " + layers[0][:19], t.stdout)
        # Clair's JSON has no notes and stays schema-valid.
        c = self.scan(image, "clair")
        self.assertEqual(c.returncode, 0, c.stderr[-2000:])
        clair = json.loads(c.stdout)
        self.assertNotIn("notes", clair)
        self.assertEqual(harness.schema_errors("vulnerability_report", clair), [])
        # ... so the notes are logged, with manifest and layer.
        recs = [x for x in harness.log_records(c.stderr) if x.get("message") == "index note"]
        self.assertTrue(any(x["code"] == "no-os-release" and x["layer"] == layers[0] and x["manifest"] for x in recs),
                        c.stderr[-2000:])

    def test_unsupported_distribution_is_named(self):
        for did, text, label in (("arch", ARCH_OS_RELEASE, "Arch Linux"), ("fedora", FEDORA_OS_RELEASE, "Fedora Linux 39")):
            image, _, layers = self.layout(did, [exe_tar([("etc/os-release", text), ("usr/bin/fzf", self.fzf)])])
            r = self.scan(image)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            doc = json.loads(r.stdout)
            n = self.notes(doc, "unsupported-distribution")
            self.assertEqual(len(n), 1, doc["notes"])
            self.assertEqual(n[0]["layer"], layers[0])
            self.assertEqual(n[0]["path"], "etc/os-release")
            self.assertIn("distribution '%s' (%s) is not supported" % (did, label), n[0]["message"])
            # No "no-os-release": there is one, it is just not supported.
            self.assertEqual(self.notes(doc, "no-os-release"), [])
            # Language packages are still found.
            self.assertIn("stdlib", [p["name"] for p in doc["packages"].values()])

    def test_supported_image_has_no_distribution_notes(self):
        good = ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("var/lib/dpkg/status", ocibuild.STATUS)])
        image, _, _ = self.layout("good", [good])
        r = self.scan(image)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        codes = {n["code"] for n in json.loads(r.stdout)["notes"]}
        self.assertFalse(codes & {"no-os-release", "unsupported-distribution", "no-distribution"}, codes)

    def check_compression(self, name, blob, word):
        good = gzip.compress(ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE)]), mtime=0)
        image, _, layers = self.layout(name, raw=[good, blob])
        r = self.scan(image)
        # Documented choice: like Clair, the index fails (a report silently missing a
        # layer could hide vulnerabilities), and says precisely why.
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr[-2000:])
        doc = json.loads(r.stdout)
        self.assertEqual(doc["success"], False)
        self.assertIn(word, doc["err"])
        self.assertIn(layers[1], doc["err"])
        n = self.notes(doc, "unsupported-compression")
        self.assertEqual([x["layer"] for x in n], [layers[1]], doc["notes"])
        self.assertIn("%s-compressed" % word, n[0]["message"])
        self.assertIn("gzip or zstd", n[0]["message"])
        t = self.scan(image, "table")
        self.assertEqual(t.returncode, EXIT_IMAGE)
        self.assertIn("[unsupported-compression]", t.stderr)
        self.assertIn("%s-compressed" % word, t.stderr)

    def test_bzip2_layer(self):
        self.check_compression("bzip2", bz2.compress(ocibuild.tar_bytes([("a", b"b")])), "bzip2")

    def test_xz_layer(self):
        self.check_compression("xz", lzma.compress(ocibuild.tar_bytes([("a", b"b")])), "xz")

    def test_layer_too_large(self):
        image, _, layers = self.layout("big", [exe_tar([("app/fzf", self.fzf)])])
        r = self.scan(image, env={"LUCID_MAX_LAYER_BYTES": "100000", "LUCID_DATA_DIR": os.path.join(self.tmp, "big")})
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr[-2000:])
        doc = json.loads(r.stdout)
        n = self.notes(doc, "layer-too-large")
        self.assertEqual([x["layer"] for x in n], [layers[0]], doc)
        self.assertIn("100000 bytes", n[0]["message"])
        self.assertIn("LUCID_MAX_LAYER_BYTES", n[0]["message"])


class BlobHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


class ExplainedApiTest(unittest.TestCase):
    """The same explanations through Clair's API: `err` on failure, logs and
    lucid_indexer_notes_total on success."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        fzf = shared_file("usr/bin/fzf")
        cls.root = os.path.join(cls.tmp, "blobs")
        os.makedirs(cls.root)
        cls.arch_layer = gzip.compress(exe_tar([("etc/os-release", ARCH_OS_RELEASE), ("usr/bin/fzf", fzf)]), mtime=0)
        cls.xz_layer = lzma.compress(ocibuild.tar_bytes([("a", b"b")]))
        cls.digests = {}
        for name, data in (("arch", cls.arch_layer), ("xz", cls.xz_layer)):
            cls.digests[name] = ocibuild._write_blob(cls.root, data)
        handler = lambda *a, **k: BlobHandler(*a, directory=cls.root, **k)  # noqa: E731
        cls.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        cls.httpd.daemon_threads = True
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.blob_base = "http://127.0.0.1:%d/blobs/sha256/" % cls.httpd.server_address[1]
        cls.api, cls.intro = free_port(), free_port()
        conf = os.path.join(cls.tmp, "config.yaml")
        with open(conf, "w") as f:
            f.write("http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\nlog_level: info\n"
                    "matcher:\n  disable_updaters: true\n" % (cls.api, cls.intro))
        cls.log = os.path.join(cls.tmp, "serve.log")
        env = dict(os.environ, LUCID_DATA_DIR=os.path.join(cls.tmp, "data"))
        cls.proc = subprocess.Popen([harness.LUCID, "-conf", conf, "-mode", "combo"], stdout=subprocess.DEVNULL,
                                    stderr=open(cls.log, "w"), env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if cls.proc.poll() is not None:
                raise AssertionError(open(cls.log).read()[-3000:])
            try:
                if urllib.request.urlopen("http://127.0.0.1:%d/readyz" % cls.intro, timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        harness._stop(cls.proc)
        cls.httpd.shutdown()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.api, path), data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def manifest(self, names, tag):
        import hashlib
        return {"hash": "sha256:" + hashlib.sha256(tag.encode()).hexdigest(),
                "layers": [{"hash": self.digests[n], "uri": self.blob_base + self.digests[n].split(":")[1],
                            "headers": {}} for n in names]}

    def test_failure_err_explains(self):
        m = self.manifest(["arch", "xz"], "xz-api")
        status, _ = self.request("POST", "/indexer/api/v1/index_report", m)
        self.assertGreaterEqual(status, 400)
        status, body = self.request("GET", "/indexer/api/v1/index_report/" + m["hash"])
        self.assertEqual(status, 200, body[:500])
        rep = json.loads(body)
        self.assertEqual(harness.schema_errors("index_report", rep), [])
        self.assertEqual((rep["state"], rep["success"]), ("IndexError", False))
        self.assertIn("xz-compressed", rep["err"])
        self.assertIn(self.digests["xz"], rep["err"])

    def test_success_notes_logged_and_counted(self):
        m = self.manifest(["arch"], "arch-api")
        status, body = self.request("POST", "/indexer/api/v1/index_report", m)
        self.assertEqual(status, 201, body[:500])
        rep = json.loads(body)
        self.assertEqual(harness.schema_errors("index_report", rep), [])
        self.assertNotIn("notes", rep)
        recs = [x for x in harness.log_records(open(self.log).read()) if x.get("message") == "index note"]
        hits = [x for x in recs if x["manifest"] == m["hash"] and x["code"] == "unsupported-distribution"]
        self.assertEqual(len(hits), 1, recs)
        self.assertEqual(hits[0]["layer"], self.digests["arch"])
        self.assertIn("'arch' (Arch Linux)", hits[0]["note"])
        metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.intro, timeout=10).read().decode()
        self.assertIn('lucid_indexer_notes_total{code="unsupported-distribution"}', metrics)
        self.assertIn("process_resident_memory_bytes", metrics)
        self.assertIn("lucid_memory_limit_bytes", metrics)


if __name__ == "__main__":
    unittest.main()
