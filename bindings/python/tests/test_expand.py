# SPDX-License-Identifier: MIT
"""Variable expansion against BuildKit's own vectors (frontend/dockerfile/shell).

The vectors live outside the project (STAGEGRAPH_EXPANSION_VECTORS, default
../shared/conformance/expansion); a handful are repeated inline so the
functions are always exercised.
"""

import os
import unittest

import stagegraph
from stagegraph import Code

from . import _support

ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "\ud55c\uad6d\uc5b4", "NULL": ""}

INLINE = [
    ("hello", "hello"),
    ("he'll'o", "hello"),
    ("he'llo", None),
    ('"abc\\tdef"', "abc\\tdef"),
    ("he$PWD", "he/home"),
    ("he\\$PWD", "he$PWD"),
    ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
    ("he${PWD:+${SHELL}}xx", "hebashxx"),
    ("he${NULL:?}", None),
    ("he${}", None),
    ("'he${XX}'", "he${XX}"),
    ("${KOREAN}", "\ud55c\uad6d\uc5b4"),
]


def load_env_var_vectors():
    d = _support.vectors_dir()
    if not d or not os.path.exists(os.path.join(d, "envVarTest")):
        return None
    out = []
    with open(os.path.join(d, "envVarTest"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("|")
            platform, source, expected = (x.strip() for x in fields[:3])
            if platform == "W":
                continue  # Windows looks variables up case-insensitively
            out.append((n, source, None if expected == "error" else expected))
    return out


def load_words_vectors():
    d = _support.vectors_dir()
    if not d or not os.path.exists(os.path.join(d, "wordsTest")):
        return None
    out = []
    env = {}
    with open(os.path.join(d, "wordsTest"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("ENV "):
                name, _, value = line[4:].partition("=")
                env[name] = value
                continue
            source, _, expected = line.partition("|")
            expected = expected.lstrip(" ")
            out.append(
                (n, source.strip(), dict(env), None if expected == "error" else expected.split(","))
            )
    return out


class ExpandVectorsTest(unittest.TestCase):
    def test_inline_vectors(self):
        for source, expected in INLINE:
            with self.subTest(source=source):
                if expected is None:
                    with self.assertRaises(stagegraph.ExpansionError):
                        stagegraph.expand_word(source, ENV)
                else:
                    self.assertEqual(stagegraph.expand_word(source, ENV), expected)

    def test_buildkit_env_var_vectors(self):
        vectors = load_env_var_vectors()
        if vectors is None:
            self.skipTest("BuildKit's envVarTest not found (set STAGEGRAPH_EXPANSION_VECTORS)")
        self.assertGreater(len(vectors), 150)
        problems = []
        for n, source, expected in vectors:
            try:
                got = stagegraph.expand_word(source, ENV)
            except stagegraph.ExpansionError as e:
                got = None
                if not e.message.startswith("failed to process "):
                    problems.append("line %d %r: message %r" % (n, source, e.message))
            if got != expected:
                problems.append("line %d %r: got %r, want %r" % (n, source, got, expected))
        self.assertEqual(problems[:20], [], "%d of %d vectors fail" % (len(problems), len(vectors)))

    def test_buildkit_words_vectors(self):
        vectors = load_words_vectors()
        if vectors is None:
            self.skipTest("BuildKit's wordsTest not found (set STAGEGRAPH_EXPANSION_VECTORS)")
        self.assertGreater(len(vectors), 20)
        problems = []
        for n, source, env, expected in vectors:
            try:
                got = stagegraph.expand_words(source, env)
            except stagegraph.ExpansionError:
                got = None
            if got != expected:
                problems.append("line %d %r: got %r, want %r" % (n, source, got, expected))
        self.assertEqual(problems[:20], [], "%d of %d vectors fail" % (len(problems), len(vectors)))


class ExpandApiTest(unittest.TestCase):
    def test_expand_dispatch(self):
        env = {"A": "1 2", "B": "x"}
        self.assertEqual(stagegraph.expand("$A-$B", env), "1 2-x")
        self.assertEqual(stagegraph.expand("$A-$B", env, words=True), ["1", "2-x"])
        self.assertEqual(stagegraph.expand_words("$A \"$A\"", env), ["1", "2", "1 2"])
        self.assertEqual(stagegraph.expand("$A $C $D $C", env, return_unset=True), ("1 2   ", ["C", "D"]))
        self.assertEqual(
            stagegraph.expand("$C $A", env, words=True, return_unset=True), (["1", "2"], ["C"])
        )
        self.assertEqual(stagegraph.expand_word(b"$B", {"B": b"y"}), "y")

    def test_unset_variables(self):
        self.assertEqual(stagegraph.unset_variables("${A} $B ${C:-x} $PWD $A", ENV), ["A", "B", "C"])
        self.assertEqual(stagegraph.unset_variables("$PWD '$QUOTED'", ENV), [])
        self.assertEqual(stagegraph.unset_variables("plain"), [])

    def test_backtick_escape(self):
        self.assertEqual(stagegraph.expand_word("a`$B", {"B": "x"}, escape="`"), "a$B")
        self.assertEqual(stagegraph.expand_word("a\\b", {}, escape="`"), "a\\b")
        self.assertEqual(stagegraph.expand_word("a\\$B", {"B": "x"}), "a$B")

    def test_error_carries_buildkit_text(self):
        with self.assertRaises(stagegraph.ExpansionError) as cm:
            stagegraph.expand_word("he${}", ENV)
        e = cm.exception
        self.assertEqual(e.code, Code.EEXPAND)
        self.assertTrue(e.message.startswith('failed to process "he${}": '), e.message)
        self.assertIsInstance(e, stagegraph.StagegraphError)

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            stagegraph.expand_word("$A", {}, escape="x")
        with self.assertRaises(ValueError):
            stagegraph.expand_word("$A", {"A": "a\0b"})
        with self.assertRaises(ValueError):
            stagegraph.expand_word("$A", {"A=B": "1"})
        with self.assertRaises(TypeError):
            stagegraph.expand_word("$A", ["A=1"])
        with self.assertRaises(TypeError):
            stagegraph.expand_word(42, {})

    def test_later_environment_wins_and_empty_values(self):
        self.assertEqual(stagegraph.expand_word("[${E}]", {"E": ""}), "[]")
        self.assertEqual(stagegraph.expand_word("${E-unset}", {"E": ""}), "")
        self.assertEqual(stagegraph.expand_word("${E-unset}", {}), "unset")


if __name__ == "__main__":
    unittest.main()
