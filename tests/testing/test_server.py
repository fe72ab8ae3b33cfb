#!/usr/bin/env python3
"""Tiny HTTP server for Lucid tests (binds 127.0.0.1, port 0).

  test_server.py --ready-file F [--registry OCI_LAYOUT [--auth bearer] [--bad-digest]]

Writes "127.0.0.1:PORT" to F once listening. Plain routes:
  /hello          200 "hello world" with header X-Test: Value
  /redirect       302 -> /hello
  /status/N       status N
  /big/N          N bytes of 'x'
  /stall          sends 5 bytes then stalls for 30 s
  /echo-headers   the request headers as "name: value" lines
With --registry, also a Registry v2 API over an OCI layout (each index.json tag is a
repository; --auth bearer demands a token from /token; --bad-digest sends a wrong
Docker-Content-Digest and serves a wrong body for manifests fetched by digest).
"""
import argparse, hashlib, http.server, json, os, socketserver, sys, time

ap = argparse.ArgumentParser()
ap.add_argument('--ready-file', required=True)
ap.add_argument('--registry')
ap.add_argument('--auth', default='')
ap.add_argument('--bad-digest', action='store_true')
args = ap.parse_args()
TOKEN = 'test-token-123'


def blob_path(d):
    algo, hexd = d.split(':', 1)
    if not all(c in '0123456789abcdef' for c in hexd):
        return None
    return os.path.join(args.registry, 'blobs', algo, hexd)


def tags():
    idx = json.load(open(os.path.join(args.registry, 'index.json')))
    return {m['annotations']['org.opencontainers.image.ref.name']: m for m in idx['manifests']}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def send(self, code, body=b'', headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        p = self.path.split('?', 1)[0]
        host = self.headers.get('Host')
        if p == '/hello':
            return self.send(200, b'hello world', {'X-Test': 'Value'})
        if p == '/redirect':
            return self.send(302, b'', {'Location': '/hello'})
        if p.startswith('/status/'):
            return self.send(int(p[8:]), b'status')
        if p.startswith('/big/'):
            return self.send(200, b'x' * int(p[5:]))
        if p == '/stall':
            self.send_response(200)
            self.send_header('Content-Length', '100')
            self.end_headers()
            self.wfile.write(b'12345')
            self.wfile.flush()
            time.sleep(30)
            return
        if p == '/echo-headers':
            body = ''.join('%s: %s\n' % (k, v) for k, v in self.headers.items()).encode()
            return self.send(200, body)
        if args.registry:
            return self.registry(p, host)
        return self.send(404, b'not found')

    def registry(self, p, host):
        if p == '/token':
            return self.send(200, json.dumps({'token': TOKEN}).encode(), {'Content-Type': 'application/json'})
        if args.auth == 'bearer' and self.headers.get('Authorization') != 'Bearer ' + TOKEN:
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {
                'WWW-Authenticate': 'Bearer realm="http://%s/token",service="test-registry",scope="repository:x:pull"' % host})
        if p == '/v2/':
            return self.send(200, b'{}')
        parts = p.split('/')
        # /v2/<name>/manifests/<ref> or /v2/<name>/blobs/<digest>
        if len(parts) < 5 or parts[1] != 'v2':
            return self.send(404, b'')
        name, kind, ref = '/'.join(parts[2:-2]), parts[-2], parts[-1]
        t = tags()
        if name not in t:
            return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
        if kind == 'manifests':
            desc = t[name]
            if ref != 'latest' and ref != desc['digest']:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            body = open(blob_path(desc['digest']), 'rb').read()
            dig = desc['digest']
            if args.bad_digest:
                dig = 'sha256:' + hashlib.sha256(b'other').hexdigest()
                if ref.startswith('sha256:'):
                    body = body.replace(b'"schemaVersion":2', b'"schemaVersion": 2')
            return self.send(200, body, {'Content-Type': desc['mediaType'], 'Docker-Content-Digest': dig})
        if kind == 'blobs':
            bp = blob_path(ref)
            if bp is None or not os.path.exists(bp):
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            return self.send(200, open(bp, 'rb').read(), {'Content-Type': 'application/octet-stream'})
        return self.send(404, b'')


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (cancel, size caps) are expected


srv = S(('127.0.0.1', 0), H)
tmp = args.ready_file + '.tmp'
with open(tmp, 'w') as f:
    f.write('127.0.0.1:%d' % srv.server_address[1])
os.replace(tmp, args.ready_file)
srv.serve_forever()
