# SPDX-License-Identifier: MIT
"""The cache model on the Node.js example (examples/Dockerfile): which
layers a change rebuilds, derived by hand from BuildKit's cache rules.

examples/Dockerfile, by line:
   4 ARG NODE_VERSION=20
   7 FROM node:${NODE_VERSION}-bookworm-slim AS deps     (stage 0)
   8 WORKDIR /app                                         layer
   9 COPY package.json package-lock.json ./               layer
  10 RUN --mount=type=cache,... npm ci (to line 11)       layer
  14 FROM deps AS build                                   (stage 1)
  15 COPY tsconfig.json ./                                layer
  16 COPY src ./src                                       layer, the boundary
  17 RUN npm run build && npm prune (to line 18)          layer
  21 FROM build AS test                                   (stage 2, pruned)
  26 FROM node:${NODE_VERSION}-bookworm-slim AS runtime  (stage 3)
  27 ENV, 28 WORKDIR (layer), 29 COPY --from=build (layer),
  30 COPY --from=build (layer), 31 COPY package.json (layer), 32 USER,
  33 EXPOSE, 34 HEALTHCHECK (to line 35), 36 CMD

Rules used: an instruction whose inputs changed is invalidated and so is
everything after it in the stage; a stage FROM a rebuilt stage rebuilds
from its FROM; COPY --from a rebuilt stage is "maybe" (BuildKit keys it on
the copied files' content) and so is what follows it unless something
later is invalidated outright.
"""

import json
import os
import shutil
import unittest

import stagegraph

from . import _support

EXAMPLE = os.path.join(_support.REPO, "examples", "Dockerfile")

LINES = {
    "deps": [7, 8, 9, 10],
    "build": [14, 15, 16, 17],
    "runtime": [26, 27, 28, 29, 30, 31, 32, 33, 34, 36],
}
LAYERS = {8, 9, 10, 15, 16, 17, 28, 29, 30, 31}


def statuses(cache):
    return {s.stage.name: [(i.line, i.status) for i in s.instructions] for s in cache.stages}


def expect(deps, build, runtime):
    """Per stage: the statuses from the first non-cached line on."""
    out = {}
    for name, first in (("deps", deps), ("build", build), ("runtime", runtime)):
        rows = []
        for line in LINES[name]:
            status = "cached"
            for start, st in first:
                if line >= start:
                    status = st
            rows.append((line, status))
        out[name] = rows
    return out


def example_or_skip():
    if not os.path.exists(EXAMPLE):
        raise unittest.SkipTest("examples/Dockerfile not found (not run from the source tree)")
    return EXAMPLE


class CacheExampleTest(unittest.TestCase):
    def setUp(self):
        self.df = stagegraph.parse_file(example_or_skip())
        self.addCleanup(self.df.close)

    def test_nothing_changed(self):
        with self.df.cache() as cache:
            self.assertEqual([s.stage.name for s in cache.stages], ["deps", "build", "runtime"])
            self.assertEqual(statuses(cache), expect([], [], []))
            self.assertEqual([s.first_invalidated for s in cache.stages], [None, None, None])
            # Boundaries: only build's COPY src reads a whole directory.
            self.assertEqual(
                [s.boundary.line if s.boundary else None for s in cache.stages], [None, 16, None]
            )
            layers = {i.line for s in cache.stages for i in s.instructions if i.layer}
            self.assertEqual(layers, LAYERS)
            self.assertEqual(cache.layer_count, 10)
            # An edit under src/ leaves deps' 3 layers, build's COPY
            # tsconfig.json and runtime's WORKDIR: 5 of 10.
            self.assertEqual(cache.layers_surviving_edit, 5)
            for s in cache.stages:
                for i in s.instructions:
                    self.assertIsNone(i.reason)

    def test_source_edit(self):
        with self.df.plan("runtime") as plan, plan.cache(changed=["src/index.ts"]) as cache:
            print("\nchanged src/index.ts:")
            for s in cache.stages:
                print("  %-8s first_invalidated=%s" % (s.stage.name, s.first_invalidated))
            self.assertEqual([s.first_invalidated for s in cache.stages], [None, 16, 29])
            self.assertEqual(
                statuses(cache),
                expect([], [(16, "invalidated")], [(29, "maybe")]),
            )
            build = cache.stage("build")
            self.assertIs(build.boundary, build.instructions[2])
            self.assertIn("src/index.ts", build.instructions[2].reason)
            self.assertIn("16", build.instructions[3].reason)  # the earlier step
            self.assertIn('"build"', cache.stage("runtime").instructions[3].reason)

    def test_lockfile_edit(self):
        with self.df.cache(changed="package.json") as cache:
            print("\nchanged package.json:")
            for s in cache.stages:
                print("  %-8s first_invalidated=%s" % (s.stage.name, s.first_invalidated))
            self.assertEqual([s.first_invalidated for s in cache.stages], [9, 14, 29])
            self.assertEqual(
                statuses(cache),
                expect(
                    [(9, "invalidated")],
                    [(14, "invalidated")],  # its parent rebuilt
                    [(29, "maybe"), (31, "invalidated")],  # 31 copies package.json itself
                ),
            )

    def test_changed_arg_and_image(self):
        everything = expect([(7, "invalidated")], [(14, "invalidated")], [(26, "invalidated")])
        for kw in (
            {"changed_args": ["NODE_VERSION"]},
            {"changed_images": "node:20-bookworm-slim"},
            {"changed_images": ["docker.io/library/node:20-bookworm-slim"]},
        ):
            with self.subTest(**kw), self.df.cache(**kw) as cache:
                self.assertEqual(statuses(cache), everything)
                self.assertEqual([s.first_invalidated for s in cache.stages], [7, 14, 26])

    def test_unread_paths_change_nothing(self):
        for path in ("test/app.test.ts", "README.md"):
            with self.df.cache(changed=path) as cache:
                self.assertEqual(statuses(cache), expect([], [], []))

    def test_instruction_fields(self):
        with self.df.cache(changed=["src"]) as cache:
            deps, build, runtime = cache.stages
            frm = deps.instructions[0]
            self.assertEqual((frm.line, frm.keyword, frm.layer, frm.onbuild, frm.linked), (7, "FROM", False, False, False))
            self.assertEqual(
                frm.inputs, [("image", "node:20-bookworm-slim"), ("arg", "NODE_VERSION")]
            )
            self.assertEqual(frm.instruction.start_line, 7)
            self.assertEqual(
                deps.instructions[2].inputs, [("context", "package.json"), ("context", "package-lock.json")]
            )
            self.assertEqual(build.instructions[0].inputs, [("stage", "deps")])
            self.assertEqual(build.instructions[2].inputs, [("context", "src")])
            self.assertEqual(runtime.instructions[3].inputs[0].kind, "stage")
            self.assertEqual(runtime.instructions[3].inputs[0].value, "build")
            self.assertEqual(
                [i.keyword for i in runtime.instructions],
                ["FROM", "ENV", "WORKDIR", "COPY", "COPY", "COPY", "USER", "EXPOSE", "HEALTHCHECK", "CMD"],
            )
            self.assertEqual(cache.stage(3).stage.name, "runtime")
            with self.assertRaises(KeyError):
                cache.stage("test")  # pruned: not in the model

    def test_renderers(self):
        with self.df.cache(changed="src/index.ts") as cache:
            data = json.loads(cache.to_json())
            self.assertEqual(data["schema"], "stagegraph.cache/1")
            self.assertEqual(
                [(s["name"], s["first_invalidated"]) for s in data["stages"]],
                [(s.stage.name, s.first_invalidated) for s in cache.stages],
            )
            self.assertIn("5 of 10 layers survive an ordinary source edit", cache.to_text())
            self.assertTrue(cache.to_dot().startswith("digraph"))
            self.assertTrue(cache.to_mermaid().startswith("flowchart"))
            with self.assertRaises(ValueError):
                cache.render("sarif")

    def test_owned_plan(self):
        cache = self.df.cache("runtime")
        plan = cache.plan
        self.assertEqual([s.name for s in plan.targets], ["runtime"])
        self.assertIs(cache.dockerfile, self.df)
        cache.close()
        self.assertTrue(plan.closed)  # Dockerfile.cache()'s plan goes with it
        with self.df.plan() as plan2:
            cache2 = plan2.cache()
            cache2.close()
            self.assertFalse(plan2.closed)  # Plan.cache() leaves the plan open


