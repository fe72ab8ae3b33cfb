"""Issue 2 bad input: each case gives a clear error naming the image, layer
and path, a documented non-zero exit code, and no crash or hang."""
import gzip
import os
import shutil
import tempfile
import unittest

import harness
import ocibuild

EXIT_IMAGE = 3


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.env = {"LUCID_DATA_DIR": os.path.join(self.tmp, "data")}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def layout(self, layers=None, raw=None):
        root = os.path.join(self.tmp, "img%d" % len(os.listdir(self.tmp)))
        os.makedirs(root)
        m, ls = ocibuild.write_layout(root, layers or [], raw_layers=raw)
        return root, m, ls

    def scan(self, image, timeout=300):
        return harness.run(["scan", "--format", "json", image], env=self.env, timeout=timeout)

    def good_tar(self):
        return ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("var/lib/dpkg/info", ("dir",)),
                                   ("var/lib/dpkg/status", ocibuild.STATUS)])

    def test_good_minimal_image(self):
        root, _, _ = self.layout([self.good_tar()])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"bash"', r.stdout)
        self.assertNotIn('"removed"', r.stdout)

    def test_missing_layout(self):
        r = self.scan("oci:%s/nope:test" % self.tmp)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("nope", r.stderr)

    def test_unknown_tag(self):
        root, _, _ = self.layout([self.good_tar()])
        r = self.scan("oci:%s:other" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("other", r.stderr)

    def test_truncated_gzip(self):
        # Incompressible content, so that the cut lands inside the tar stream.
        tar = ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("big.bin", os.urandom(1 << 20))])
        blob = gzip.compress(tar)
        root, _, layers = self.layout(raw=[blob[: len(blob) // 2]])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn(layers[0], r.stderr)

    def test_digest_mismatch(self):
        # Same size, one byte changed inside a file: only the digest computed
        # while streaming can tell (the blob is an uncompressed tar).
        root, _, layers = self.layout(raw=[self.good_tar()])
        path = os.path.join(root, "blobs", "sha256", layers[0].split(":")[1])
        data = bytearray(open(path, "rb").read())
        data[600] ^= 1
        with open(path, "wb") as f:
            f.write(bytes(data))
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("digest", r.stderr.lower())
        self.assertIn(layers[0], r.stderr)

    def test_missing_blob(self):
        root, _, layers = self.layout([self.good_tar()])
        os.unlink(os.path.join(root, "blobs", "sha256", layers[0].split(":")[1]))
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn(layers[0], r.stderr)

    def test_damaged_blob_of_an_already_scanned_layer(self):
        # The layer is known by digest after the first scan and not re-read,
        # but a local image whose blob is now truncated or gone is refused.
        root, _, layers = self.layout([self.good_tar()])
        self.assertEqual(self.scan("oci:%s:test" % root).returncode, 0)
        hexdigest = layers[0].split(":")[1]
        path = os.path.join(root, "blobs", "sha256", hexdigest)
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn(hexdigest, r.stderr)
        self.assertIn("manifest says", r.stderr)
        os.unlink(path)
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn(hexdigest, r.stderr)

    def test_not_a_tar(self):
        root, _, layers = self.layout(raw=[gzip.compress(b"this is not a tar archive\n" * 100)])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn(layers[0], r.stderr)

    def test_member_escaping_root(self):
        tar = ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("../../etc/evil", b"x")])
        root, _, layers = self.layout([tar])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("../../etc/evil", r.stderr)

    def test_absolute_hardlink(self):
        tar = ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("var/lib/dpkg/status", ("hardlink", "/etc/shadow"))])
        root, _, _ = self.layout([tar])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("/etc/shadow", r.stderr)

    def test_symlink_loop_is_reported_not_hung(self):
        tar = ocibuild.tar_bytes([("etc/os-release", ("symlink", "os-release2")), ("etc/os-release2", ("symlink", "os-release"))])
        root, _, _ = self.layout([tar])
        r = self.scan("oci:%s:test" % root, timeout=60)
        # A loop where the distribution should be is explained, not fatal.
        self.assertIn(r.returncode, (0, EXIT_IMAGE), r.stderr)
        self.assertIn("os-release", r.stdout + r.stderr)

    def test_non_dpkg_status_file(self):
        tar = ocibuild.tar_bytes([("etc/os-release", ocibuild.OS_RELEASE), ("var/lib/dpkg/info", ("dir",)),
                                  ("var/lib/dpkg/status", b"\x00\x01binary garbage\nnot: a dpkg\n\n\xff\xfe")])
        root, _, _ = self.layout([tar])
        r = self.scan("oci:%s:test" % root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("var/lib/dpkg/status", r.stdout)  # explained in the notes

    def test_decompression_bomb_is_refused(self):
        # 1.5 GiB of zeros in one member compresses to a few MB of gzip.
        import io
        import tarfile
        import zlib
        root = os.path.join(self.tmp, "bomb")
        os.makedirs(root)
        size = 3 << 29
        info = tarfile.TarInfo("big")
        info.size = size
        header = info.tobuf(format=tarfile.PAX_FORMAT)
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [comp.compress(header)]
        zero = bytes(1 << 20)
        for _ in range(size >> 20):
            parts.append(comp.compress(zero))
        parts.append(comp.compress(bytes(1024)))
        parts.append(comp.flush())
        blob = b"".join(parts)
        ocibuild.write_layout(root, [], raw_layers=[blob])
        env = dict(self.env)
        env["LUCID_MAX_LAYER_BYTES"] = str(1 << 30)
        r = harness.run(["scan", "oci:%s:test" % root], env=env, timeout=300)
        self.assertEqual(r.returncode, EXIT_IMAGE, r.stderr)
        self.assertIn("large", r.stderr.lower())


if __name__ == "__main__":
    unittest.main()
