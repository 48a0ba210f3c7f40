# SPDX-License-Identifier: MIT
"""The README example: the module docstring's session on
examples/Dockerfile runs as written (doctest), and the same walk-through
is checked here against values derived by hand from the file.

examples/Dockerfile: deps (FROM node:${NODE_VERSION}-bookworm-slim, line 7)
-> build (FROM deps, line 14; COPY src ./src on line 16) -> test (FROM
build, line 21); runtime (FROM node:..., line 26) copies /app/node_modules
and /app/dist from build on lines 29 and 30.
"""

import doctest
import os
import unittest

import stagegraph

from . import _support

EXAMPLE = os.path.join(_support.REPO, "examples", "Dockerfile")


def in_repo(test):
    """Run with the repository root as the working directory (the
    docstring uses the relative path examples/Dockerfile)."""
    if not os.path.exists(EXAMPLE):
        test.skipTest("examples/Dockerfile not found (not run from the source tree)")
    old = os.getcwd()
    os.chdir(_support.REPO)
    test.addCleanup(os.chdir, old)


class ExampleTest(unittest.TestCase):
    def test_module_docstring_runs(self):
        in_repo(self)
        finder = doctest.DocTestFinder(recurse=False)
        tests = finder.find(stagegraph, "stagegraph")
        self.assertEqual(len(tests), 1)
        self.assertGreater(len(tests[0].examples), 8)
        runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
        for t in tests:
            runner.run(t)
        result = runner.summarize(verbose=False)
        self.assertEqual(result.failed, 0, "the module docstring's example is out of date")

    def test_walk_through(self):
        in_repo(self)
        with stagegraph.parse_file("examples/Dockerfile") as df:
            plan = df.plan("runtime")
            print("\nplan for runtime:")
            print("  order:", [s.name for s in plan.order])
            print("  pruned:", [s.name for s in plan.pruned])
            print("  waves:", [[s.name for s in w] for w in plan.waves])
            print("  critical path:", [s.name for s in plan.critical_path])
            # runtime needs build (COPY --from), build needs deps (FROM);
            # nothing needs test. Each stage waits for the previous one.
            self.assertEqual([s.name for s in plan.order], ["deps", "build", "runtime"])
            self.assertEqual([s.name for s in plan.pruned], ["test"])
            self.assertEqual([[s.name for s in w] for w in plan.waves], [["deps"], ["build"], ["runtime"]])
            self.assertEqual([s.name for s in plan.critical_path], ["deps", "build", "runtime"])
            self.assertEqual(
                [(e.source.name, e.dependent.name, e.kind, e.line) for e in plan.edges],
                [("deps", "build", "from", 14), ("build", "test", "from", 21),
                 ("build", "runtime", "copy", 29), ("build", "runtime", "copy", 30)],
            )
            self.assertEqual([i.normalized for i in plan.images], ["docker.io/library/node:20-bookworm-slim"])
            self.assertEqual(plan.outline.args, [("NODE_VERSION", "20", "", 4)])

            cache = plan.cache(changed=["src/index.ts"])
            print("a change to src/index.ts rebuilds:")
            for s in cache.stages:
                print("  %-8s from line %s: %s" % (
                    s.stage.name, s.first_invalidated,
                    [(i.line, i.status) for i in s.instructions if i.status != "cached"]))
            # deps reads only package*.json: cached. build's COPY src (16)
            # reads the file: it and the RUN after it rebuild. runtime's
            # COPY --from=build (29, 30) depend on build's output: "maybe",
            # and so is everything after them.
            self.assertEqual([s.first_invalidated for s in cache.stages], [None, 16, 29])
            self.assertEqual(
                [(i.line, i.status) for i in cache.stages[1].instructions],
                [(14, "cached"), (15, "cached"), (16, "invalidated"), (17, "invalidated")],
            )
            self.assertEqual(
                [i.line for i in cache.stages[2].instructions if i.status == "maybe"],
                [29, 30, 31, 32, 33, 34, 36],
            )
            self.assertEqual((cache.layers_surviving_edit, cache.layer_count), (5, 10))
        self.assertTrue(plan.closed and cache.closed)


if __name__ == "__main__":
    unittest.main()
