# SPDX-License-Identifier: MIT
"""Image references (Docker's normalisation rules)."""

import builtins
import unittest

import stagegraph
from stagegraph import Code, Reference

D0 = "sha256:" + "0" * 64
D1 = "sha256:" + "1" * 64


class ReferenceTest(unittest.TestCase):
    def test_normalisation(self):
        cases = {
            "alpine": Reference("docker.io", "library/alpine", "latest", None,
                                "docker.io/library/alpine:latest", "alpine"),
            "alpine:3.19": Reference("docker.io", "library/alpine", "3.19", None,
                                     "docker.io/library/alpine:3.19", "alpine:3.19"),
            "ubuntu@" + D0: Reference("docker.io", "library/ubuntu", None, D0,
                                      "docker.io/library/ubuntu@" + D0, "ubuntu@" + D0),
            "gcr.io/distroless/static:nonroot": Reference(
                "gcr.io", "distroless/static", "nonroot", None,
                "gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:nonroot"),
            "localhost:5000/foo/bar:1": Reference(
                "localhost:5000", "foo/bar", "1", None,
                "localhost:5000/foo/bar:1", "localhost:5000/foo/bar:1"),
            "docker.io/library/alpine": Reference("docker.io", "library/alpine", "latest", None,
                                                  "docker.io/library/alpine:latest", "alpine"),
            "index.docker.io/x/y": Reference("docker.io", "x/y", "latest", None,
                                             "docker.io/x/y:latest", "x/y"),
            "myorg/app:v1@" + D1: Reference("docker.io", "myorg/app", "v1", D1,
                                            "docker.io/myorg/app:v1@" + D1, "myorg/app:v1@" + D1),
        }
        for text, want in cases.items():
            with self.subTest(text=text):
                got = stagegraph.parse_reference(text)
                self.assertEqual(got, want)
                self.assertEqual(str(got), want.normalized)
        self.assertEqual(stagegraph.parse_reference(b"alpine").normalized,
                         "docker.io/library/alpine:latest")

    def test_invalid(self):
        with self.assertRaises(stagegraph.InvalidReferenceError) as cm:
            stagegraph.parse_reference("Alpine")
        e = cm.exception
        self.assertEqual(e.code, Code.EREFERENCE)
        self.assertEqual(e.name, "EREFERENCE")
        self.assertEqual(
            e.message,
            "invalid reference format: repository name (library/Alpine) must be lowercase",
        )
        for bad in ("", "a b", "alpine:", "alpine@sha256:abc", "-x"):
            with self.subTest(bad=bad):
                with self.assertRaises(stagegraph.InvalidReferenceError) as cm:
                    stagegraph.parse_reference(bad)
                self.assertTrue(cm.exception.message.startswith("invalid reference format"))
        # It is not (and does not shadow) the builtin ReferenceError.
        self.assertFalse(issubclass(stagegraph.InvalidReferenceError, builtins.ReferenceError))
        self.assertIs(ReferenceError, builtins.ReferenceError)
        with self.assertRaises(TypeError):
            stagegraph.parse_reference(None)


if __name__ == "__main__":
    unittest.main()
