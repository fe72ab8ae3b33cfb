"""Runs docs/troubleshooting.md as written.

Markup (see the top of the guide):
  <!-- doc-file: SCENARIO/NAME -->   before a ```yaml block: written verbatim
                                     to NAME in SCENARIO's working directory.
  <!-- doc-test: SCENARIO -->        before a ```console block: its `$ ` lines
                                     run, in order, as one bash script in
                                     SCENARIO's working directory (lucid on
                                     PATH); every other non-empty line must
                                     appear in the combined output, where "…"
                                     matches any text and runs of blanks match
                                     any blanks.
Each scenario is prepared below (servers, broken files, environment) the way
its section describes; a console block without a doc-test marker, or a
scenario without a preparation, fails the test."""
import bz2
import email.utils
import http.server
import os
import re
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import unittest

import harness
import ocibuild
from test_explained_reports import ARCH_OS_RELEASE, exe_tar, shared_file

DOC = os.path.join(harness.ROOT, "docs", "troubleshooting.md")
KEY = "dGhpcy1pcy1hLXRlc3Qta2V5LWZvci10aGUtZ3VpZGUtMzI="


def parse(text):
    """Returns (files, blocks): files = [(scenario, name, content)], blocks = [(scenario, commands, expected, line)]."""
    files, blocks = [], []
    lines = text.splitlines()
    i, pending, unmarked = 0, None, []
    while i < len(lines):
        line = lines[i]
        m = re.match(r"<!-- doc-(file|test): (\S+) -->", line.strip())
        if m:
            pending = (m.group(1), m.group(2))
            i += 1
            continue
        fence = re.match(r"```(\w+)?\s*$", line)
        if fence:
            lang = fence.group(1) or ""
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if pending and pending[0] == "file":
                scen, name = pending[1].split("/", 1)
                files.append((scen, name, "\n".join(body) + "\n"))
            elif lang == "console":
                if not pending or pending[0] != "test":
                    unmarked.append(start + 1)
                else:
                    cmds = [b[2:] for b in body if b.startswith("$ ")]
                    expected = [b for b in body if b.strip() and not b.startswith("$ ")]
                    blocks.append((pending[1], cmds, expected, start + 1))
            pending = None
        elif line.strip():
            pending = None if not line.startswith("<!--") else pending
        i += 1
    return files, blocks, unmarked


