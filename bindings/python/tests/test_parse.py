# SPDX-License-Identifier: MIT
"""Parsing: every field of the document, instructions and stages, checked
against values derived by hand from the input text."""

import json
import os
import pathlib
import unittest

import stagegraph
from stagegraph import Code, Kind, Severity

from . import _support

MULTI = (
    "# syntax=docker/dockerfile:1\n"  # 1
    "ARG BASE=alpine:3.19\n"  # 2
    "\n"  # 3
    "# builder compiles the app\n"  # 4
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS Builder\n"  # 5
    "WORKDIR /src\n"  # 6
    'ENV CGO_ENABLED=0 GOFLAGS="-mod=vendor -trimpath"\n'  # 7
    'LABEL maintainer="Jane Doe" version=1.0\n'  # 8
    "RUN --mount=type=cache,target=/root/.cache \\\n"  # 9
    "    go build -o /out/app ./cmd/app\n"  # 10
    "\n"  # 11
    "FROM ${BASE} AS runtime\n"  # 12
    "ARG UID=1000 GID\n"  # 13
    "COPY --from=builder --chmod=755 /out/app /usr/local/bin/app\n"  # 14
    "ENV PATH=/usr/local/bin:$PATH\n"  # 15
    "ENV LEGACY value with spaces\n"  # 16
    "USER ${UID}\n"  # 17
    'ENTRYPOINT ["app", "--serve"]\n'  # 18
    "\n"  # 19
    "FROM runtime\n"  # 20
    "CMD echo done"  # 21, no final newline
)

# (keyword, kind, flags, args, is_json, start_line, end_line, first line text)
EXPECTED = [
    ("ARG", Kind.ARG, [], ["BASE=alpine:3.19"], False, 2, 2, "ARG BASE"),
    (
        "FROM",
        Kind.FROM,
        ["--platform=$BUILDPLATFORM"],
        ["golang:1.22", "AS", "Builder"],
        False,
        5,
        5,
        "FROM --platform",
    ),
    ("WORKDIR", Kind.WORKDIR, [], ["/src"], False, 6, 6, "WORKDIR"),
    (
        "ENV",
        Kind.ENV,
        [],
        ["CGO_ENABLED", "0", "=", "GOFLAGS", '"-mod=vendor -trimpath"', "="],
        False,
        7,
        7,
        "ENV CGO",
    ),
    (
        "LABEL",
        Kind.LABEL,
        [],
        ["maintainer", '"Jane Doe"', "=", "version", "1.0", "="],
        False,
        8,
        8,
        "LABEL",
    ),
    (
        "RUN",
        Kind.RUN,
        ["--mount=type=cache,target=/root/.cache"],
        ["go build -o /out/app ./cmd/app"],
        False,
        9,
        10,
        "RUN --mount",
    ),
    ("FROM", Kind.FROM, [], ["${BASE}", "AS", "runtime"], False, 12, 12, "FROM ${BASE}"),
    ("ARG", Kind.ARG, [], ["UID=1000", "GID"], False, 13, 13, "ARG UID"),
    (
        "COPY",
        Kind.COPY,
        ["--from=builder", "--chmod=755"],
        ["/out/app", "/usr/local/bin/app"],
        False,
        14,
        14,
        "COPY",
    ),
    ("ENV", Kind.ENV, [], ["PATH", "/usr/local/bin:$PATH", "="], False, 15, 15, "ENV PATH"),
    ("ENV", Kind.ENV, [], ["LEGACY", "value with spaces", ""], False, 16, 16, "ENV LEGACY"),
    ("USER", Kind.USER, [], ["${UID}"], False, 17, 17, "USER"),
    ("ENTRYPOINT", Kind.ENTRYPOINT, [], ["app", "--serve"], True, 18, 18, "ENTRYPOINT"),
    ("FROM", Kind.FROM, [], ["runtime"], False, 20, 20, "FROM runtime"),
    ("CMD", Kind.CMD, [], ["echo done"], False, 21, 21, "CMD"),
]