class DockerignoreTest(unittest.TestCase, _support.TempDirMixin):
    """``changed`` paths the .dockerignore excludes invalidate nothing."""

    def setUp(self):
        self.dir = self.make_tempdir()
        self.dockerfile = os.path.join(self.dir, "Dockerfile")
        shutil.copyfile(example_or_skip(), self.dockerfile)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def first_invalidated(self, df, **kw):
        with df.cache(changed="src/index.ts", **kw) as cache:
            return [s.first_invalidated for s in cache.stages]

    def test_sources(self):
        rebuilt, ignored = [None, 16, 29], [None, None, None]
        with stagegraph.parse_file(self.dockerfile) as df:
            self.assertEqual(self.first_invalidated(df), rebuilt)
            # explicit text
            self.assertEqual(self.first_invalidated(df, dockerignore="src\n"), ignored)
            self.assertEqual(self.first_invalidated(df, dockerignore=b"other\n"), rebuilt)
            # <context>/.dockerignore, the context defaulting to the file's directory
            self.write(".dockerignore", "src\n")
            self.assertEqual(self.first_invalidated(df), ignored)
            self.assertEqual(self.first_invalidated(df, dockerignore=""), rebuilt)
            # Dockerfile.dockerignore beside the Dockerfile wins
            self.write("Dockerfile.dockerignore", "*.md\n")
            self.assertEqual(self.first_invalidated(df), rebuilt)
            os.remove(os.path.join(self.dir, "Dockerfile.dockerignore"))
            # another context directory
            other = self.make_tempdir()
            self.assertEqual(self.first_invalidated(df, context=other), rebuilt)
            with open(os.path.join(other, ".dockerignore"), "w") as f:
                f.write("src/*.ts\n")
            self.assertEqual(self.first_invalidated(df, context=other), ignored)
            with self.assertRaises(FileNotFoundError):
                df.cache(context=os.path.join(other, "missing"))
            with self.assertRaises(NotADirectoryError):
                df.cache(context=self.dockerfile)
        # Parsed from text: only an explicit context is read.
        with open(self.dockerfile) as f:
            text = f.read()
        with stagegraph.parse(text, path=self.dockerfile) as df:
            self.assertEqual(self.first_invalidated(df), rebuilt)
            self.assertEqual(self.first_invalidated(df, context=self.dir), ignored)

    def test_bad_pattern_names_the_ignore_file(self):
        path = self.write(".dockerignore", "!\n")
        with stagegraph.parse_file(self.dockerfile) as df:
            with self.assertRaises(stagegraph.ParseError) as cm:
                df.cache()
        self.assertEqual(cm.exception.path, path)
        self.assertIn("illegal exclusion pattern", cm.exception.message)


if __name__ == "__main__":
    unittest.main()
