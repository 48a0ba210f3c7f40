# SPDX-License-Identifier: MIT
"""Plans: stages, edges, images, targets, order, waves, critical path and
outline of a multi-stage file, every value derived by hand from the text;
the errors BuildKit gives; parent_images; targets; renderers."""

import json
import unittest

import stagegraph
from stagegraph import Code

MULTI = (
    "# syntax=docker/dockerfile:1\n"  # 1
    "# GO the Go release to build with\n"  # 2
    "ARG GO=1.22\n"  # 3
    "ARG ALPINE=3.19\n"  # 4
    "\n"  # 5
    "# base is the shared toolchain\n"  # 6
    "FROM golang:${GO}-alpine AS base\n"  # 7   stage 0
    "WORKDIR /src\n"  # 8
    "\n"  # 9
    "FROM base AS deps\n"  # 10  stage 1
    "COPY go.mod go.sum ./\n"  # 11
    "RUN --mount=type=cache,target=/go/pkg/mod go mod download\n"  # 12
    "\n"  # 13
    "FROM --platform=$BUILDPLATFORM golang:${GO}-alpine AS tools\n"  # 14  stage 2
    "RUN --mount=type=secret,id=netrc,required=true go install example.com/tool@latest\n"  # 15
    "\n"  # 16
    "FROM deps AS build\n"  # 17  stage 3
    "COPY . .\n"  # 18
    "RUN --mount=type=bind,from=tools,source=/go/bin,target=/tools \\\n"  # 19
    "    --mount=type=ssh \\\n"  # 20
    "    go build -o /out/app ./cmd/app\n"  # 21
    "\n"  # 22
    "FROM alpine:${ALPINE} AS docs\n"  # 23  stage 4
    "RUN echo docs > /README\n"  # 24
    "\n"  # 25
    "FROM scratch AS release\n"  # 26  stage 5
    "COPY --from=build /out/app /app\n"  # 27
    "COPY --from=docs /README /README\n"  # 28
    "COPY --from=busybox:1.36 /bin/busybox /bin/busybox\n"  # 29
    'ENTRYPOINT ["/app"]\n'  # 30
    "\n"  # 31
    "FROM release AS debug\n"  # 32  stage 6
    "COPY --from=tools /go/bin/tool /usr/bin/tool\n"  # 33
)

NAMES = ["base", "deps", "tools", "build", "docs", "release", "debug"]

# (source, dependent, kind, line, reference, instruction keyword)
EDGES = [
    ("base", "deps", "from", 10, "base", "FROM"),
    ("deps", "build", "from", 17, "deps", "FROM"),
    ("tools", "build", "mount", 19, "tools", "RUN"),
    ("build", "release", "copy", 27, "build", "COPY"),
    ("docs", "release", "copy", 28, "docs", "COPY"),
    ("release", "debug", "from", 32, "release", "FROM"),
    ("tools", "debug", "copy", 33, "tools", "COPY"),
]


def names(stages):
    return [s.name for s in stages]


