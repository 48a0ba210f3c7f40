# SPDX-License-Identifier: MIT
"""Several threads reading one Dockerfile at the same time.

ctypes releases the GIL during each C call, so these threads really are
inside the library concurrently; the C document is immutable, so every
thread must see exactly what a single thread sees.
"""

import threading
import unittest

import stagegraph

THREADS = 8
ROUNDS = 8


def make_source(stages=60):
    parts = ["# syntax=docker/dockerfile:1\nARG BASE=alpine\n"]
    for n in range(stages):
        parts.append(
            "# s{n} stage number {n}\n"
            "FROM ${{BASE}} AS s{n}\n"
            "ENV N={n} M=\"v {n}\"\n"
            "LABEL stage=s{n}\n"
            "COPY --from=s{p} --chmod=644 [\"/a{n}\", \"/b\"]\n"
            "RUN --mount=type=cache,target=/c{n} <<EOF\n"
            "echo {n}\n"
            "EOF\n"
            "ONBUILD RUN echo {n}\n".format(n=n, p=max(n - 1, 0))
        )
    return "".join(parts)


def snapshot(df):
    """Everything readable, as plain data."""
    def ins_data(i):
        t = i.trigger
        return (
            i.index, int(i.kind), i.keyword, i.flags, i.args, i.is_json,
            None if t is None else ins_data(t), i.heredocs, i.start_line, i.end_line,
            i.start_offset, i.end_offset, i.original, i.comments, i.flag_value("from"),
        )

    return (
        df.escape,
        df.directives,
        [ins_data(i) for i in df.instructions],
        [
            (s.index, s.name, s.base, s.platform, s.description,
             s.from_instruction.index, [i.index for i in s.instructions],
             s.labels, s.envs, s.args)
            for s in df.stages
        ],
        [i.index for i in df.meta_args],
        df.diagnostics,
        df.dump(),
        df.dump("json"),
    )


class ThreadsTest(unittest.TestCase):
    def test_concurrent_readers_see_the_same_document(self):
        with stagegraph.parse(make_source()) as df:
            want = snapshot(df)
            self.assertEqual(len(want[3]), 60)
            barrier = threading.Barrier(THREADS)
            errors = []
            mismatches = []

            def reader():
                try:
                    barrier.wait()
                    for _ in range(ROUNDS):
                        if snapshot(df) != want:
                            mismatches.append(threading.current_thread().name)
                except BaseException as exc:  # noqa: B902 - reported below
                    errors.append(repr(exc))

            threads = [threading.Thread(target=reader) for _ in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertEqual(mismatches, [])

    def test_expand_and_parse_in_parallel(self):
        errors = []

        def worker(n):
            try:
                for _ in range(50):
                    self.assertEqual(stagegraph.expand_word("${A}-%d" % n, {"A": str(n)}), "%d-%d" % (n, n))
                    with stagegraph.parse("FROM img%d AS s\n" % n) as df:
                        self.assertEqual(df.stages[0].base, "img%d" % n)
                    self.assertEqual(stagegraph.parse_reference("img%d" % n).path, "library/img%d" % n)
            except BaseException as exc:  # noqa: B902
                errors.append(repr(exc))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_close_while_threads_read(self):
        df = stagegraph.parse(make_source(20))
        started = threading.Barrier(THREADS + 1)
        outcomes = []

        def reader():
            started.wait()
            try:
                while True:
                    snapshot(df)
            except ValueError:
                outcomes.append("closed")
            except BaseException as exc:  # noqa: B902
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=reader) for _ in range(THREADS)]
        for t in threads:
            t.start()
        started.wait()
        snapshot(df)
        df.close()
        for t in threads:
            t.join()
        self.assertEqual(outcomes, ["closed"] * THREADS)
        self.assertIsNone(df._ptr)  # freed once the last reader left



def make_plan_source(stages=60):
    """A stage graph with every kind of edge: every fifth stage is built
    FROM the one before, the others copy from it, and RUN mounts reach two
    back."""
    parts = ["# syntax=docker/dockerfile:1\nARG BASE=alpine\n"]
    for n in range(stages):
        base = "s%d" % (n - 1) if n % 5 == 4 else "${BASE}"
        parts.append("# s{n} stage number {n}\nFROM {base} AS s{n}\nENV N={n}\n".format(n=n, base=base))
        if n >= 1 and n % 5 != 4:
            parts.append("COPY --from=s%d /a%d /b\n" % (n - 1, n))
        parts.append("COPY src%d /src\n" % (n % 10))
        if n >= 2:
            parts.append("RUN --mount=type=bind,from=s%d,target=/m make\n" % (n - 2))
        if n == 0:
            parts.append("ONBUILD RUN echo 0\n")
    return "".join(parts)


