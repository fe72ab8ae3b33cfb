"""Builds small OCI image layouts for tests from in-memory files (Python's
tarfile/gzip), so bad-input cases use real tar/gzip bytes."""
import gzip
import hashlib
import io
import json
import os
import tarfile


def tar_bytes(entries):
    """entries: list of (path, content-bytes | ('symlink', target) | ('hardlink', target) | ('dir',))."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, content in entries:
            info = tarfile.TarInfo(path)
            info.mtime = 1700000000
            if isinstance(content, tuple):
                kind = content[0]
                if kind == "symlink":
                    info.type, info.linkname = tarfile.SYMTYPE, content[1]
                elif kind == "hardlink":
                    info.type, info.linkname = tarfile.LNKTYPE, content[1]
                elif kind == "dir":
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _write_blob(root, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def write_layout(root, layers, tag="test", compress=True, raw_layers=None):
    """layers: list of tar bytes. raw_layers: list of already-encoded blobs (overrides)."""
    blobs = raw_layers if raw_layers is not None else [gzip.compress(t, mtime=0) if compress else t for t in layers]
    layer_descs = []
    for b in blobs:
        layer_descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": _write_blob(root, b), "size": len(b)})
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    cfg_digest = _write_blob(root, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest,
                                      "size": len(config)},
                           "layers": layer_descs}).encode()
    m_digest = _write_blob(root, manifest)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                      "digest": m_digest, "size": len(manifest),
                                                      "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
    return m_digest, [d["digest"] for d in layer_descs]


OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
STATUS = (b"Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n"
          b"Source: bash (5.2.15-2)\n\n"
          b"Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\nArchitecture: amd64\n\n")