class MultiStageTest(unittest.TestCase):
    def setUp(self):
        self.df = stagegraph.parse(MULTI, path="Dockerfile.multi")
        self.addCleanup(self.df.close)

    def test_document(self):
        df = self.df
        self.assertEqual(df.path, "Dockerfile.multi")
        self.assertEqual(df.escape, "\\")
        self.assertEqual(df.directives, [("syntax", "docker/dockerfile:1", 1)])
        d = df.directives[0]
        self.assertEqual((d.key, d.value, d.line), ("syntax", "docker/dockerfile:1", 1))
        self.assertEqual(df.diagnostics, [])
        self.assertIsNone(df.verdict())
        self.assertFalse(df.closed)

    def test_instructions(self):
        got = self.df.instructions
        self.assertEqual(len(got), len(EXPECTED))
        starts = []
        for i, (ins, exp) in enumerate(zip(got, EXPECTED)):
            keyword, kind, flags, args, is_json, start, end, head = exp
            with self.subTest(i=i, keyword=keyword):
                self.assertEqual(ins.index, i)
                self.assertEqual(ins.keyword, keyword)
                self.assertIs(ins.kind, kind)
                self.assertEqual(ins.kind.name, keyword)
                self.assertEqual(ins.flags, flags)
                self.assertEqual(ins.args, args)
                self.assertIs(ins.is_json, is_json)
                self.assertEqual((ins.start_line, ins.end_line), (start, end))
                self.assertIsNone(ins.trigger)
                self.assertEqual(ins.heredocs, [])
                # Offsets: from the keyword to just past the last line's
                # newline (the end of input for the last instruction).
                self.assertEqual(ins.start_offset, MULTI.index(head))
                self.assertTrue(MULTI.startswith(keyword, ins.start_offset))
                starts.append(ins.start_offset)
        for ins in got:
            self.assertEqual(ins.dockerfile, self.df)
        # Hand-counted: line 1 is 29 bytes, line 2 21, line 3 1, line 4 27.
        self.assertEqual((got[0].start_offset, got[0].end_offset), (29, 50))
        self.assertEqual((got[1].start_offset, got[1].end_offset), (78, 132))
        self.assertEqual(got[-1].end_offset, len(MULTI))
        self.assertEqual(got[5].end_offset, MULTI.index("\n\nFROM ${BASE}") + 1)
        self.assertEqual(starts, sorted(starts))

    def test_original_and_comments(self):
        ins = self.df.instructions
        self.assertEqual(ins[0].original, "ARG BASE=alpine:3.19")
        self.assertEqual(
            ins[5].original,
            "RUN --mount=type=cache,target=/root/.cache     go build -o /out/app ./cmd/app",
        )
        self.assertEqual(ins[-1].original, "CMD echo done")
        self.assertEqual(ins[1].comments, ["builder compiles the app"])
        self.assertEqual(ins[0].comments, [])  # the directive is not a comment
        self.assertEqual([i.comments for i in ins[2:]], [[]] * (len(ins) - 2))

    def test_flag_values(self):
        ins = self.df.instructions
        copy = ins[8]
        self.assertEqual(copy.flag_value("from"), "builder")
        self.assertEqual(copy.flag_value("chmod"), "755")
        self.assertIsNone(copy.flag_value("from", 1))
        self.assertIsNone(copy.flag_value("chown"))
        self.assertEqual(ins[1].flag_value("platform"), "$BUILDPLATFORM")
        self.assertEqual(ins[5].flag_value("mount"), "type=cache,target=/root/.cache")
        self.assertIsNone(ins[5].flag_value("mount", 1))
        with self.assertRaises(ValueError):
            copy.flag_value("from", -1)
        with self.assertRaises(ValueError):
            copy.flag_value("fr\0om")

    def test_stages(self):
        stages = self.df.stages
        ins = self.df.instructions
        self.assertEqual(len(stages), 3)
        s0, s1, s2 = stages
        self.assertEqual([s.index for s in stages], [0, 1, 2])
        self.assertEqual(s0.name, "builder")  # lowercased
        self.assertEqual(s0.base, "golang:1.22")
        self.assertEqual(s0.platform, "$BUILDPLATFORM")
        self.assertEqual(s0.description, "compiles the app")
        self.assertEqual(s0.from_instruction, ins[1])
        self.assertEqual(s0.instructions, ins[2:6])
        self.assertEqual(s1.name, "runtime")
        self.assertEqual(s1.base, "${BASE}")  # unexpanded
        self.assertIsNone(s1.platform)
        self.assertEqual(s1.description, "")
        self.assertEqual(s1.from_instruction, ins[6])
        self.assertEqual(s1.instructions, ins[7:13])
        self.assertIsNone(s2.name)
        self.assertEqual(s2.base, "runtime")
        self.assertEqual(s2.from_instruction, ins[13])
        self.assertEqual(s2.instructions, [ins[14]])
        self.assertEqual(self.df.meta_args, [ins[0]])
        self.assertEqual(stages[1], self.df.stages[1])
        self.assertNotEqual(stages[0], stages[1])
        self.assertEqual(len({s0, self.df.stages[0], s1}), 2)

    def test_dockerfile_parse_conveniences(self):
        df = self.df
        self.assertTrue(df.is_multistage)
        # ARGs expanded, and FROM runtime resolved to runtime's image.
        self.assertEqual(df.baseimage, "alpine:3.19")
        self.assertEqual(df.parent_images, ["golang:1.22", "alpine:3.19", "alpine:3.19"])
        self.assertEqual([s.base for s in df.stages], ["golang:1.22", "${BASE}", "runtime"])
        s0, s1, s2 = df.stages
        self.assertEqual(s0.envs, {"CGO_ENABLED": "0", "GOFLAGS": "-mod=vendor -trimpath"})
        self.assertEqual(s0.labels, {"maintainer": "Jane Doe", "version": "1.0"})
        self.assertEqual(s0.args, {})
        self.assertEqual(s1.envs, {"PATH": "/usr/local/bin:$PATH", "LEGACY": "value with spaces"})
        self.assertEqual(s1.labels, {})
        self.assertEqual(s1.args, {"UID": "1000", "GID": None})
        self.assertEqual((df.labels, df.envs, df.args), ({}, {}, {}))  # the last stage's

    def test_single_stage_conveniences(self):
        src = (
            "FROM python:3.12-slim\n"
            "LABEL \"org.opencontainers.image.title\"='demo' a=b a=c\n"
            "ENV A=1\n"
            "ENV A=2 B='x y'\n"
            "ARG V=\"1.0\"\n"
        )
        with stagegraph.parse(src) as df:
            self.assertFalse(df.is_multistage)
            self.assertEqual(df.baseimage, "python:3.12-slim")
            self.assertEqual(df.parent_images, ["python:3.12-slim"])
            self.assertEqual(df.labels, {"org.opencontainers.image.title": "demo", "a": "c"})
            self.assertEqual(df.envs, {"A": "2", "B": "x y"})
            self.assertEqual(df.args, {"V": "1.0"})
            # The exact text, quotes as written, is in the args.
            self.assertEqual(df.instructions[3].args, ["A", "2", "=", "B", "'x y'", "="])

    def test_dump_json(self):
        data = json.loads(self.df.dump("json"))
        self.assertEqual(data["schema"], "stagegraph.ast/1")
        self.assertEqual(data["escape"], "\\")
        self.assertEqual(len(data["instructions"]), len(EXPECTED))
        self.assertEqual(data["instructions"][3]["args"], EXPECTED[3][3])
        with self.assertRaises(ValueError):
            self.df.dump("yaml")


