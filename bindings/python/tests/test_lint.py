# SPDX-License-Identifier: MIT
"""Lint: BuildKit's build checks fire with BuildKit's exact messages (the
texts of moby/buildkit's linter rule set, written out here by hand), the
stage-graph rules fire where examples/RULES.md says, and the options,
renderers and rule list work.

If these fail while the rest passes, the C lint (lib/lint*.c) is broken or
unfinished: they are meant to fail then.
"""

import json
import os
import unittest

import stagegraph
from stagegraph import Severity

from . import _support

LINTED = (
    "FROM alpine:3.19 as builder\n"  # 1 FromAsCasing
    "ENV FOO bar\n"  # 2 LegacyKeyValueFormat
    "WORKDIR app\n"  # 3 WorkdirRelativePath
    "ENV BAR=${NOPE}\n"  # 4 UndefinedVar
    "COPY secret.txt /s\n"  # 5 CopyIgnoredFile (with "secret.txt" ignored)
    "CMD echo hi\n"  # 6 JSONArgsRecommended, MultipleInstructionsDisallowed (the earlier CMD)
    'CMD ["echo", "two"]\n'  # 7
    "FROM builder\n"  # 8
    "MAINTAINER me\n"  # 9 MaintainerDeprecated
    "USER nobody\n"  # 10
)

# (line, rule, message): BuildKit's formats filled in by hand.
BUILDKIT_FINDINGS = [
    (1, "FromAsCasing", "'as' and 'FROM' keywords' casing do not match"),
    (2, "LegacyKeyValueFormat", '"ENV key=value" should be used instead of legacy "ENV key value" format'),
    (3, "WorkdirRelativePath", 'Relative workdir "app" can have unexpected results if the base image changes'),
    (4, "UndefinedVar", "Usage of undefined variable '$NOPE'"),
    (5, "CopyIgnoredFile", 'Attempting to Copy file "secret.txt" that is excluded by .dockerignore'),
    (6, "JSONArgsRecommended", "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals"),
    (
        6,
        "MultipleInstructionsDisallowed",
        "Multiple CMD instructions should not be used in the same stage because only the last one will be used",
    ),
    (9, "MaintainerDeprecated", "Maintainer instruction is deprecated in favor of using label"),
]

DOCS = "https://docs.docker.com/go/dockerfile/rule/"


def buildkit_findings(lint):
    return sorted(
        (d.line, d.rule, d.message) for d in lint.diagnostics if (d.url or "").startswith(DOCS)
    )


