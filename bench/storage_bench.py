#!/usr/bin/env python3
"""Benchmark (not a test): the storage layer with every shared feed loaded.

For SQLite and for PostgreSQL (tools/start-postgres.sh, or --pg-dsn):
  * time of `lucid update` storing Debian, OSV, NVD (CVSS enrichment) and
    Alpine from shared/data/feeds served on 127.0.0.1;
  * server-side time of the vulnerability report of debian-app against that
    store: lucid_report_bench (load index report + match + serialise, the
    uncached M1 path) over many repetitions, median reported.
Beside them: `lucid export-updaters /dev/null`, which fetches and parses the
same feeds without any database (the floor for the update time).
Target: report median under 5 ms on either backend.

  storage_bench.py [--lucid PATH] [--report-bench PATH] [--shared DIR] [--reps N] [--pg-dsn DSN]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))


def wait_file(path, proc, secs):
    for _ in range(secs * 10):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        if proc.poll() is not None:
            raise SystemExit("feed server exited")
        time.sleep(0.1)
    raise SystemExit("feed server not ready")


def timed(cmd, env, stdout=subprocess.PIPE):
    t0 = time.time()
    r = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env)
    return time.time() - t0, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lucid", default=os.path.join(ROOT, "build", "lucid"))
    ap.add_argument("--report-bench", default=os.path.join(ROOT, "build", "bench", "lucid_report_bench"))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--pg-dsn", default=os.environ.get("LUCID_TEST_PG_DSN", ""))
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--workdir", help="keep databases and configs here (default: a temp dir, removed)")
    a = ap.parse_args()

    tmp = a.workdir or tempfile.mkdtemp(prefix="lucid-storage-bench.")
    os.makedirs(tmp, exist_ok=True)
    os.chmod(tmp, 0o755)
    ready = os.path.join(tmp, "ready")
    if os.path.exists(ready):
        os.unlink(ready)
    srv = subprocess.Popen([sys.executable, os.path.join(a.shared, "tools", "serve-feeds.py"), "--port", "0",
                            "--ready-file", ready], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pg_dir = None
    try:
        text = wait_file(ready, srv, 30)
        base = text.split()[-1]
        base = base[base.index("http"):].rstrip("/")
        updaters = ("updaters:\n  sets: [debian, osv, clair.cvss, alpine]\n  config:\n"
                    "    debian: {json_url: %s/debian/json}\n    osv: {url: %s/osv/}\n"
                    "    clair.cvss: {feed_root: %s/nvd/}\n    alpine: {url: %s/alpine/}\n" % (base, base, base, base))
        env = dict(os.environ, LUCID_DATA_DIR=os.path.join(tmp, "data"))

        conf = os.path.join(tmp, "parse.yaml")
        with open(conf, "w") as f:
            f.write("log_level: warn\n" + updaters)
        # The bundle goes to stdout, discarded: never name /dev/null as OUT (the
        # bundle writer renames a temp file over its output path).
        secs, r = timed([a.lucid, "export-updaters", "--config", conf], env, stdout=subprocess.DEVNULL)
        print("%-34s %8.2f s  (exit %d)" % ("parse only (export-updaters)", secs, r.returncode))

        backends = []
        for b in a.backends.split(","):
            if b == "sqlite":
                backends.append(("sqlite", "sqlite:" + os.path.join(tmp, "bench.db")))
            elif b == "postgres":
                dsn = a.pg_dsn
                if not dsn:
                    pg_dir = os.path.join(tmp, "pg")
                    r = subprocess.run(["bash", os.path.join(ROOT, "tools", "start-postgres.sh"), "--dir", pg_dir],
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        print("postgres: start failed:\n" + r.stderr)
                        continue
                    dsn = r.stdout.strip().splitlines()[-1]
                backends.append(("postgres", dsn))

        digest = None
        for name, connstring in backends:
            conf = os.path.join(tmp, name + ".yaml")
            with open(conf, "w") as f:
                f.write("log_level: warn\n")
                for svc in ("indexer", "matcher"):
                    f.write("%s:\n  connstring: '%s'\n  migrations: true\n" % (svc, connstring))
                f.write(updaters)
            secs, r = timed([a.lucid, "update", "--config", conf], env)
            print("%-34s %8.2f s  (exit %d)" % (name + ": store all feeds (update)", secs, r.returncode))
            if r.returncode != 0:
                print(r.stderr[-2000:])
            secs, r = timed([a.lucid, "update", "--config", conf], env)
            print("%-34s %8.2f s" % (name + ": second update (unchanged)", secs))
            image = "oci:%s:debian-app" % os.path.join(a.shared, "images", "oci")
            secs, r = timed([a.lucid, "scan", "--config", conf, "--format", "clair", image], env)
            print("%-34s %8.2f s  (exit %d)" % (name + ": lucid scan debian-app", secs, r.returncode))
            if r.returncode != 0:
                print(r.stderr[-2000:])
                continue
            rep = json.loads(r.stdout)
            digest = rep["manifest_hash"]
            stats = subprocess.run([a.lucid, "admin", "stats", "--config", conf, "--format", "json"],
                                   capture_output=True, text=True, env=env)
            if stats.returncode == 0:
                st = json.loads(stats.stdout)["matcher"]
                print("%-34s %8d vulns, %d enrichments, %.1f MiB" % (
                    name + ": store contents", st["counts"].get("vuln", 0), st["counts"].get("enrichment", 0),
                    st["size_bytes"] / 2 ** 20))
            r = subprocess.run([a.report_bench, "--config", conf, "--manifest", digest, "--reps", str(a.reps)],
                               capture_output=True, text=True, env=env)
            print("%s: vulnerability report of debian-app (server-side, uncached):" % name)
            for line in (r.stdout + r.stderr).strip().splitlines():
                print("    " + line)
    finally:
        srv.terminate()
        srv.wait()
        if pg_dir and not a.workdir:
            subprocess.run(["bash", os.path.join(ROOT, "tools", "start-postgres.sh"), "stop", pg_dir],
                           capture_output=True)
        if not a.workdir:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
