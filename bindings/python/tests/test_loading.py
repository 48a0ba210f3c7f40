# SPDX-License-Identifier: MIT
"""Finding, loading and version-checking libstagegraph."""

import ast
import os
import re
import shutil
import unittest

import stagegraph
from stagegraph import _native

from . import _support


def _lib_or_skip():
    path = _support.library_file()
    if not path:
        raise unittest.SkipTest("set STAGEGRAPH_LIBRARY to the built library")
    return path


class LoadingTest(unittest.TestCase, _support.TempDirMixin):
    def test_env_var(self):
        lib = _lib_or_skip()
        proc = _support.run_python(
            "import stagegraph\n"
            "with stagegraph.parse('FROM scratch\\n') as df: df.verdict()\n"
            "print(stagegraph.library_path())\n",
            {"STAGEGRAPH_LIBRARY": lib},
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), lib)

    def test_set_library_file(self):
        lib = _lib_or_skip()
        proc = _support.run_python(
            "import stagegraph\n"
            "stagegraph.set_library_file(%r)\n"
            "with stagegraph.parse('FROM scratch\\n') as df: df.verdict()\n"
            "print(stagegraph.library_path())\n"
            "try:\n"
            "    stagegraph.set_library_file(%r)\n"
            "except stagegraph.StagegraphLibraryError as e:\n"
            "    print('refused:', e)\n" % (lib, lib)
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], lib)
        self.assertTrue(lines[1].startswith("refused: set_library_file() must be called before"), lines[1])
        self.assertIn(lib, lines[1])

    def test_set_library_file_wins_over_env(self):
        lib = _lib_or_skip()
        proc = _support.run_python(
            "import stagegraph, pathlib\n"
            "stagegraph.set_library_file(pathlib.Path(%r))\n"
            "print(stagegraph.library_path())\n" % lib,
            {"STAGEGRAPH_LIBRARY": "/nonexistent/libstagegraph.so.0.2"},
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), lib)

    def test_set_library_file_after_load_raises(self):
        stagegraph.library_path()  # loads
        with self.assertRaises(stagegraph.StagegraphLibraryError):
            stagegraph.set_library_file("/elsewhere/libstagegraph.so.0.2")
        with self.assertRaises(TypeError):
            stagegraph.set_library_file(42)

    def test_not_found_names_every_path_tried(self):
        bogus = "/nonexistent/stagegraph-test/libstagegraph.so.0.2"
        proc = _support.run_python(
            "import stagegraph\n"
            "try:\n"
            "    stagegraph.parse('FROM scratch\\n')\n"
            "except stagegraph.StagegraphLibraryError as e:\n"
            "    print(e)\n"
            "    raise SystemExit(3)\n",
            {"STAGEGRAPH_LIBRARY": bogus},
        )
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertIn("cannot load libstagegraph", proc.stdout)
        self.assertIn(bogus, proc.stdout)
        self.assertIn("$STAGEGRAPH_LIBRARY", proc.stdout)
        # The override is authoritative: it says so instead of silently
        # falling back to another copy.
        self.assertIn("no other location was tried", proc.stdout)

    def test_not_found_default_search(self):
        empty = self.make_tempdir()
        proc = _support.run_python(
            "import stagegraph\n"
            "try:\n"
            "    print('loaded', stagegraph.library_path())\n"
            "except stagegraph.StagegraphLibraryError as e:\n"
            "    print(e)\n",
            {"LD_LIBRARY_PATH": empty},
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        if proc.stdout.startswith("loaded"):
            self.skipTest("a libstagegraph is installed system-wide: " + proc.stdout.strip())
        self.assertIn("tried:", proc.stdout)
        self.assertIn("%s (dynamic loader)" % _native.SONAME, proc.stdout)
        self.assertIn("STAGEGRAPH_LIBRARY", proc.stdout)

    def test_bundled_library_next_to_package(self):
        lib = _lib_or_skip()
        root = self.make_tempdir()
        pkg = os.path.join(root, "stagegraph")
        shutil.copytree(
            os.path.join(_support.BINDING, "stagegraph"),
            pkg,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copyfile(os.path.realpath(lib), os.path.join(pkg, _native.SONAME))
        proc = _support.run_python(
            "import sys; sys.path.insert(0, %r)\n"
            "import stagegraph\n"
            "assert stagegraph.__file__.startswith(%r), stagegraph.__file__\n"
            "print(stagegraph.library_path())\n" % (root, root)
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), os.path.join(pkg, _native.SONAME))

    def test_no_find_library(self):
        for name in ("__init__.py", "_native.py", "_errors.py"):
            path = os.path.join(_support.BINDING, "stagegraph", name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute):
                    self.assertNotEqual(node.attr, "find_library", name)
                if isinstance(node, ast.Name):
                    self.assertNotEqual(node.id, "find_library", name)


_FAKE_VERSION = """
unsigned stagegraph_version(void) { return %s; }
"""


class VersionTest(unittest.TestCase, _support.TempDirMixin):
    def test_versions_agree(self):
        header = _support.read_header()
        want = re.search(r'#define STAGEGRAPH_VERSION_STRING "([^"]+)"', header).group(1)
        self.assertEqual(stagegraph.__version__, want)
        self.assertEqual(stagegraph.library_version(), want)
        major, minor, patch = (int(x) for x in want.split("."))
        self.assertEqual(
            _native.lib().stagegraph_version(), (major << 16) | (minor << 8) | patch
        )
        self.assertEqual(_native.ABI_VERSION, "%d.%d" % (major, minor))
        self.assertEqual(_native.SONAME, "libstagegraph.so.%d.%d" % (major, minor))

    def test_pyproject_version_is_the_package_version(self):
        with open(os.path.join(_support.BINDING, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn('dynamic = ["version"]', text)
        self.assertIn('version = { attr = "stagegraph._native.__version__" }', text)
        self.assertIn('requires-python = ">=3.8"', text)
        self.assertIn("dependencies = []", text)

    def test_check_version(self):
        _native.check_version(0x000200, "x")
        _native.check_version(0x000207, "x")
        for bad, text in (
            (0x000100, "0.1.0"), (0x000300, "0.3.0"), (0x000000, "0.0.0"), (0x010200, "1.2.0")
        ):
            with self.assertRaises(stagegraph.StagegraphLibraryError) as cm:
                _native.check_version(bad, "/some/libstagegraph.so")
            msg = str(cm.exception)
            self.assertIn(text, msg)
            self.assertIn("needs libstagegraph 0.2.x", msg)
            self.assertIn("/some/libstagegraph.so", msg)

    def _load_fake(self, source):
        d = self.make_tempdir()
        path = _support.build_shared(d, "libfake.so", source)
        proc = _support.run_python(
            "import stagegraph\n"
            "try:\n"
            "    stagegraph.parse('FROM scratch\\n')\n"
            "except stagegraph.StagegraphLibraryError as e:\n"
            "    print(e)\n"
            "    raise SystemExit(3)\n",
            {"STAGEGRAPH_LIBRARY": path},
        )
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertIn(path, proc.stdout)
        return proc.stdout

    def test_refuses_other_minor(self):
        out = self._load_fake(_FAKE_VERSION % "0x000900")
        self.assertIn("is libstagegraph 0.9.0", out)
        self.assertIn("needs libstagegraph 0.2.x", out)

    def test_missing_symbol_is_named(self):
        out = self._load_fake(_FAKE_VERSION % "0x000200")
        # The first table row after stagegraph_version is missing.
        self.assertIn("does not export stagegraph_version_string()", out)

    def test_not_a_stagegraph_library(self):
        out = self._load_fake("int unrelated(void) { return 0; }\n")
        self.assertIn("does not export stagegraph_version()", out)


if __name__ == "__main__":
    unittest.main()