class LintTest(unittest.TestCase):
    def test_buildkit_rules_fire_with_buildkit_messages(self):
        with stagegraph.parse(LINTED) as df, df.lint(dockerignore="secret.txt\n") as lint:
            print("\n" + lint.to_text(), end="")
            self.assertEqual(buildkit_findings(lint), BUILDKIT_FINDINGS)
            d = lint.diagnostics
            self.assertEqual([x.line for x in d], sorted(x.line for x in d))  # file order
            for x in d:
                self.assertIsInstance(x, stagegraph.Diagnostic)
                self.assertIs(x.severity, Severity.WARNING)
                self.assertEqual(x.column, 1)
                self.assertTrue(x.url)
            casing = [x for x in d if x.rule == "FromAsCasing"][0]
            self.assertEqual(
                (casing.end_line, casing.end_column, casing.offset, casing.url),
                (1, 28, 0, DOCS + "from-as-casing/"),
            )
            maint = [x for x in d if x.rule == "MaintainerDeprecated"][0]
            self.assertEqual(maint.offset, LINTED.index("MAINTAINER"))
            self.assertFalse(lint.failed)

    def test_without_dockerignore_nothing_is_ignored(self):
        with stagegraph.parse(LINTED) as df, df.lint() as lint:
            self.assertNotIn("CopyIgnoredFile", [d.rule for d in lint.diagnostics])

    def test_skip(self):
        with stagegraph.parse(LINTED) as df:
            with df.lint(skip=["FromAsCasing", "UndefinedVar"]) as lint:
                rules = {d.rule for d in lint.diagnostics}
                self.assertNotIn("FromAsCasing", rules)
                self.assertNotIn("UndefinedVar", rules)
                self.assertIn("MaintainerDeprecated", rules)
            with df.lint(skip="MaintainerDeprecated") as lint:
                self.assertNotIn("MaintainerDeprecated", [d.rule for d in lint.diagnostics])
            with df.lint(skip="all") as lint:
                self.assertEqual(lint.diagnostics, [])
        with stagegraph.parse("# check=skip=MaintainerDeprecated,FromAsCasing\n" + LINTED) as df:
            with df.lint() as lint:
                rules = {d.rule for d in lint.diagnostics}
                self.assertNotIn("MaintainerDeprecated", rules)
                self.assertIn("LegacyKeyValueFormat", rules)

    def test_error_true_fails(self):
        with stagegraph.parse("# check=error=true\n" + LINTED) as df, df.lint() as lint:
            self.assertTrue(lint.failed)
        with stagegraph.parse("FROM alpine\nUSER nobody\n") as df, df.lint() as lint:
            self.assertEqual(lint.diagnostics, [])
            self.assertFalse(lint.failed)

    def test_experimental(self):
        src = "# the app\nFROM alpine AS app\nUSER nobody\n"
        msg = "Comment for FROM should follow the format: `# app <description>`"
        with stagegraph.parse(src) as df:
            with df.lint() as lint:
                self.assertNotIn("InvalidDefinitionDescription", [d.rule for d in lint.diagnostics])
            with df.lint(experimental=True) as lint:
                self.assertEqual(
                    [(d.line, d.rule, d.message) for d in lint.diagnostics],
                    [(2, "InvalidDefinitionDescription", msg)],
                )

    def test_rejected_file_raises(self):
        with stagegraph.parse("FROM alpine\nFOO bar\n") as df:
            with self.assertRaises(stagegraph.ParseError) as cm:
                df.lint()
        self.assertEqual(
            cm.exception.message, "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)"
        )

    def test_stage_graph_rule_on_the_example(self):
        path = os.path.join(_support.REPO, "examples", "Dockerfile")
        if not os.path.exists(path):
            self.skipTest("examples/Dockerfile not found")
        with stagegraph.parse_file(path) as df:
            # test (line 21) is needed by no target and used by no stage.
            with df.lint() as lint:
                self.assertEqual([(d.rule, d.line) for d in lint.diagnostics], [("DeadStage", 21)])
                self.assertIn('"test"', lint.diagnostics[0].message)
            with df.lint(targets="test") as lint:
                self.assertIn(("DeadStage", 26), [(d.rule, d.line) for d in lint.diagnostics])
            with df.lint(skip=["DeadStage"]) as lint:
                self.assertEqual(lint.diagnostics, [])

    def test_renderers(self):
        with stagegraph.parse(LINTED, path="app/Dockerfile") as df, df.lint() as lint:
            data = json.loads(lint.to_json())
            self.assertEqual(data["schema"], "stagegraph.lint/1")
            self.assertEqual(
                [(x["line"], x["rule"], x["message"]) for x in data["diagnostics"]],
                [(d.line, d.rule, d.message) for d in lint.diagnostics],
            )
            text = lint.to_text().splitlines()
            self.assertEqual(len(text), len(lint.diagnostics))
            self.assertIn(
                "app/Dockerfile:9:1: warning: Maintainer instruction is deprecated in favor of using label "
                "[MaintainerDeprecated]",
                text,
            )
            self.assertTrue(lint.to_text(path="X").startswith("X:1:1: warning: "))
            sarif = json.loads(lint.to_sarif())
            self.assertEqual(sarif["version"], "2.1.0")
            self.assertEqual(len(sarif["runs"][0]["results"]), len(lint.diagnostics))
            self.assertIn("app/Dockerfile", lint.to_sarif())
            with self.assertRaises(ValueError):
                lint.render("dot")

    def test_rules(self):
        rules = stagegraph.rules()
        by_name = {r.name: r for r in rules}
        self.assertEqual(len(by_name), len(rules))
        for name, slug in (
            ("StageNameCasing", "stage-name-casing"),
            ("FromAsCasing", "from-as-casing"),
            ("NoEmptyContinuation", "no-empty-continuation"),
            ("ConsistentInstructionCasing", "consistent-instruction-casing"),
            ("DuplicateStageName", "duplicate-stage-name"),
            ("ReservedStageName", "reserved-stage-name"),
            ("JSONArgsRecommended", "json-args-recommended"),
            ("MaintainerDeprecated", "maintainer-deprecated"),
            ("UndefinedArgInFrom", "undefined-arg-in-from"),
            ("WorkdirRelativePath", "workdir-relative-path"),
            ("UndefinedVar", "undefined-var"),
            ("MultipleInstructionsDisallowed", "multiple-instructions-disallowed"),
            ("LegacyKeyValueFormat", "legacy-key-value-format"),
            ("SecretsUsedInArgOrEnv", "secrets-used-in-arg-or-env"),
            ("InvalidDefaultArgInFrom", "invalid-default-arg-in-from"),
            ("FromPlatformFlagConstDisallowed", "from-platform-flag-const-disallowed"),
            ("CopyIgnoredFile", "copy-ignored-file"),
            ("InvalidDefinitionDescription", "invalid-definition-description"),
        ):
            with self.subTest(rule=name):
                self.assertIn(name, by_name)
                self.assertEqual(by_name[name].url, DOCS + slug + "/")
        self.assertTrue(by_name["InvalidDefinitionDescription"].experimental)
        self.assertFalse(by_name["StageNameCasing"].experimental)
        self.assertEqual(by_name["StageNameCasing"].description, "Stage names should be lowercase")
        for name in ("DeadStage", "FinalStageRunsAsRoot", "FatFinalStage"):
            self.assertIn(name, by_name)
            self.assertIs(by_name[name].severity, Severity.WARNING)
        for r in rules:
            self.assertIsInstance(r.severity, Severity)
            self.assertTrue(r.description and r.url)


if __name__ == "__main__":
    unittest.main()