class PlanTest(unittest.TestCase):
    def setUp(self):
        self.df = stagegraph.parse(MULTI)
        self.addCleanup(self.df.close)

    def test_release_target(self):
        with self.df.plan("release") as plan:
            self.assertIsInstance(plan, stagegraph.Plan)
            self.assertIs(plan.dockerfile, self.df)
            self.assertFalse(plan.legacy)
            self.assertEqual(names(plan.stages), NAMES)
            self.assertEqual(names(plan.targets), ["release"])
            # Kahn's order, ties by index: base and docs are ready first;
            # base (0) goes, then deps (1) and tools (2) before docs (4);
            # build (3) is ready once deps and tools are built.
            self.assertEqual(names(plan.order), ["base", "deps", "tools", "build", "docs", "release"])
            self.assertEqual(names(plan.pruned), ["debug"])
            # wave = 1 + deepest dependency: base, tools (own image), docs
            # have none; deps <- base; build <- deps, tools; release <- build.
            self.assertEqual(
                [names(w) for w in plan.waves],
                [["base", "tools", "docs"], ["deps"], ["build"], ["release"]],
            )
            self.assertEqual(names(plan.critical_path), ["base", "deps", "build", "release"])
            self.assertEqual(
                [(s.name, s.needed, s.wave) for s in plan.stages],
                [
                    ("base", True, 0),
                    ("deps", True, 1),
                    ("tools", True, 0),
                    ("build", True, 2),
                    ("docs", True, 0),
                    ("release", True, 3),
                    ("debug", False, None),
                ],
            )

    def test_stage_facts(self):
        with self.df.plan("release") as plan:
            st = {s.name: s for s in plan.stages}
            # Expanded bases; the document's Stage keeps the text as written.
            self.assertEqual(
                [s.base for s in plan.stages],
                ["golang:1.22-alpine", "base", "golang:1.22-alpine", "deps", "alpine:3.19", "scratch", "release"],
            )
            self.assertEqual(st["base"].stage.base, "golang:${GO}-alpine")
            self.assertEqual(st["tools"].platform, "linux/amd64")
            self.assertEqual(st["tools"].stage.platform, "$BUILDPLATFORM")
            self.assertIsNone(st["base"].platform)
            self.assertEqual(
                [s.parent.name if s.parent else None for s in plan.stages],
                [None, "base", None, "deps", None, None, "release"],
            )
            self.assertEqual(
                [s.image.ref if s.image else None for s in plan.stages],
                ["golang:1.22-alpine", None, "golang:1.22-alpine", None, "alpine:3.19", None, None],
            )
            self.assertTrue(all(s.context is None for s in plan.stages))
            # PlanStage is a Stage: same stage, same document.
            self.assertIsInstance(st["build"], stagegraph.Stage)
            self.assertEqual(st["build"], self.df.stages[3])
            self.assertEqual(hash(st["build"]), hash(self.df.stages[3]))
            self.assertEqual([s.line for s in plan.stages], [7, 10, 14, 17, 23, 26, 32])
            self.assertEqual(st["build"].description, "")
            self.assertEqual(st["base"].description, "is the shared toolchain")
            self.assertEqual([i.keyword for i in st["build"].instructions], ["COPY", "RUN"])
            self.assertIs(st["deps"].plan, plan)
            # Look-ups by name (case-insensitive) and index.
            self.assertEqual(plan.stage("DOCS").index, 4)
            self.assertEqual(plan.stage(6).name, "debug")
            with self.assertRaises(KeyError):
                plan.stage("nope")
            with self.assertRaises(KeyError):
                plan.stage(7)
            with self.assertRaises(TypeError):
                plan.stage(1.0)

    def test_edges(self):
        with self.df.plan("release") as plan:
            got = [
                (e.source.name, e.dependent.name, e.kind, e.line, e.reference, e.instruction.keyword)
                for e in plan.edges
            ]
            self.assertEqual(got, EDGES)
            e = plan.edges[2]
            self.assertEqual((e.from_index, e.to_index), (2, 3))
            self.assertFalse(any(e.onbuild for e in plan.edges))
            self.assertEqual(e.instruction.start_line, 19)
            self.assertEqual(e.instruction.end_line, 21)

    def test_images(self):
        with self.df.plan("release") as plan:
            imgs = plan.images
            self.assertEqual([i.ref for i in imgs], ["golang:1.22-alpine", "alpine:3.19", "busybox:1.36"])
            golang = imgs[0]
            self.assertEqual(
                (golang.domain, golang.path, golang.tag, golang.digest, golang.normalized, golang.familiar, golang.context),
                ("docker.io", "library/golang", "1.22-alpine", None, "docker.io/library/golang:1.22-alpine",
                 "golang:1.22-alpine", None),
            )
            self.assertEqual(
                [(u.kind, u.stage.name, u.line) for u in golang.uses], [("from", "base", 7), ("from", "tools", 14)]
            )
            kind, stage, line = imgs[2].uses[0]  # a plain tuple too
            self.assertEqual((kind, stage.name, line), ("copy", "release", 29))
            self.assertEqual(imgs[1].uses[0].stage.name, "docs")

    def test_outline(self):
        want = stagegraph.Outline(
            "release",
            5,
            "",
            [("GO", "1.22", "the Go release to build with", 3), ("ALPINE", "3.19", "", 4)],
            [("netrc", True, 15)],
            [("default", False, 19)],
        )
        with self.df.plan("release") as plan:
            self.assertEqual(plan.outline, want)
        self.assertEqual(self.df.outline("release"), want)
        out = self.df.outline("docs")
        self.assertEqual((out.target, out.target_index), ("docs", 4))
        self.assertEqual([a.name for a in out.args], ["ALPINE"])
        self.assertEqual((out.secrets, out.ssh), ([], []))
        self.assertEqual(self.df.outline().target, "debug")
        with stagegraph.parse(MULTI, build_args={"GO": "1.23"}) as df:
            self.assertEqual(df.outline("tools").args, [("GO", "1.23", "the Go release to build with", 3)])

    def test_default_target_is_the_last_stage(self):
        for targets in (None, [], ()):
            with self.df.plan(targets) as plan:
                self.assertEqual(names(plan.targets), ["debug"])
                self.assertEqual(plan.pruned, [])
                self.assertEqual(
                    [names(w) for w in plan.waves],
                    [["base", "tools", "docs"], ["deps"], ["build"], ["release"], ["debug"]],
                )
                self.assertEqual(names(plan.critical_path), ["base", "deps", "build", "release", "debug"])

    def test_several_targets(self):
        with self.df.plan(["tools", "Docs"]) as plan:
            self.assertEqual(names(plan.targets), ["tools", "docs"])
            self.assertEqual(names(plan.order), ["tools", "docs"])
            self.assertEqual([names(w) for w in plan.waves], [["tools", "docs"]])
            self.assertEqual(names(plan.pruned), ["base", "deps", "build", "release", "debug"])
            self.assertEqual(len(plan.critical_path), 1)

    def test_legacy(self):
        with self.df.plan("release", legacy=True) as plan:
            self.assertTrue(plan.legacy)
            file_order = ["base", "deps", "tools", "build", "docs", "release"]
            self.assertEqual(names(plan.order), file_order)
            self.assertEqual([names(w) for w in plan.waves], [[n] for n in file_order])
            self.assertEqual(names(plan.critical_path), file_order)
            self.assertEqual(names(plan.pruned), ["debug"])

    def test_build_contexts(self):
        with self.df.plan("release", build_contexts={"docs": "docker-image://alpine:3.20"}) as plan:
            self.assertEqual(plan.stage("docs").context, "docker-image://alpine:3.20")
        with self.df.plan("release", build_contexts={"busybox:1.36": "docker-image://busybox:1.37"}) as plan:
            self.assertEqual(plan.images[2].context, "docker-image://busybox:1.37")
        with self.assertRaises(TypeError):
            self.df.plan(build_contexts=["docs=x"])
        with self.assertRaises(ValueError):
            self.df.plan(build_contexts={"a=b": "x"})
        with self.assertRaises(ValueError):
            self.df.plan(targets="a\0b")

    def test_renderers(self):
        with self.df.plan("release") as plan:
            data = json.loads(plan.to_json())
            self.assertEqual(data["schema"], "stagegraph.plan/1")
            self.assertEqual([s["name"] for s in data["stages"]], NAMES)
            self.assertEqual(
                [(e["from"], e["to"], e["kind"]) for e in data["edges"]],
                [(e.from_index, e.to_index, e.kind) for e in plan.edges],
            )
            self.assertEqual(data["order"], [s.index for s in plan.order])
            self.assertEqual(plan.render("json"), plan.to_json())
            self.assertIn("Critical path: base -> deps -> build -> release", plan.to_text())
            self.assertEqual(plan.render(), plan.to_text())
            self.assertTrue(plan.to_dot().startswith("digraph"))
            self.assertTrue(plan.to_mermaid().startswith("flowchart"))
            with self.assertRaises(ValueError):
                plan.render("sarif")
            with self.assertRaises(ValueError):
                plan.render("yaml")

    def test_constructors_are_private(self):
        for cls in (stagegraph.Plan, stagegraph.Cache, stagegraph.Lint):
            with self.assertRaises(TypeError):
                cls()