class FormsTest(unittest.TestCase):
    def test_heredocs(self):
        src = (
            "FROM alpine\n"  # 1
            "RUN <<EOF\n"  # 2
            "echo hello\n"  # 3
            "EOF\n"  # 4
            'COPY <<-"END" /etc/conf\n'  # 5
            "\tkey=value\n"  # 6
            "\tEND\n"  # 7
            "RUN 3<<IN cat /dev/fd/3\n"  # 8
            "data\n"  # 9
            "IN\n"  # 10
        )
        with stagegraph.parse(src) as df:
            run, copy, fd = df.instructions[1:]
            self.assertEqual(run.heredocs, [stagegraph.Heredoc("EOF", "echo hello\n", True, False, 0)])
            self.assertEqual(run.args, ["<<EOF"])
            self.assertEqual(run.original, "RUN <<EOF")
            self.assertEqual((run.start_line, run.end_line), (2, 4))
            self.assertEqual((run.start_offset, run.end_offset), (12, 37))
            h = copy.heredocs[0]
            self.assertEqual(h.name, "END")
            self.assertEqual(h.content, "\tkey=value\n")  # verbatim, not chomped
            self.assertFalse(h.expand)  # quoted delimiter
            self.assertTrue(h.chomp)  # <<-
            self.assertEqual(h.fd, 0)
            self.assertEqual(copy.args, ['<<-"END"', "/etc/conf"])
            self.assertEqual((copy.start_line, copy.end_line), (5, 7))
            self.assertEqual(fd.heredocs, [stagegraph.Heredoc("IN", "data\n", True, False, 3)])
            self.assertEqual((fd.start_line, fd.end_line), (8, 10))
            self.assertEqual(df.dump(), '(from "alpine")\n(run "<<EOF")\n(copy "<<-\\"END\\"" "/etc/conf")\n(run "3<<IN cat /dev/fd/3")\n')

    def test_onbuild_trigger(self):
        with stagegraph.parse("FROM alpine\nONBUILD RUN echo hi\nONBUILD COPY --chown=1 . /src\n") as df:
            onbuild, onbuild2 = df.instructions[1:]
            self.assertIs(onbuild.kind, Kind.ONBUILD)
            self.assertEqual(onbuild.args, [])
            t = onbuild.trigger
            self.assertIsInstance(t, stagegraph.Instruction)
            self.assertIs(t.kind, Kind.RUN)
            self.assertEqual(t.keyword, "RUN")
            self.assertEqual(t.args, ["echo hi"])
            self.assertEqual(t.index, onbuild.index)  # shares its ONBUILD's index
            self.assertIsNone(t.trigger)
            self.assertNotEqual(t, onbuild)
            t2 = onbuild2.trigger
            self.assertIs(t2.kind, Kind.COPY)
            self.assertEqual(t2.flags, ["--chown=1"])
            self.assertEqual(t2.args, [".", "/src"])
            self.assertEqual(df.dump(), '(from "alpine")\n(onbuild (run "echo hi"))\n(onbuild (copy ["--chown=1"] "." "/src"))\n')

    def test_json_form_and_nul(self):
        src = 'FROM alpine\nCMD ["a\\u0000b", "\\u00e9", "x\\"y", "\\/"]\nRUN ["sh", "-c", "echo"]\nRUN echo "not json"\n'
        with stagegraph.parse(src) as df:
            cmd, run, shell = df.instructions[1:]
            self.assertTrue(cmd.is_json)
            self.assertEqual(cmd.args, ["a\0b", "\u00e9", 'x"y', "/"])
            self.assertTrue(run.is_json)
            self.assertEqual(run.args, ["sh", "-c", "echo"])
            self.assertFalse(shell.is_json)
            self.assertEqual(shell.args, ['echo "not json"'])

    def test_non_utf8_round_trips(self):
        with stagegraph.parse(b"FROM alpine\nRUN echo \xff\xfe\n") as df:
            arg = df.instructions[1].args[0]
            self.assertEqual(arg, "echo \udcff\udcfe")
            self.assertEqual(arg.encode("utf-8", "surrogateescape"), b"echo \xff\xfe")
        # And back in: a surrogate-escaped str is encoded to the same bytes.
        with stagegraph.parse("FROM alpine\nRUN echo \udcff\n") as df:
            self.assertEqual(df.instructions[1].original, "RUN echo \udcff")

    def test_escape_directive(self):
        with stagegraph.parse("# escape=`\nFROM alpine\nRUN echo a `\n  b\n") as df:
            self.assertEqual(df.escape, "`")
            self.assertEqual(df.directives, [("escape", "`", 1)])
            run = df.instructions[1]
            self.assertEqual(run.args, ["echo a   b"])
            self.assertEqual((run.start_line, run.end_line), (3, 4))

    def test_comment_before_first_instruction(self):
        with stagegraph.parse("# comment\n\nFROM alpine") as df:
            ins = df.instructions[0]
            self.assertEqual(ins.comments, ["comment"])
            self.assertEqual((ins.start_line, ins.start_offset, ins.end_offset), (3, 11, 22))

    def test_input_types(self):
        for src in ("FROM a\n", b"FROM a\n", bytearray(b"FROM a\n"), memoryview(b"FROM a\n")):
            with stagegraph.parse(src) as df:
                self.assertEqual(df.stages[0].base, "a")
        for bad in (None, 42, ["FROM a"]):
            with self.assertRaises(TypeError):
                stagegraph.parse(bad)
        with self.assertRaises(TypeError):
            stagegraph.parse(pathlib.Path("Dockerfile"))

    def test_options(self):
        src = "ARG V\nFROM alpine:${V}\n"
        with stagegraph.parse(src, build_args={"V": "3.19", "EMPTY": None}, platform="linux/arm64/v8",
                              build_platform="linux/amd64") as df:
            self.assertEqual(df.stages[0].base, "alpine:${V}")  # as written
        for bad in ({"A=B": "1"}, {"": "1"}, {"A": "x\0y"}):
            with self.assertRaises(ValueError):
                stagegraph.parse(src, build_args=bad)
        with self.assertRaises(TypeError):
            stagegraph.parse(src, build_args=["V=1"])
        with self.assertRaises(TypeError):
            stagegraph.parse(src, build_args={"V": 1})
        with self.assertRaises(ValueError):
            stagegraph.parse(src, limits={"max_bogus": 1})
        with self.assertRaises(ValueError):
            stagegraph.parse(src, platform="linux\0")

    def test_parse_file(self):
        d = _support.TempDirMixin()
        d.addCleanup = self.addCleanup
        tmp = d.make_tempdir()
        path = os.path.join(tmp, "Dockerfile")
        with open(path, "w") as f:
            f.write(MULTI)
        for p in (path, pathlib.Path(path), os.fsencode(path)):
            with stagegraph.parse_file(p) as df:
                self.assertEqual(df.path, path)
                self.assertEqual(len(df.stages), 3)
                self.assertEqual(df.instructions[1].args, ["golang:1.22", "AS", "Builder"])
        with self.assertRaises(TypeError):
            stagegraph.parse_file(42)


