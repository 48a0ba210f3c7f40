# SPDX-License-Identifier: MIT
"""The declaration table, the mirrored structs and enums, against the
header, the built library and the export map."""

import ast
import ctypes
import fnmatch
import os
import re
import shutil
import subprocess
import unittest

import stagegraph
from stagegraph import _native

from . import _support

TABLE = {name: (argtypes, restype) for name, argtypes, restype in _native.FUNCTIONS}

# C type names of the public header -> their ctypes mirror; enums are added
# from the header text (header_ctypes).
BASE_CTYPES = {
    "void": None,
    "char": ctypes.c_char,
    "int": ctypes.c_int,
    "unsigned": ctypes.c_uint,
    "size_t": ctypes.c_size_t,
    "uint32_t": ctypes.c_uint32,
}


def header_ctypes(header):
    types = dict(BASE_CTYPES)
    types.update(_native.CTYPES)
    for name in re.findall(r"typedef enum \w+ \{[^}]*\} (\w+);", header):
        types[name] = ctypes.c_int
    return types


def _strip_c(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"\\\n", " ", text)
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def header_functions(header):
    """{name: (return type text, [param type texts])} of STAGEGRAPH_EXTERN."""
    code = _strip_c(header)
    out = {}
    for m in re.finditer(
        r"STAGEGRAPH_EXTERN\s+([^;(]*?)\b(stagegraph_\w+)\s*\(([^;]*?)\)\s*;", code, re.S
    ):
        ret, name, params = m.group(1), m.group(2), m.group(3).strip()
        plist = [] if params in ("", "void") else [p.strip() for p in params.split(",")]
        # Drop the parameter names: the last identifier unless it is the type.
        types = []
        for p in plist:
            p = " ".join(p.split())
            m2 = re.match(r"^(.*?[\s*])(\w+)$", p)
            types.append(m2.group(1).strip() if m2 and m2.group(1).strip() else p)
        out[name] = (" ".join(ret.split()), types)
    return out


def expected_ctypes(ctext, types):
    """The acceptable ctypes types for a C type text."""
    stars = ctext.count("*")
    base = ctext.replace("*", " ").replace("const", " ").split()
    if len(base) != 1 or base[0] not in types:
        raise AssertionError("C type %r has no mirror in _native.CTYPES" % ctext)
    options = [types[base[0]]]
    for _ in range(stars):
        nxt = []
        for t in options:
            if t is ctypes.c_char:
                nxt += [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char)]
            elif t is None:
                nxt.append(ctypes.c_void_p)
            else:
                nxt.append(ctypes.POINTER(t))
        options = nxt
    return options


def header_enum(header, tag, prefix):
    body = re.search(r"typedef enum %s \{(.*?)\}" % tag, _strip_c(header), re.S).group(1)
    values, nxt = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        m = re.match(r"%s(\w+)(?:\s*=\s*(-?\d+))?$" % prefix, item)
        assert m, item
        value = int(m.group(2)) if m.group(2) is not None else nxt
        values[m.group(1)] = value
        nxt = value + 1
    return values