class PlanErrorTest(unittest.TestCase):
    def plan_error(self, src, **kw):
        with stagegraph.parse(src, path="Dockerfile") as df:
            with self.assertRaises(stagegraph.StagegraphError) as cm:
                df.plan(**kw)
        return cm.exception

    def test_unknown_target_with_suggestion(self):
        e = self.plan_error(MULTI, targets="relase")
        self.assertIsInstance(e, stagegraph.UnknownTargetError)
        self.assertIs(e.code, Code.ENOTFOUND)
        self.assertEqual(e.message, 'target stage "relase" could not be found (did you mean release?)')
        self.assertEqual(e.path, "Dockerfile")
        self.assertEqual(str(e), 'Dockerfile: target stage "relase" could not be found (did you mean release?)')

    def test_unknown_target_without_suggestion(self):
        e = self.plan_error(MULTI, targets=["docs", "zzzzzz"])
        self.assertIsInstance(e, stagegraph.UnknownTargetError)
        self.assertEqual(e.message, 'target stage "zzzzzz" could not be found')

    def test_cycle(self):
        # BuildKit's validateCircularDependency starts at the first stage.
        src = "FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n"
        e = self.plan_error(src)
        self.assertIsInstance(e, stagegraph.CycleError)
        self.assertIs(e.code, Code.ECYCLE)
        self.assertEqual(e.message, "circular dependency detected on stage: a")

    def test_invalid_stage_index(self):
        e = self.plan_error("FROM alpine\nCOPY --from=5 /a /b\n")
        self.assertIsInstance(e, stagegraph.InvalidStageError)
        self.assertEqual(e.message, "invalid stage index 5")
        self.assertEqual(e.line, 2)

    def test_invalid_reference(self):
        e = self.plan_error("FROM Alpine\n")
        self.assertIsInstance(e, stagegraph.InvalidReferenceError)
        self.assertEqual(
            e.message,
            'failed to parse stage name "Alpine": invalid reference format: '
            "repository name (library/Alpine) must be lowercase",
        )

    def test_expansion(self):
        e = self.plan_error("FROM ${IMG:?required} AS x\n")
        self.assertIsInstance(e, stagegraph.ExpansionError)
        self.assertEqual(e.message, 'failed to process "${IMG:?required}": IMG: required')

    def test_verdict_error(self):
        e = self.plan_error("FROM alpine\nFOO bar\n")
        self.assertIsInstance(e, stagegraph.ParseError)
        self.assertEqual(e.message, "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)")


