# SPDX-License-Identifier: MIT
"""Ownership: close(), the context manager, __del__, and views after close."""

import gc
import unittest

import stagegraph

SRC = (
    "# syntax=docker/dockerfile:1\n"
    "ARG V=1\n"
    "FROM alpine AS base\n"
    "ENV A=1\n"
    "LABEL l=x\n"
    "ONBUILD RUN echo hi\n"
    "RUN <<EOF\necho\nEOF\n"
    "FROM base\n"
    "COPY --from=base /a /b\n"
)

DOC_ACCESSORS = [
    lambda d: d.escape,
    lambda d: d.directives,
    lambda d: d.instructions,
    lambda d: d.stages,
    lambda d: d.meta_args,
    lambda d: d.diagnostics,
    lambda d: d.verdict(),
    lambda d: d.dump(),
    lambda d: d.dump("json"),
    lambda d: d.is_multistage,
    lambda d: d.baseimage,
    lambda d: d.parent_images,
    lambda d: d.labels,
    lambda d: d.envs,
    lambda d: d.args,
]

INSTRUCTION_ACCESSORS = [
    lambda i: i.kind,
    lambda i: i.keyword,
    lambda i: i.flags,
    lambda i: i.args,
    lambda i: i.is_json,
    lambda i: i.trigger,
    lambda i: i.heredocs,
    lambda i: i.start_line,
    lambda i: i.end_line,
    lambda i: i.start_offset,
    lambda i: i.end_offset,
    lambda i: i.original,
    lambda i: i.comments,
    lambda i: i.flag_value("from"),
]

STAGE_ACCESSORS = [
    lambda s: s.name,
    lambda s: s.base,
    lambda s: s.platform,
    lambda s: s.description,
    lambda s: s.instructions,
    lambda s: s.from_instruction,
    lambda s: s.labels,
    lambda s: s.envs,
    lambda s: s.args,
]


class FreeRecorder:
    def __init__(self, real):
        self.real = real
        self.calls = 0

    def __call__(self, ptr):
        self.calls += 1
        self.real(ptr)