def plan_snapshot(plan):
    """Everything a plan says, as plain data."""
    return (
        [(s.index, s.name, s.base, s.platform, s.parent.index if s.parent else None,
          s.image.normalized if s.image else None, s.context, s.needed, s.wave)
         for s in plan.stages],
        [(e.from_index, e.to_index, e.kind, e.line, e.reference, e.onbuild, e.instruction.index)
         for e in plan.edges],
        [(i.ref, i.normalized, [(u.kind, u.stage.index, u.line) for u in i.uses]) for i in plan.images],
        [s.index for s in plan.targets],
        [s.index for s in plan.order],
        [s.index for s in plan.pruned],
        [s.index for s in plan.critical_path],
        [[s.index for s in w] for w in plan.waves],
        plan.outline,
        plan.to_json(),
    )


def cache_snapshot(cache):
    return [
        (s.stage.index, s.first_invalidated, s.boundary.line if s.boundary else None,
         [(i.line, i.status, i.reason, i.inputs) for i in s.instructions])
        for s in cache.stages
    ]


class PlanThreadsTest(unittest.TestCase):
    TARGETS = [None, "s59", "s30", ["s10", "s45"], "s0"]

    def test_plans_from_several_threads_on_one_document(self):
        with stagegraph.parse(make_plan_source()) as df:
            want = {}
            for t in self.TARGETS:
                with df.plan(t) as plan, plan.cache(changed=["src7/x.c"]) as cache:
                    want[repr(t)] = (plan_snapshot(plan), cache_snapshot(cache))
            with df.lint() as lint:
                want_lint = lint.diagnostics
            self.assertEqual(len(want[repr(None)][0][4]), 60)  # s59 needs every stage
            self.assertEqual(want[repr("s0")][0][4], [0])
            barrier = threading.Barrier(THREADS)
            errors, mismatches = [], []

            def worker(n):
                try:
                    barrier.wait()
                    for r in range(ROUNDS // 2):
                        t = self.TARGETS[(n + r) % len(self.TARGETS)]
                        with df.plan(t) as plan, plan.cache(changed=["src7/x.c"]) as cache:
                            if (plan_snapshot(plan), cache_snapshot(cache)) != want[repr(t)]:
                                mismatches.append((n, t))
                        with df.lint() as lint:
                            if lint.diagnostics != want_lint:
                                mismatches.append((n, "lint"))
                except BaseException as exc:  # noqa: B902 - reported below
                    errors.append(repr(exc))

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertEqual(mismatches, [])

    def test_one_plan_read_by_several_threads(self):
        with stagegraph.parse(make_plan_source(30)) as df, df.plan() as plan:
            want = plan_snapshot(plan)
            barrier = threading.Barrier(THREADS)
            errors, mismatches = [], []

            def reader():
                try:
                    barrier.wait()
                    for _ in range(ROUNDS // 2):
                        if plan_snapshot(plan) != want:
                            mismatches.append(threading.current_thread().name)
                except BaseException as exc:  # noqa: B902
                    errors.append(repr(exc))

            threads = [threading.Thread(target=reader) for _ in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertEqual(mismatches, [])

    def test_close_the_document_while_threads_plan(self):
        df = stagegraph.parse(make_plan_source(20))
        started = threading.Barrier(THREADS + 1)
        outcomes = []

        def planner():
            started.wait()
            try:
                while True:
                    with df.plan() as plan:
                        plan_snapshot(plan)
            except ValueError:
                outcomes.append("closed")
            except BaseException as exc:  # noqa: B902
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=planner) for _ in range(THREADS)]
        for t in threads:
            t.start()
        started.wait()
        with df.plan() as plan:
            plan_snapshot(plan)
        df.close()
        for t in threads:
            t.join()
        self.assertEqual(outcomes, ["closed"] * THREADS)
        self.assertIsNone(df._ptr)  # freed once the last plan and reader left
        self.assertEqual(df._readers, 0)


if __name__ == "__main__":
    unittest.main()