class TableTest(unittest.TestCase):
    def test_rows_are_triples_with_restype(self):
        names = [row[0] for row in _native.FUNCTIONS]
        self.assertEqual(len(names), len(set(names)), "duplicate rows")
        for row in _native.FUNCTIONS:
            self.assertEqual(len(row), 3, row)
            self.assertTrue(row[0].startswith("stagegraph_"), row)
            self.assertIsInstance(row[1], list, row)

    def test_table_matches_header_exactly(self):
        header = _support.read_header()
        decls = header_functions(header)
        types = header_ctypes(header)
        self.assertGreater(len(decls), 50)
        self.assertEqual(sorted(set(decls) - set(TABLE)), [], "declared but not in the table")
        self.assertEqual(sorted(set(TABLE) - set(decls)), [], "in the table but not declared")
        for name, (ret, params) in sorted(decls.items()):
            argtypes, restype = TABLE[name]
            self.assertIn(restype, expected_ctypes(ret, types), "%s returns %s" % (name, ret))
            self.assertEqual(len(argtypes), len(params), "%s%r" % (name, params))
            for i, (got, ctext) in enumerate(zip(argtypes, params)):
                self.assertIn(got, expected_ctypes(ctext, types), "%s arg %d is %s" % (name, i, ctext))

    def test_table_matches_exported_symbols(self):
        lib = _support.library_file()
        if not lib:
            self.skipTest("set STAGEGRAPH_LIBRARY to the built library")
        nm = shutil.which("nm")
        if nm is None:
            self.skipTest("nm not installed")
        out = subprocess.run(
            [nm, "-D", "--defined-only", lib],
            stdout=subprocess.PIPE,
            universal_newlines=True,
            check=True,
        ).stdout
        exported = set()
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "TtWiI":
                exported.add(fields[2].split("@")[0])
        exported = {n for n in exported if n.startswith("stagegraph")}
        self.assertEqual(sorted(exported - set(TABLE)), [], "exported but not in the table")
        self.assertEqual(sorted(set(TABLE) - exported), [], "in the table but not exported")

    def test_table_names_are_in_the_export_map(self):
        if not os.path.exists(_support.MAPFILE):
            self.skipTest("lib/stagegraph.map not found")
        with open(_support.MAPFILE, encoding="utf-8") as f:
            text = _strip_c(f.read())
        patterns = []
        for block in re.findall(r"global:(.*?)(?:local:|\})", text, re.S):
            patterns += [p.strip() for p in block.split(";") if p.strip()]
        self.assertTrue(patterns)
        for name in TABLE:
            self.assertTrue(
                any(fnmatch.fnmatchcase(name, p) for p in patterns), name + " not in the map"
            )

    def test_every_table_name_resolves(self):
        lib = _native.lib()
        for name in TABLE:
            self.assertTrue(callable(getattr(lib, name)), name)

    def test_handles_are_distinct_types(self):
        lib = _native.lib()
        with stagegraph.parse("FROM a\n") as df:
            h = df._acquire()
            try:
                ins = lib.stagegraph_doc_instruction(h, 0)
                self.assertIsInstance(ins, ctypes.POINTER(_native.InstructionHandle))
                with self.assertRaises(ctypes.ArgumentError):
                    lib.stagegraph_instruction_keyword(h)  # a doc is not an instruction
                with self.assertRaises(ctypes.ArgumentError):
                    lib.stagegraph_doc_stage_count(ins)
                self.assertEqual(lib.stagegraph_instruction_keyword(ins), b"FROM")
            finally:
                df._release()

    def test_package_only_calls_table_functions(self):
        used = set()
        for fname in ("__init__.py", "_native.py"):
            with open(os.path.join(_support.BINDING, "stagegraph", fname), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr.startswith("stagegraph_"):
                    used.add(node.attr)
        self.assertGreater(len(used), 50)
        self.assertEqual(sorted(used - set(TABLE)), [])


class MirrorTest(unittest.TestCase, _support.TempDirMixin):
    def _size_written_by(self, fn):
        # Offered more room than any struct needs, an init function writes
        # only the library's own struct and stores its size.
        big = ctypes.create_string_buffer(4096)
        fn(ctypes.cast(big, fn.argtypes[0]), len(big))
        return ctypes.c_size_t.from_buffer(big).value

    def test_struct_sizes_match_the_library(self):
        lib = _native.lib()
        self.assertEqual(
            self._size_written_by(lib.stagegraph_options_init), ctypes.sizeof(_native.Options)
        )
        self.assertEqual(
            self._size_written_by(lib.stagegraph_error_init), ctypes.sizeof(_native.Error)
        )
        for name, cls in (
            ("stagegraph_plan_options_init", _native.PlanOptions),
            ("stagegraph_cache_options_init", _native.CacheOptions),
            ("stagegraph_lint_options_init", _native.LintOptions),
        ):
            self.assertEqual(self._size_written_by(getattr(lib, name)), ctypes.sizeof(cls), name)

    def test_struct_layouts_match_the_header(self):
        header = _support.read_header()  # noqa: F841 (skips outside the tree)
        structs = {
            "stagegraph_error": _native.Error,
            "stagegraph_buf": _native.Buf,
            "stagegraph_options": _native.Options,
            "stagegraph_allocator": _native.Allocator,
            "stagegraph_plan_options": _native.PlanOptions,
            "stagegraph_cache_options": _native.CacheOptions,
            "stagegraph_lint_options": _native.LintOptions,
        }
        lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "stagegraph.h"', "int main(void) {"]
        expected = []
        for cname, cls in structs.items():
            lines.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
            expected.append("%s %d" % (cname, ctypes.sizeof(cls)))
            for field in cls._fields_:
                fname = field[0]
                lines.append(
                    'printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (cname, fname, cname, fname)
                )
                expected.append("%s.%s %d" % (cname, fname, getattr(cls, fname).offset))
        lines.append("return 0; }")
        cc = _support.c_compiler()
        if cc is None:
            self.skipTest("no C compiler")
        d = self.make_tempdir()
        src = os.path.join(d, "layout.c")
        exe = os.path.join(d, "layout")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = subprocess.run(
            [cc, "-std=c11", "-I", os.path.dirname(_support.HEADER), "-o", exe, src],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
        )
        self.assertEqual(proc.returncode, 0, proc.stdout)
        got = subprocess.run([exe], stdout=subprocess.PIPE, universal_newlines=True, check=True)
        self.assertEqual(got.stdout.splitlines(), expected)
        self.assertEqual(_native.MESSAGE_MAX, int(re.search(
            r"#define STAGEGRAPH_MESSAGE_MAX (\d+)", header).group(1)))

    def test_code_enum_matches_library_and_header(self):
        lib = _native.lib()
        for code in stagegraph.Code:
            self.assertEqual(lib.stagegraph_code_name(code).decode(), code.name)
        # No code of the library is missing from the enum.
        for value in range(-200, 1):
            name = lib.stagegraph_code_name(value).decode()
            if name != "EUNKNOWN":
                self.assertEqual(stagegraph.Code(value).name, name)
        header = header_enum(_support.read_header(), "stagegraph_code", "STAGEGRAPH_")
        self.assertEqual(header, {c.name: int(c) for c in stagegraph.Code})

    def test_kind_enum_matches_library_and_header(self):
        lib = _native.lib()
        for kind in stagegraph.Kind:
            want = "" if kind is stagegraph.Kind.UNKNOWN else kind.name
            self.assertEqual(lib.stagegraph_kind_name(kind).decode(), want)
        self.assertEqual(lib.stagegraph_kind_name(len(stagegraph.Kind)).decode(), "")
        header = header_enum(_support.read_header(), "stagegraph_kind", "STAGEGRAPH_KIND_")
        self.assertEqual(header, {k.name: int(k) for k in stagegraph.Kind})

    def test_severity_and_dump_format_match_header(self):
        header = _support.read_header()
        sev = header_enum(header, "stagegraph_severity", "STAGEGRAPH_SEVERITY_")
        self.assertEqual(sev, {s.name: int(s) for s in stagegraph.Severity})
        fmt = header_enum(header, "stagegraph_dump_format", "STAGEGRAPH_DUMP_")
        from stagegraph import _FORMATS

        self.assertEqual(fmt, {k.upper(): v for k, v in _FORMATS.items()})


    def test_analysis_enums_match_header_and_library(self):
        header = _support.read_header()
        from stagegraph import _RENDER_FORMATS

        fmt = header_enum(header, "stagegraph_format", "STAGEGRAPH_FORMAT_")
        self.assertEqual(fmt, {k.upper(): v for k, v in _RENDER_FORMATS.items()})
        lib = _native.lib()
        # The strings the binding hands out come from these functions.
        edge = header_enum(header, "stagegraph_edge_kind", "STAGEGRAPH_EDGE_")
        self.assertEqual({lib.stagegraph_edge_kind_name(v).decode(): k for k, v in edge.items()},
                         {"from": "FROM", "copy": "COPY", "mount": "MOUNT"})
        status = header_enum(header, "stagegraph_cache_status", "STAGEGRAPH_")
        self.assertEqual(sorted(lib.stagegraph_cache_status_name(v).decode() for v in status.values()),
                         ["cached", "invalidated", "maybe"])
        inputs = header_enum(header, "stagegraph_input_kind", "STAGEGRAPH_INPUT_")
        self.assertEqual({lib.stagegraph_input_kind_name(v).decode() for v in inputs.values()},
                         {k.lower() for k in inputs})
        self.assertEqual(_native.NONE, ctypes.c_size_t(-1).value)

    def test_options_structs_carry_their_own_size(self):
        for cls in (_native.PlanOptions, _native.CacheOptions, _native.LintOptions):
            opts = _native.new_struct(cls)
            self.assertEqual(opts.size, ctypes.sizeof(cls))
            self.assertEqual(cls._fields_[0][0], "size")


if __name__ == "__main__":
    unittest.main()