class DiagnosticsTest(unittest.TestCase):
    def test_empty_continuation_warning(self):
        with stagegraph.parse("FROM alpine\nRUN echo a \\\n\n  b\n") as df:
            self.assertIsNone(df.verdict())  # warnings do not fail
            (d,) = df.diagnostics
            self.assertIs(d.severity, Severity.WARNING)
            self.assertIs(d.code, Code.OK)
            self.assertEqual(d.rule, "NoEmptyContinuation")
            self.assertEqual(d.message, "Empty continuation line found in: RUN echo a   b")
            self.assertEqual((d.line, d.column), (4, 1))
            self.assertEqual(df.instructions[1].args, ["echo a   b"])

    def test_instruction_errors_are_diagnostics_and_verdict(self):
        src = "FROM alpine\nCOPY --user=x a b\nFROBNICATE now\n"
        with stagegraph.parse(src, path="bad/Dockerfile") as df:
            d1, d2 = df.diagnostics
            self.assertEqual(
                d1,
                stagegraph.Diagnostic(
                    Severity.ERROR,
                    Code.EINSTRUCTION,
                    None,
                    "dockerfile parse error on line 2: unknown flag: --user",
                    2,
                    1,
                    d1.end_line,
                    d1.end_column,
                    None,
                    len("FROM alpine\n"),  # offset of line 2, column 1
                ),
            )
            self.assertIs(d2.severity, Severity.ERROR)
            self.assertEqual(d2.message, "dockerfile parse error on line 3: unknown instruction: FROBNICATE")
            self.assertEqual(d2.line, 3)
            with self.assertRaises(stagegraph.ParseError) as cm:
                df.verdict()
            e = cm.exception
            self.assertEqual(e.code, Code.EINSTRUCTION)
            self.assertEqual(e.name, "EINSTRUCTION")
            self.assertEqual(e.message, "dockerfile parse error on line 2: unknown flag: --user")
            self.assertEqual((e.line, e.column), (2, 1))
            self.assertEqual(e.path, "bad/Dockerfile")
            self.assertEqual(str(e), "bad/Dockerfile: dockerfile parse error on line 2: unknown flag: --user")
            # The parser still accepted it: the AST is there.
            self.assertEqual(df.instructions[2].args, [""])
            self.assertIs(df.instructions[2].kind, Kind.UNKNOWN)
            self.assertEqual(df.instructions[2].keyword, "FROBNICATE")

    def test_syntax_errors_raise_with_position(self):
        cases = [
            ("FROM busybox\nENV PATH\n", "ENV must have two arguments", 2, 1, 13),
            ('FROM alpine\nRUN ["a", 1]\n', "when using JSON array syntax, arrays must be comprised of strings only", 2, 1, 12),
        ]
        for src, msg, line, column, offset in cases:
            with self.subTest(src=src):
                with self.assertRaises(stagegraph.ParseError) as cm:
                    stagegraph.parse(src)
                e = cm.exception
                self.assertEqual(e.code, Code.ESYNTAX)
                self.assertEqual(e.message, msg)
                self.assertEqual((e.line, e.column, e.offset), (line, column, offset))
                self.assertIsNone(e.path)
        with self.assertRaises(stagegraph.ParseError) as cm:
            stagegraph.parse("# only a comment\n")
        self.assertEqual(cm.exception.message, "file with no instructions")
        self.assertEqual(cm.exception.code, Code.ESYNTAX)

    def test_limit_is_a_parse_error(self):
        with self.assertRaises(stagegraph.ParseError) as cm:
            stagegraph.parse("FROM alpine\n", limits={"max_input_bytes": 4})
        self.assertEqual(cm.exception.code, Code.ELIMIT)
        with stagegraph.parse("FROM alpine\n", limits={"max_input_bytes": 12}) as df:
            self.assertEqual(len(df.instructions), 1)

    def test_unreadable_file(self):
        with self.assertRaises(stagegraph.LibraryError) as cm:
            stagegraph.parse_file("/nonexistent/stagegraph/Dockerfile")
        e = cm.exception
        self.assertEqual(e.code, Code.EIO)
        self.assertEqual(e.path, "/nonexistent/stagegraph/Dockerfile")
        self.assertIn("No such file", e.message)


