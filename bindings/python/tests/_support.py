# SPDX-License-Identifier: MIT
"""Paths and helpers shared by the binding's tests.

Environment (the Makefile's python-test target sets all of them):
  STAGEGRAPH_LIBRARY  the built libstagegraph.so.MAJOR.MINOR
  STAGEGRAPH_CORPUS   ../shared/corpus (corpus tests skip without it)
  STAGEGRAPH_CLI      build/bin/stagegraph (the CLI test skips without it)
  STAGEGRAPH_EXPANSION_VECTORS  BuildKit's expansion vectors (default:
                      <repo>/../shared/conformance/expansion)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(HERE)  # bindings/python
REPO = os.path.dirname(os.path.dirname(BINDING))
HEADER = os.path.join(REPO, "include", "stagegraph.h")
MAPFILE = os.path.join(REPO, "lib", "stagegraph.map")


def library_file():
    """The library under test: $STAGEGRAPH_LIBRARY, else the build tree's."""
    env = os.environ.get("STAGEGRAPH_LIBRARY")
    if env:
        return env
    import stagegraph._native as native

    path = os.path.join(REPO, "build", "lib", native.SONAME)
    return path if os.path.exists(path) else None


def corpus_dir():
    return os.environ.get("STAGEGRAPH_CORPUS") or None


def vectors_dir():
    env = os.environ.get("STAGEGRAPH_EXPANSION_VECTORS")
    if env:
        return env
    path = os.path.join(os.path.dirname(REPO), "shared", "conformance", "expansion")
    return path if os.path.isdir(path) else None


def read_header():
    if not os.path.exists(HEADER):
        raise unittest.SkipTest("include/stagegraph.h not found (not run from the source tree)")
    with open(HEADER, encoding="utf-8") as f:
        return f.read()


def run_python(code, env_updates=None, drop=("STAGEGRAPH_LIBRARY",), timeout=120):
    """Run ``code`` in a fresh interpreter that imports this binding.

    Returns CompletedProcess (text mode). ``drop`` lists environment
    variables to remove first; ``env_updates`` are then applied.
    """
    env = dict(os.environ)
    for name in drop:
        env.pop(name, None)
    env["PYTHONPATH"] = BINDING + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_updates or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=timeout,
    )


def c_compiler():
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def build_shared(tmpdir, name, source):
    """Compile ``source`` into tmpdir/name as a shared library (or skip)."""
    cc = c_compiler()
    if cc is None:
        raise unittest.SkipTest("no C compiler to build a test library")
    src = os.path.join(tmpdir, name + ".c")
    out = os.path.join(tmpdir, name)
    with open(src, "w") as f:
        f.write(source)
    proc = subprocess.run(
        [cc, "-shared", "-fPIC", "-o", out, src],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
    )
    if proc.returncode != 0:
        raise unittest.SkipTest("cannot build a test library: " + proc.stdout)
    return out


class TempDirMixin:
    def make_tempdir(self):
        d = tempfile.mkdtemp(prefix="stagegraph-test-")
        self.addCleanup(shutil.rmtree, d, True)
        return d