class LifetimeTest(unittest.TestCase):
    def test_everything_raises_after_close(self):
        df = stagegraph.parse(SRC)
        ins = df.instructions
        trigger = ins[4].trigger
        stages = df.stages
        # All readable while open.
        for f in DOC_ACCESSORS:
            f(df)
        for i in ins + [trigger]:
            for f in INSTRUCTION_ACCESSORS:
                f(i)
        for s in stages:
            for f in STAGE_ACCESSORS:
                f(s)
        df.close()
        self.assertTrue(df.closed)
        for n, f in enumerate(DOC_ACCESSORS):
            with self.subTest(doc_accessor=n):
                with self.assertRaises(ValueError):
                    f(df)
        for i in ins + [trigger]:
            for n, f in enumerate(INSTRUCTION_ACCESSORS):
                with self.subTest(instruction=i.index, accessor=n):
                    with self.assertRaises(ValueError):
                        f(i)
        for s in stages:
            for n, f in enumerate(STAGE_ACCESSORS):
                with self.subTest(stage=s.index, accessor=n):
                    with self.assertRaises(ValueError):
                        f(s)
        # Still printable, comparable and hashable.
        self.assertIn("closed", repr(df))
        self.assertIn("closed", repr(ins[0]))
        self.assertIn("closed", repr(stages[0]))
        self.assertEqual(ins[0], ins[0])
        hash(ins[0])
        hash(stages[0])
        df.close()  # idempotent
        with self.assertRaises(ValueError):
            with df:
                pass

    def test_context_manager(self):
        with stagegraph.parse(SRC) as df:
            self.assertFalse(df.closed)
            first = df.instructions[0]
            self.assertEqual(first.keyword, "ARG")
        self.assertTrue(df.closed)
        with self.assertRaises(ValueError):
            first.keyword
        try:
            with stagegraph.parse(SRC) as df2:
                raise KeyError("inside")
        except KeyError:
            pass
        self.assertTrue(df2.closed)

    def test_constructor_is_private(self):
        with self.assertRaises(TypeError):
            stagegraph.Dockerfile()

    def test_cannot_be_copied(self):
        import copy
        import pickle

        with stagegraph.parse(SRC) as df:
            for f in (copy.copy, copy.deepcopy, pickle.dumps):
                with self.assertRaises(TypeError):
                    f(df)

    def test_del_is_a_backstop(self):
        df = stagegraph.parse(SRC)
        rec = FreeRecorder(df._free)
        df._free = rec
        del df
        gc.collect()
        self.assertEqual(rec.calls, 1)

    def test_views_keep_the_document_alive(self):
        df = stagegraph.parse(SRC)
        rec = FreeRecorder(df._free)
        df._free = rec
        stage = df.stages[1]
        trigger = df.instructions[4].trigger
        del df
        gc.collect()
        self.assertEqual(rec.calls, 0)
        self.assertEqual(stage.base, "base")
        self.assertEqual(trigger.args, ["echo hi"])
        self.assertIs(stage.dockerfile, trigger.dockerfile)
        del stage
        gc.collect()
        self.assertEqual(rec.calls, 0)
        del trigger
        gc.collect()
        self.assertEqual(rec.calls, 1)

    def test_close_frees_once(self):
        df = stagegraph.parse(SRC)
        rec = FreeRecorder(df._free)
        df._free = rec
        df.close()
        df.close()
        del df
        gc.collect()
        self.assertEqual(rec.calls, 1)

    def test_close_during_a_read_defers_the_free(self):
        df = stagegraph.parse(SRC)
        rec = FreeRecorder(df._free)
        df._free = rec
        df._acquire()  # a read in progress on some thread
        df.close()
        self.assertEqual(rec.calls, 0)
        with self.assertRaises(ValueError):
            df.instructions  # new reads are refused at once
        df._release()  # the reader leaves: the document is freed now
        self.assertEqual(rec.calls, 1)
        del df
        gc.collect()
        self.assertEqual(rec.calls, 1)



class OrderRecorder:
    """A _free replacement that logs (name) into a shared list."""

    def __init__(self, real, name, log):
        self.real, self.name, self.log = real, name, log

    def __call__(self, ptr):
        self.log.append(self.name)
        self.real(ptr)


def record(obj, name, log):
    obj._free = OrderRecorder(obj._free, name, log)


PLAN_ACCESSORS = [
    lambda p: p.stages,
    lambda p: p.stage("base"),
    lambda p: p.edges,
    lambda p: p.images,
    lambda p: p.targets,
    lambda p: p.order,
    lambda p: p.pruned,
    lambda p: p.critical_path,
    lambda p: p.waves,
    lambda p: p.legacy,
    lambda p: p.outline,
    lambda p: p.to_json(),
    lambda p: p.to_text(),
    lambda p: p.to_dot(),
    lambda p: p.to_mermaid(),
    lambda p: p.cache(),
]

PLAN_STAGE_ACCESSORS = STAGE_ACCESSORS + [
    lambda s: s.parent,
    lambda s: s.image,
    lambda s: s.context,
    lambda s: s.needed,
    lambda s: s.wave,
    lambda s: s.stage,
    lambda s: s.line,
]

CACHE_ACCESSORS = [
    lambda c: c.stages,
    lambda c: c.layer_count,
    lambda c: c.layers_surviving_edit,
    lambda c: c.to_json(),
    lambda c: c.to_text(),
    lambda c: c.stage(0),
]

LINT_ACCESSORS = [
    lambda l: l.diagnostics,
    lambda l: l.failed,
    lambda l: l.to_text(),
    lambda l: l.to_json(),
    lambda l: l.to_sarif(),
]