class DumpTest(unittest.TestCase):
    # The example of spec/buildkit-testfiles.md; each line checked by hand
    # against the Node.Dump rules (lowercased keyword, %q flags, quoted
    # args, ENV/LABEL triples, nested ONBUILD, unknown keyword with "").
    SOURCE = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ENV GOFLAGS=-mod=vendor CGO_ENABLED=0\n"
        "LABEL org.example.team platform tools\n"
        'COPY --chown=app:app ["go.mod", "go.sum", "./"]\n'
        "RUN --mount=type=cache,target=/root/.cache \\\n"
        "    go build -o /out/app ./cmd/app\n"
        "ONBUILD COPY . /src\n"
        'HEALTHCHECK --interval=30s CMD ["/out/app", "-ping"]\n'
        "FROBNICATE\tnow\n"
        "COPY <<EOF /etc/motd\n"
        "hello from the heredoc body\n"
        "EOF\n"
        'CMD ["/out/app"]\n'
        'ARG abc="123 456" def\n'
        'run echo "tab\there" \\\\\n'
    )
    EXPECTED = (
        '(from ["--platform=$BUILDPLATFORM"] "golang:1.22" "AS" "build")\n'
        '(env "GOFLAGS" "-mod=vendor" "=" "CGO_ENABLED" "0" "=")\n'
        '(label "org.example.team" "platform tools" "")\n'
        '(copy ["--chown=app:app"] "go.mod" "go.sum" "./")\n'
        '(run ["--mount=type=cache,target=/root/.cache"] "go build -o /out/app ./cmd/app")\n'
        '(onbuild (copy "." "/src"))\n'
        '(healthcheck ["--interval=30s"] "CMD" "/out/app" "-ping")\n'
        '(frobnicate "")\n'
        '(copy "<<EOF" "/etc/motd")\n'
        '(cmd "/out/app")\n'
        '(arg "abc=\\"123 456\\"" "def")\n'
        # A line ending in an escaped escape is not a continuation
        # (BuildKit's trailing-backslash testfile): both backslashes stay.
        '(run "echo \\"tab\\there\\" \\\\\\\\")\n'
    )

    def test_buildkit_dump(self):
        with stagegraph.parse(self.SOURCE) as df:
            self.assertEqual(df.dump(), self.EXPECTED)
            self.assertEqual(df.dump("buildkit"), self.EXPECTED)


if __name__ == "__main__":
    unittest.main()
