# SPDX-License-Identifier: MIT
"""The shared corpus: BuildKit's verdict, stage names and dump for every
file, and a leak check over repeated parses.

STAGEGRAPH_CORPUS points at the corpus (the Makefile sets it); the corpus
tests skip without it, the leak test then uses generated documents.
"""

import gc
import json
import os
import tracemalloc
import unittest

import stagegraph

from . import _support

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def corpus_or_skip():
    root = _support.corpus_dir()
    if not root:
        raise unittest.SkipTest("STAGEGRAPH_CORPUS is not set: corpus tests skipped")
    if not os.path.isdir(os.path.join(root, "files")):
        raise unittest.SkipTest("STAGEGRAPH_CORPUS=%s has no files/ directory" % root)
    return root


def read_index(root):
    index = {}
    with open(os.path.join(root, "buildkit", "INDEX.tsv"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            rec = {"verdict": fields[1]}
            if fields[1] == "ok":
                for field in fields[2:]:
                    key, _, value = field.partition("=")
                    rec[key] = value
            else:
                rec["message"] = fields[2]
            index[fields[0]] = rec
    return index


def walk(df):
    """Read everything a user can read (exercises every accessor)."""
    n = 0
    for ins in df.instructions:
        n += len(ins.args) + len(ins.flags) + len(ins.original) + len(ins.comments)
        n += ins.start_line + ins.end_line + ins.start_offset + ins.end_offset
        n += len(ins.keyword) + int(ins.kind) + ins.is_json
        for h in ins.heredocs:
            n += len(h.content)
        if ins.trigger is not None:
            n += len(ins.trigger.args)
        ins.flag_value("from")
    for st in df.stages:
        n += len(st.base) + len(st.instructions) + len(st.description)
        st.name, st.platform, st.from_instruction
        n += len(st.labels) + len(st.envs) + len(st.args)
    n += len(df.meta_args) + len(df.directives) + len(df.diagnostics) + len(df.escape)
    n += len(df.dump())
    try:
        df.verdict()
    except stagegraph.StagegraphError:
        n += 1
    return n


class CorpusTest(unittest.TestCase):
    def test_verdicts_names_and_dumps(self):
        root = corpus_or_skip()
        index = read_index(root)
        names = sorted(os.listdir(os.path.join(root, "files")))
        self.assertEqual(sorted(index), names, "INDEX.tsv and files/ disagree")
        problems = []
        counts = {"ok": 0, "parse": 0, "instructions": 0}
        for name in names:
            rec = index[name]
            path = os.path.join(root, "files", name)
            try:
                df = stagegraph.parse_file(path)
            except stagegraph.StagegraphError as e:
                counts["parse"] += 1
                if rec["verdict"] != "error" or rec["message"] != "parse: " + e.message:
                    problems.append("%s: parse raised %r, BuildKit: %r" % (name, e, rec))
                elif not isinstance(e, stagegraph.ParseError) or e.path != path:
                    problems.append("%s: %r is not a ParseError naming the path" % (name, e))
                continue
            with df:
                dump_file = os.path.join(root, "buildkit", name + ".dump")
                with open(dump_file, "rb") as f:
                    if df.dump() != f.read().decode("utf-8", "surrogateescape"):
                        problems.append("%s: dump differs from BuildKit's" % name)
                try:
                    df.verdict()
                except stagegraph.ParseError as e:
                    counts["instructions"] += 1
                    if rec["verdict"] != "error" or rec["message"] != "instructions: " + e.message:
                        problems.append("%s: verdict %r, BuildKit: %r" % (name, e, rec))
                    elif e.message.startswith("dockerfile parse error on line ") and not e.line:
                        problems.append("%s: %r has no line" % (name, e))
                    continue
                counts["ok"] += 1
                if rec["verdict"] != "ok":
                    problems.append("%s: accepted, BuildKit: %r" % (name, rec))
                    continue
                got_names = ",".join(s.name or "-" for s in df.stages)
                if got_names != rec["names"]:
                    problems.append("%s: stages %s, BuildKit %s" % (name, got_names, rec["names"]))
                if str(len(df.stages)) != rec["stages"]:
                    problems.append("%s: %d stages, BuildKit %s" % (name, len(df.stages), rec["stages"]))
                if str(len(df.instructions)) != rec["instructions"]:
                    problems.append(
                        "%s: %d instructions, BuildKit %s" % (name, len(df.instructions), rec["instructions"])
                    )
        self.assertEqual(problems[:20], [], "%d problems" % len(problems))
        self.assertEqual(sum(counts.values()), len(names))
        self.assertGreater(counts["ok"], 1000)
        self.assertGreater(counts["parse"], 0)
        self.assertGreater(counts["instructions"], 0)


def synthetic_documents():
    from .test_threads import make_source

    docs = [make_source(n).encode() for n in range(1, 40)]
    docs += [b"FROM a\nCOPY --user=x a b\n", b"ENV\n", b"FROM a\nRUN echo \\\n\n b\n"]
    return docs


class _Measure:
    """Passes over a list of sources (each pass: ``self._pass``) must not
    grow the process (RSS) or the Python heap."""

    PASSES = 3
    RSS_LIMIT = 4 << 20  # "a few MB"
    PY_LIMIT = 64 << 10

    def _measure(self, sources):
        # Pass 1 warms up (caches, interned strings, malloc arenas); the
        # Python heap is traced from then on, so anything passes 2..N leave
        # behind shows up.
        self._pass(sources)
        gc.collect()
        tracemalloc.start()
        try:
            rss0 = rss_bytes()
            py0 = tracemalloc.get_traced_memory()[0]
            for _ in range(self.PASSES - 1):
                self._pass(sources)
            gc.collect()
            rss1 = rss_bytes()
            py1 = tracemalloc.get_traced_memory()[0]
            # Documents dropped without close() are freed by __del__.
            self._pass(sources, close=False)
            gc.collect()
            rss2 = rss_bytes()
            py2 = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        self.assertLess(rss1 - rss0, self.RSS_LIMIT, "RSS grew by %d bytes" % (rss1 - rss0))
        self.assertLess(py1 - py0, self.PY_LIMIT, "Python heap grew by %d bytes" % (py1 - py0))
        self.assertLess(rss2 - rss0, self.RSS_LIMIT, "RSS grew by %d bytes without close()" % (rss2 - rss0))
        self.assertLess(py2 - py0, self.PY_LIMIT, "Python heap grew by %d bytes without close()" % (py2 - py0))


class LeakTest(_Measure, unittest.TestCase):
    def _pass(self, sources, close=True):
        for src in sources:
            try:
                df = stagegraph.parse_file(src) if isinstance(src, str) else stagegraph.parse(src)
            except stagegraph.StagegraphError:
                continue
            walk(df)
            if close:
                df.close()
            del df

    def test_repeated_parses_do_not_grow(self):
        root = _support.corpus_dir()
        if root and os.path.isdir(os.path.join(root, "files")):
            files = os.path.join(root, "files")
            sources = [os.path.join(files, n) for n in sorted(os.listdir(files))]
        else:
            sources = synthetic_documents()  # still meaningful without the corpus
        self._measure(sources)

def walk_analyses(df, close=True):
    """Plan, cache and lint a document and read everything they say."""
    n = 0
    try:
        plan = df.plan()
    except stagegraph.StagegraphError:
        return 0
    for st in plan.stages:
        n += len(st.base) + int(st.needed) + (st.wave or 0)
        st.parent, st.image, st.context, st.platform
    for e in plan.edges:
        n += e.line + len(e.instruction.keyword)
    for img in plan.images:
        n += len(img.uses)
    n += len(plan.order) + len(plan.pruned) + len(plan.critical_path) + len(plan.waves)
    n += len(plan.outline.args) + len(plan.to_json()) + len(plan.to_dot())
    try:
        cache = plan.cache(changed=["src/main.c", "package.json"], changed_args=["VERSION"])
    except stagegraph.StagegraphError:
        cache = None
    if cache is not None:
        for cs in cache.stages:
            for ci in cs.instructions:
                n += len(ci.inputs) + len(ci.reason or "")
        n += len(cache.to_json())
    try:
        lint = df.lint()
    except stagegraph.StagegraphError:
        lint = None
    if lint is not None:
        n += len(lint.diagnostics) + len(lint.to_sarif())
    if close:
        for obj in (lint, cache, plan):
            if obj is not None:
                obj.close()
    return n


class PlanLeakTest(_Measure, unittest.TestCase):
    """Plans, caches and lints of the multi-stage corpus files (or of
    generated documents without the corpus), closed and dropped."""

    def _pass(self, sources, close=True):
        for src in sources:
            df = stagegraph.parse_file(src) if isinstance(src, str) else stagegraph.parse(src)
            walk_analyses(df, close)
            if close:
                df.close()
            del df

    def test_repeated_plans_do_not_grow(self):
        root = _support.corpus_dir()
        sources = []
        if root and os.path.isdir(os.path.join(root, "files")):
            files = os.path.join(root, "files")
            for name in sorted(os.listdir(files)):
                path = os.path.join(files, name)
                try:
                    with stagegraph.parse_file(path) as df:
                        if df.is_multistage:
                            sources.append(path)
                except stagegraph.StagegraphError:
                    pass
            self.assertGreater(len(sources), 300)
        else:
            from .test_threads import make_plan_source

            sources = [make_plan_source(n).encode() for n in range(1, 40)]
        self._measure(sources)


class CliTest(unittest.TestCase):
    def test_cli_dump_matches_binding(self):
        cli = os.environ.get("STAGEGRAPH_CLI")
        if not cli or not os.access(cli, os.X_OK):
            self.skipTest("STAGEGRAPH_CLI not set or not executable")
        import subprocess

        from .test_parse import DumpTest

        tmp = _support.TempDirMixin()
        tmp.addCleanup = self.addCleanup
        path = os.path.join(tmp.make_tempdir(), "Dockerfile")
        with open(path, "w") as f:
            f.write(DumpTest.SOURCE)
        out = subprocess.run([cli, "dump", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with stagegraph.parse_file(path) as df:
            self.assertEqual(out.stdout.decode("utf-8"), df.dump())



def python_plan(path):
    """What the binding says about a file: ("ok", facts) or ("error", code,
    message)."""
    try:
        df = stagegraph.parse_file(path)
    except stagegraph.StagegraphError as e:
        return ("error", int(e.code), e.message)
    with df:
        try:
            plan = df.plan()
        except stagegraph.StagegraphError as e:
            return ("error", int(e.code), e.message)
        with plan:
            return ("ok", {
                "names": [s.name for s in plan.stages],
                "edges": [(e.from_index, e.to_index, e.kind) for e in plan.edges],
                "stages": [
                    (s.base, s.parent.index if s.parent else None, s.needed, s.wave)
                    for s in plan.stages
                ],
                "images": [i.ref for i in plan.images],
                "targets": [s.index for s in plan.targets],
                "order": [s.index for s in plan.order],
                "pruned": [s.index for s in plan.pruned],
                "critical_path": [s.index for s in plan.critical_path],
                "waves": [[s.index for s in w] for w in plan.waves],
            })


def cli_plan(cli, path):
    """The same facts from `stagegraph plan FILE --format json`."""
    import subprocess

    proc = subprocess.run(
        [cli, "plan", path, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    try:
        data = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError:
        return ("bad", proc.returncode, proc.stdout[:200], proc.stderr[:200])
    if proc.returncode != 0:
        err = data.get("error", {})
        return ("error", err.get("code"), err.get("message"), proc.returncode)
    return ("ok", {
        "names": [s["name"] for s in data["stages"]],
        "edges": [(e["from"], e["to"], e["kind"]) for e in data["edges"]],
        "stages": [(s["base"], s["parent"], s["needed"], s["wave"]) for s in data["stages"]],
        "images": [i["ref"] for i in data["images"]],
        "targets": data["targets"],
        "order": data["order"],
        "pruned": data["pruned"],
        "critical_path": data["critical_path"],
        "waves": data["waves"],
    })


class PlanCorpusTest(unittest.TestCase):
    def test_plans_match_the_cli(self):
        root = corpus_or_skip()
        cli = os.environ.get("STAGEGRAPH_CLI")
        if not cli:
            self.skipTest(
                "STAGEGRAPH_CLI is not set: the corpus plan comparison needs the C CLI "
                "(make python-test sets it to build/bin/stagegraph)"
            )
        self.assertTrue(os.access(cli, os.X_OK), "STAGEGRAPH_CLI=%s is not an executable" % cli)
        from concurrent.futures import ThreadPoolExecutor

        files = os.path.join(root, "files")
        paths = [os.path.join(files, n) for n in sorted(os.listdir(files))]
        with ThreadPoolExecutor(max_workers=max(2, min(8, 2 * (os.cpu_count() or 1)))) as pool:
            cli_results = list(pool.map(lambda p: cli_plan(cli, p), paths))
        problems = []
        planned = failed = 0
        for path, theirs in zip(paths, cli_results):
            name = os.path.basename(path)
            ours = python_plan(path)
            if ours[0] == "ok":
                planned += 1
                if theirs[0] != "ok":
                    problems.append("%s: planned here, the CLI says %r" % (name, theirs))
                    continue
                for key in ours[1]:
                    if ours[1][key] != theirs[1][key]:
                        problems.append("%s: %s %r, CLI %r" % (name, key, ours[1][key], theirs[1][key]))
            else:
                failed += 1
                # The CLI fails the same way: exit 1, same code and message.
                if theirs[0] != "error" or theirs[1:] != (ours[1], ours[2], 1):
                    problems.append("%s: %r here, the CLI says %r" % (name, ours, theirs))
        print("\ncorpus plans: %d planned, %d refused, %d compared with the CLI" % (planned, failed, len(paths)))
        self.assertEqual(problems[:20], [], "%d problems" % len(problems))
        self.assertGreater(planned, 1000)


if __name__ == "__main__":
    unittest.main()