class AnalysisLifetimeTest(unittest.TestCase):
    def test_closing_the_document_closes_everything_made_from_it(self):
        df = stagegraph.parse(SRC)
        log = []
        record(df, "doc", log)
        plan = df.plan()
        record(plan, "plan", log)
        cache = plan.cache()
        record(cache, "cache", log)
        lint = df.lint()
        record(lint, "lint", log)
        own_cache = df.cache()  # with its own internal plan
        record(own_cache, "own cache", log)
        record(own_cache.plan, "own plan", log)
        stage = plan.stages[1]
        edge = plan.edges[0]
        row = cache.stages[0]
        for f in PLAN_ACCESSORS:
            f(plan)
        for f in PLAN_STAGE_ACCESSORS:
            f(stage)
        for f in CACHE_ACCESSORS:
            f(cache)
        for f in LINT_ACCESSORS:
            f(lint)
        df.close()
        for obj in (df, plan, cache, lint, own_cache, own_cache.plan):
            self.assertTrue(obj.closed, obj)
        # Children before parents, each exactly once.
        self.assertEqual(sorted(log), sorted(["doc", "plan", "cache", "lint", "own cache", "own plan"]))
        self.assertEqual(log[-1], "doc")
        self.assertLess(log.index("cache"), log.index("plan"))
        self.assertLess(log.index("own cache"), log.index("own plan"))
        for n, f in enumerate(PLAN_ACCESSORS):
            with self.subTest(plan_accessor=n), self.assertRaises(ValueError):
                f(plan)
        for n, f in enumerate(PLAN_STAGE_ACCESSORS):
            with self.subTest(plan_stage_accessor=n), self.assertRaises(ValueError):
                f(stage)
        for n, f in enumerate(CACHE_ACCESSORS):
            with self.subTest(cache_accessor=n), self.assertRaises(ValueError):
                f(cache)
        for n, f in enumerate(LINT_ACCESSORS):
            with self.subTest(lint_accessor=n), self.assertRaises(ValueError):
                f(lint)
        with self.assertRaises(ValueError):
            edge.instruction.keyword
        with self.assertRaises(ValueError):
            edge.source.base
        with self.assertRaises(ValueError):
            row.instructions[0].instruction.args
        # Nothing new from a closed document.
        for make in (df.plan, df.lint, df.cache, df.outline, lambda: df.targets):
            with self.assertRaises(ValueError):
                make()
        for obj in (plan, cache, lint):
            self.assertIn("closed", repr(obj))
            obj.close()  # idempotent
            with self.assertRaises(ValueError):
                with obj:
                    pass
        self.assertIn("closed", repr(stage))
        self.assertEqual(len(log), 6)

    def test_closing_a_plan_closes_its_caches_only(self):
        with stagegraph.parse(SRC) as df:
            plan = df.plan()
            cache = plan.cache()
            other = df.plan()
            stage = plan.stages[1]
            ins = stage.instructions[0]  # a view of the document
            doc_stage = stage.stage
            plan.close()
            self.assertTrue(cache.closed)
            for n, f in enumerate(PLAN_STAGE_ACCESSORS):
                with self.subTest(plan_stage_accessor=n), self.assertRaises(ValueError):
                    f(stage)
            self.assertEqual(ins.keyword, "COPY")
            self.assertEqual(doc_stage.base, "base")
            with self.assertRaises(ValueError):
                cache.stages
            self.assertFalse(df.closed)
            self.assertEqual([s.name for s in other.order], ["base", None])
            df.stages  # the document is untouched
        self.assertTrue(other.closed)

    def test_a_plan_keeps_its_document_alive(self):
        df = stagegraph.parse(SRC)
        rec = FreeRecorder(df._free)
        df._free = rec
        plan = df.plan()
        lint = df.lint()
        del df
        gc.collect()
        self.assertEqual(rec.calls, 0)
        self.assertEqual([s.name for s in plan.order], ["base", None])
        self.assertEqual(plan.stages[1].base, "base")  # document views work too
        self.assertEqual(plan.edges[0].instruction.keyword, "FROM")
        self.assertIsInstance(lint.diagnostics, list)
        plan.close()
        self.assertFalse(plan.dockerfile.closed)  # still reachable, still open
        del lint
        gc.collect()
        self.assertEqual(rec.calls, 0)
        del plan  # the last reference to the Dockerfile
        gc.collect()
        self.assertEqual(rec.calls, 1)

    def test_a_cache_keeps_its_plan_alive(self):
        df = stagegraph.parse(SRC)
        log = []
        record(df, "doc", log)
        plan = df.plan()
        record(plan, "plan", log)
        cache = plan.cache(changed="x")
        record(cache, "cache", log)
        del plan, df
        gc.collect()
        self.assertEqual(log, [])
        self.assertEqual([s.stage.name for s in cache.stages], ["base", None])
        del cache
        gc.collect()
        self.assertEqual(log, ["cache", "plan", "doc"])

    def test_views_keep_the_plan_alive(self):
        df = stagegraph.parse(SRC)
        plan = df.plan()
        log = []
        record(plan, "plan", log)
        record(df, "doc", log)
        stage = plan.stages[1]
        edges = plan.edges
        del plan, df
        gc.collect()
        self.assertEqual(log, [])
        self.assertEqual(stage.parent.name, "base")
        self.assertEqual(edges[0].source, stage.parent)
        self.assertEqual(stage.plan.stage(0).name, "base")
        del stage, edges
        gc.collect()
        self.assertEqual(log, ["plan", "doc"])

    def test_del_is_a_backstop(self):
        df = stagegraph.parse(SRC)
        log = []
        record(df, "doc", log)
        plan = df.plan()
        record(plan, "plan", log)
        lint = df.lint()
        record(lint, "lint", log)
        cache = df.cache()
        record(cache, "cache", log)
        record(cache.plan, "cache plan", log)
        del plan, lint, cache
        gc.collect()
        self.assertEqual(sorted(log), ["cache", "cache plan", "lint", "plan"])
        self.assertLess(log.index("cache"), log.index("cache plan"))
        df.close()
        self.assertEqual(log[-1], "doc")
        self.assertEqual(len(log), 5)

    def test_cycles_are_collected_in_any_order(self):
        # A reference cycle through user objects: the finalizers run in an
        # order gc picks; a parent must still be freed after its children.
        df = stagegraph.parse(SRC)
        log = []
        record(df, "doc", log)
        plan = df.plan()
        record(plan, "plan", log)
        cache = plan.cache()
        record(cache, "cache", log)
        holder = [df, plan, cache]
        holder.append(holder)
        del df, plan, cache, holder
        gc.collect()
        self.assertEqual(log, ["cache", "plan", "doc"])

    def test_close_during_a_plan_read_defers_the_free(self):
        with stagegraph.parse(SRC) as df:
            plan = df.plan()
            rec = FreeRecorder(plan._free)
            plan._free = rec
            plan._acquire()  # a read in progress on some thread
            df.close()  # cascades: the plan is closed, not yet freed
            self.assertTrue(plan.closed)
            self.assertEqual(rec.calls, 0)
            self.assertIsNotNone(df._ptr)  # the plan still pins the document
            with self.assertRaises(ValueError):
                plan.order
            plan._release()
            self.assertEqual(rec.calls, 1)
            self.assertIsNone(df._ptr)

    def test_cannot_be_copied(self):
        import copy
        import pickle

        with stagegraph.parse(SRC) as df, df.plan() as plan, plan.cache() as cache, df.lint() as lint:
            for obj in (plan, cache, lint):
                for f in (copy.copy, copy.deepcopy, pickle.dumps):
                    with self.assertRaises(TypeError):
                        f(obj)


if __name__ == "__main__":
    unittest.main()