class ParentImagesTest(unittest.TestCase):
    def test_aliases_resolved_and_args_expanded(self):
        with stagegraph.parse(MULTI) as df:
            self.assertEqual(
                df.parent_images,
                ["golang:1.22-alpine"] * 4 + ["alpine:3.19", "scratch", "scratch"],
            )
            self.assertEqual(df.baseimage, "scratch")
            self.assertTrue(df.is_multistage)

    def test_chain_and_build_args(self):
        src = "ARG V=3.19\nFROM alpine:${V} AS a\nFROM a AS b\nFROM b\n"
        with stagegraph.parse(src) as df:
            self.assertEqual(df.parent_images, ["alpine:3.19"] * 3)
            self.assertEqual(df.baseimage, "alpine:3.19")
        with stagegraph.parse(src, build_args={"V": "3.20"}) as df:
            self.assertEqual(df.parent_images, ["alpine:3.20"] * 3)

    def test_stage_names_are_case_sensitive_in_from(self):
        # BuildKit looks the FROM name up as written: "A" is not stage "a".
        with stagegraph.parse("FROM alpine AS a\nFROM a\nFROM busybox AS b\nFROM b\n") as df:
            self.assertEqual(df.parent_images, ["alpine", "alpine", "busybox", "busybox"])

    def test_falls_back_to_the_text_as_written(self):
        with stagegraph.parse("FROM ${IMG:?required} AS x\nFROM x\n") as df:
            self.assertEqual(df.parent_images, ["${IMG:?required}", "x"])
            self.assertEqual(df.baseimage, "x")
        with stagegraph.parse("FROM alpine\nFOO bar\n") as df:
            self.assertEqual(df.parent_images, ["alpine"])

    def test_no_stages(self):
        with stagegraph.parse("ARG ONLY=1\n") as df:
            self.assertEqual(df.parent_images, [])
            self.assertIsNone(df.baseimage)
            self.assertFalse(df.is_multistage)


class TargetsTest(unittest.TestCase):
    def test_targets(self):
        with stagegraph.parse(MULTI) as df:
            t = df.targets
        self.assertEqual([x.name for x in t], NAMES)
        self.assertEqual([x.default for x in t], [False] * 6 + [True])
        self.assertEqual(
            t[0],
            stagegraph.Target("base", False, "is the shared toolchain", "golang:${GO}-alpine", None, 7, 0),
        )
        self.assertEqual((t[2].platform, t[2].line), ("$BUILDPLATFORM", 14))

    def test_unnamed_and_empty(self):
        with stagegraph.parse("FROM a\nFROM b AS x\nFROM c\n") as df:
            self.assertEqual([(t.name, t.default) for t in df.targets], [(None, False), ("x", False), (None, True)])
        with stagegraph.parse("ARG ONLY=1\n") as df:
            self.assertEqual(df.targets, [])  # as BuildKit: no targets, no error

    def test_rejected_file_raises(self):
        with stagegraph.parse("FROM a\nFOO bar\n") as df:
            with self.assertRaises(stagegraph.ParseError):
                df.targets


if __name__ == "__main__":
    unittest.main()
