"""Shared helpers for Lucid's end-to-end tests: real binaries, real servers
on 127.0.0.1, real data from ../shared. Every server started here is stopped
when its context manager exits."""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHARED = os.environ.get("LUCID_SHARED", os.path.normpath(os.path.join(ROOT, "..", "shared")))
LUCID = os.environ.get("LUCID_BIN", os.path.join(ROOT, "build", "lucid"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import validate_clair_json  # noqa: E402


def expected(image):
    with open(os.path.join(SHARED, "images", "expected", image + ".json")) as f:
        return json.load(f)


def _wait_file(path, proc, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        if proc.poll() is not None:
            raise RuntimeError("%s exited early with %s" % (what, proc.returncode))
        time.sleep(0.1)
    raise RuntimeError("%s did not become ready in %ss" % (what, timeout))


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def feed_server():
    """Serves ../shared/data/feeds like the upstream sources; yields the base URL (no trailing slash)."""
    d = tempfile.mkdtemp()
    ready = os.path.join(d, "ready")
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([sys.executable, os.path.join(SHARED, "tools", "serve-feeds.py"), "--port", "0",
                          "--ready-file", ready], stdout=log, stderr=log)
    try:
        text = _wait_file(ready, p, 30, "serve-feeds.py")
        url = text.split()[-1] if "http" in text else text
        url = url[url.index("http"):]
        yield url.rstrip("/")
    finally:
        _stop(p)
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def registry():
    """Starts the real registry with the test images; yields 'host:port'."""
    d = tempfile.mkdtemp()
    ready = os.path.join(d, "addr")
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen(["bash", os.path.join(SHARED, "images", "serve-registry.sh"), "--ready-file", ready,
                          "--timeout", "1800"], stdout=log, stderr=log, start_new_session=True)
    try:
        yield _wait_file(ready, p, 180, "serve-registry.sh")
    finally:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(d, ignore_errors=True)


def run(args, env=None, timeout=600, check=False):
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run([LUCID] + list(args), capture_output=True, text=True, env=e, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("lucid %s failed (%d):\n%s\n%s" % (" ".join(args), r.returncode, r.stdout[-4000:], r.stderr[-4000:]))
    return r


def log_records(stderr):
    out = []
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def schema_errors(schema, doc):
    return validate_clair_json.validate(schema, doc)


def dpkg_lt(a, b):
    """Independent oracle: Debian's own dpkg."""
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
