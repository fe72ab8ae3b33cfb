#!/usr/bin/env python3
"""Benchmark (not a test): a full `lucid update` of every feed in
shared/data/feeds that Lucid supports (Debian tracker JSON, OSV all.zip per
ecosystem, NVD CVSS feeds) served on 127.0.0.1, then a second run with the
sources unchanged. Reports wall time and peak RSS of each run beside the size
of the data.

  update_bench.py [--lucid PATH] [--shared DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def run(lucid, cfg, env):
    t0 = time.time()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([lucid, "update", "--config", cfg], stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        err.seek(0)
        text = err.read()
    return time.time() - t0, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lucid", default=os.path.join(HERE, "..", "build", "lucid"))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(HERE, "..", "..", "shared")))
    a = ap.parse_args()
    feeds = os.path.join(a.shared, "data", "feeds")
    tmp = tempfile.mkdtemp()
    ready = os.path.join(tmp, "ready")
    srv = subprocess.Popen([sys.executable, os.path.join(a.shared, "tools", "serve-feeds.py"), "--port", "0",
                            "--ready-file", ready], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            time.sleep(0.1)
        base = open(ready).read().strip().rstrip("/")
        cfg = os.path.join(tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("log_level: warn\nupdaters:\n  sets: [debian, osv, clair.cvss]\n  config:\n"
                    "    debian: {json_url: %s/debian/json}\n    osv: {url: %s/osv/}\n"
                    "    clair.cvss: {feed_root: %s/nvd/}\n" % (base, base, base))
        env = dict(os.environ, LUCID_DATA_DIR=os.path.join(tmp, "data"))
        sizes = {
            "debian (tracker JSON, gz)": du(os.path.join(feeds, "debian", "derived")),
            "osv (all.zip x6)": du(os.path.join(feeds, "osv")),
            "nvd (1.1 feeds, gz)": du(os.path.join(feeds, "nvd", "feeds")),
        }
        for k, v in sizes.items():
            print("data  %-28s %8.1f MiB" % (k, v / 2 ** 20))
        print("data  %-28s %8.1f MiB" % ("total", sum(sizes.values()) / 2 ** 20))
        for label in ("first run (full update)", "second run (unchanged)"):
            secs, rss, rc, err = run(a.lucid, cfg, env)
            print("run   %-28s %7.2f s  peak RSS %6.1f MiB  exit %d" % (label, secs, rss, rc))
            if rc != 0:
                print(err[-3000:])
        db = os.path.join(tmp, "data", "lucid.db")
        if os.path.exists(db):
            print("store %-28s %8.1f MiB" % ("lucid.db after the runs", os.path.getsize(db) / 2 ** 20))
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