def pattern(expected):
    parts = [re.escape(p) for p in expected.strip().split("…")]
    rx = ".*".join(parts)
    rx = re.sub(r"(\\ )+", r"\\s+", rx)
    return re.compile(rx)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Feed(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    status, offset = 200, 0

    def log_message(self, *a):
        pass

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() + self.offset, usegmt=True)

    def do_GET(self):
        body = b"{}"
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TroubleshootingDocTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOC) as f:
            cls.files, cls.blocks, cls.unmarked = parse(f.read())
        cls.tmp = tempfile.mkdtemp()
        cls.cleanups = []
        cls.fzf = shared_file("usr/bin/fzf")

    @classmethod
    def tearDownClass(cls):
        for c in reversed(cls.cleanups):
            c()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers for the preparations ------------------------------------------

    def server(self, status=200, offset=0):
        h = type("H", (Feed,), {"status": status, "offset": offset})
        httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), h)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.cleanups.append(lambda: (httpd.shutdown(), httpd.server_close()))
        return "http://127.0.0.1:%d" % httpd.server_address[1]

    @staticmethod
    def write(d, name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def feeds_config(self, d, base, extra=""):
        self.write(d, "config.yaml",
                   "http_listen_addr: 127.0.0.1:%d\nintrospection_addr: 127.0.0.1:%d\n%s"
                   "updaters:\n  sets: [debian]\n  config:\n    debian:\n      json_url: %s/debian/json\n"
                   % (free_port(), free_port(), extra, base))

    # --- one preparation per scenario named in the guide --------------------------

    def prep_bad_config(self, d, env):
        self.write(d, "config.yaml", "http_listen_addr: :6060\nmatcher:\n  updater_sets: [debian]\n")

    def prep_db_down(self, d, env):
        port = free_port()
        self.write(d, "config.yaml", "indexer:\n  connstring: host=127.0.0.1 port=%d user=clair dbname=clair\n"
                   "matcher:\n  connstring: host=127.0.0.1 port=%d user=clair dbname=clair\n"
                   "updaters:\n  sets: []\n" % (port, port))

    def prep_feed_500(self, d, env):
        self.feeds_config(d, self.server(status=500))

    def prep_proxy_refused(self, d, env):
        self.feeds_config(d, self.server())

    def prep_clock(self, d, env):
        self.feeds_config(d, self.server(offset=-3600))

    def prep_memory(self, d, env):
        cg = os.path.join(d, ".cgroup")
        os.makedirs(cg)
        self.write(cg, "memory.max", "134217728\n")
        env["LUCID_CGROUP_ROOT"] = cg
        self.write(d, "config.yaml", "updaters:\n  sets: [debian, osv]\n")

    def prep_psk(self, d, env):
        self.write(d, "config.yaml", "http_listen_addr: :6060\nauth:\n  psk:\n    key: %s\n    iss: [quay]\n"
                   "updaters:\n  sets: []\n" % KEY)
        self.write(d, "quay-config.yaml", "FEATURE_SECURITY_SCANNER: true\n"
                   "SECURITY_SCANNER_V4_ENDPOINT: http://127.0.0.1:6060\n"
                   "SECURITY_SCANNER_V4_PSK: b3RoZXIta2V5LXRoYXQtcXVheS1oYXM=\n")

    def prep_notifier_down(self, d, env):
        peer = self.server()  # answers 200 like a healthy indexer and matcher
        self.write(d, "config.yaml", "notifier:\n  indexer_addr: %s/\n  matcher_addr: %s/\n  webhook:\n"
                   "    target: http://127.0.0.1:%d/hook\n"
                   "    callback: http://lucid.example/notifier/api/v1/notification/\n" % (peer, peer, free_port()))

    def prep_quay_guide(self, d, env):
        # config.yaml and quay-config.yaml come verbatim from the guide (doc-file blocks).
        self.assertTrue(os.path.exists(os.path.join(d, "config.yaml")))
        self.assertTrue(os.path.exists(os.path.join(d, "quay-config.yaml")))

    def image(self, d, name, layers=None, raw=None):
        root = os.path.join(d, name)
        os.makedirs(root)
        ocibuild.write_layout(root, layers or [], tag="latest", raw_layers=raw)

    def prep_static_image(self, d, env):
        self.image(d, "static-app", [exe_tar([("app/fzf", self.fzf)])])

    def prep_arch_image(self, d, env):
        self.image(d, "arch-app", [exe_tar([("etc/os-release", ARCH_OS_RELEASE), ("usr/bin/fzf", self.fzf)])])

    def prep_bzip2_image(self, d, env):
        import gzip
        base = gzip.compress(ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE)]), mtime=0)
        self.image(d, "bzip2-app", raw=[base, bz2.compress(ocibuild.tar_bytes([("app/data", b"x" * 100)]))])

    def prep_big_layer(self, d, env):
        self.prep_static_image(d, env)

    # --- the test ----------------------------------------------------------------------

    def test_every_console_block_is_marked(self):
        self.assertEqual(self.unmarked, [], "```console blocks without <!-- doc-test: ... --> at lines %s" % self.unmarked)
        self.assertGreaterEqual(len(self.blocks), 8)

    def test_guide_commands_produce_the_shown_output(self):
        bindir = os.path.dirname(os.path.abspath(harness.LUCID))
        prepared = {}
        for scenario, cmds, expected, line in self.blocks:
            with self.subTest(scenario=scenario, line=line):
                if scenario not in prepared:
                    d = os.path.join(self.tmp, scenario)
                    os.makedirs(d)
                    env = dict(os.environ)
                    for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "NO_PROXY",
                              "no_proxy", "CLAIR_CONF", "LUCID_CGROUP_ROOT", "LUCID_MAX_LAYER_BYTES"):
                        env.pop(k, None)
                    env["LUCID_DATA_DIR"] = os.path.join(d, ".data")
                    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
                    for scen, name, content in self.files:
                        if scen == scenario:
                            self.write(d, name, content)
                    prep = getattr(self, "prep_" + scenario.replace("-", "_"), None)
                    self.assertIsNotNone(prep, "no preparation for scenario %s (line %d)" % (scenario, line))
                    prep(d, env)
                    prepared[scenario] = (d, env)
                d, env = prepared[scenario]
                script = "\n".join(cmds) + "\n"
                r = subprocess.run(["bash", "-c", script], cwd=d, env=env, capture_output=True, text=True, timeout=120)
                out = r.stdout + r.stderr
                for e in expected:
                    self.assertRegex(out, pattern(e), "line %d: %r not in the output of:\n%s\n---\n%s" %
                                     (line, e, script, out[-4000:]))


if __name__ == "__main__":
    unittest.main()
