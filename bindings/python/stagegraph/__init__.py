# SPDX-License-Identifier: MIT
"""Parse Dockerfiles exactly as BuildKit does (ctypes binding of libstagegraph).

Quick start::

    import stagegraph

    with stagegraph.parse_file("Dockerfile", build_args={"VERSION": "1.2"}) as df:
        df.verdict()                   # raises ParseError where BuildKit would fail
        for stage in df.stages:
            print(stage.index, stage.name, stage.base)
        for ins in df.instructions:
            print(ins.start_line, ins.keyword, ins.args)
        print(df.dump())               # BuildKit's Node.Dump() text

Build plans, the layer cache and lint: the Node.js service of
``examples/Dockerfile`` has stages ``deps`` -> ``build`` -> ``test``, and a
``runtime`` stage on its own base image that copies ``build``'s output.
Planning the ``runtime`` target shows BuildKit skips ``test``; the cache
model then shows what editing a file under ``src/`` rebuilds: ``build``
from its ``COPY src ./src`` (line 16) on, and ``runtime`` maybe from its
first ``COPY --from=build`` (line 29): BuildKit compares the files it copies
from a rebuilt stage by content, so those layers miss only if the compiled
output really changed.

>>> import stagegraph
>>> df = stagegraph.parse_file("examples/Dockerfile")
>>> plan = df.plan("runtime")
>>> [s.name for s in plan.order], [s.name for s in plan.pruned]
(['deps', 'build', 'runtime'], ['test'])
>>> [[s.name for s in wave] for wave in plan.waves]
[['deps'], ['build'], ['runtime']]
>>> for e in plan.edges:
...     print(e.source.name, "->", e.dependent.name, e.kind, "line", e.line)
deps -> build from line 14
build -> test from line 21
build -> runtime copy line 29
build -> runtime copy line 30
>>> plan.stage("runtime").base          # ${NODE_VERSION} expanded
'node:20-bookworm-slim'
>>> cache = plan.cache(changed=["src/index.ts"])
>>> for st in cache.stages:
...     print(st.stage.name, st.first_invalidated,
...           [(i.line, i.status) for i in st.instructions if i.status != "cached"])
deps None []
build 16 [(16, 'invalidated'), (17, 'invalidated')]
runtime 29 [(29, 'maybe'), (30, 'maybe'), (31, 'maybe'), (32, 'maybe'), (33, 'maybe'), (34, 'maybe'), (36, 'maybe')]
>>> cache.layers_surviving_edit, cache.layer_count
(5, 10)
>>> df.close()                          # also closes plan and cache

Finding the library: :func:`set_library_file` (before first use), else the
``STAGEGRAPH_LIBRARY`` environment variable, else a ``libstagegraph.so.*``
shipped in this package, else the versioned SONAME (``libstagegraph.so.0.2``)
through the dynamic loader. The library's MAJOR.MINOR must match this
package's version. Failures raise :class:`StagegraphLibraryError` naming
every path tried.

Objects and memory: :class:`Dockerfile`, :class:`Plan`, :class:`Cache` and
:class:`Lint` own C objects. Release them with ``close()`` or a ``with``
block (``__del__`` is only a backstop). A Plan and a Lint keep their
Dockerfile alive and a Cache its Plan (the C objects borrow them), so
dropping the Dockerfile while a plan is in use is safe. Closing is
deterministic and cascades: ``Dockerfile.close()`` also closes the plans,
caches and lints made from it, ``Plan.close()`` its caches. Views
(:class:`Instruction`, :class:`Stage`, :class:`PlanStage`) keep their owner
alive and read the C object on each access; after close every view, like
its owner, raises ValueError. Diagnostics, heredocs, directives, references,
images, edges, outlines and cache rows are plain copied values (holding
views where they name a stage or an instruction).

Threads and the GIL: a parsed document, a plan, a cache and a lint are
immutable, and ctypes releases the GIL during every C call, so any number of
threads may read the same object (and make plans from the same Dockerfile)
at the same time, truly in parallel inside the library. ``close()`` is safe
to call while other threads are reading: new reads raise ValueError and the
C object is freed when the last reader leaves. Different documents are
independent; the library has no global state.

Text: arguments, heredoc bodies and the like are decoded from UTF-8 with
``'surrogateescape'``, so bytes that are not UTF-8 survive a round trip
(``s.encode('utf-8', 'surrogateescape')``) and NUL bytes inside JSON-form
arguments are kept.
"""

import enum
import errno
import os
import stat
import threading
import weakref
from collections import namedtuple
from ctypes import addressof, byref, c_size_t
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import (
    Code,
    CycleError,
    ExpansionError,
    InvalidReferenceError,
    InvalidStageError,
    LibraryError,
    ParseError,
    StagegraphError,
    StagegraphLibraryError,
    StagegraphMemoryError,
    StagegraphValueError,
    UnknownTargetError,
)
from ._native import __version__, library_path, set_library_file

__all__ = [
    "__version__",
    "set_library_file",
    "library_path",
    "library_version",
    "parse",
    "parse_file",
    "expand",
    "expand_word",
    "expand_words",
    "unset_variables",
    "parse_reference",
    "rules",
    "Dockerfile",
    "Instruction",
    "Stage",
    "Heredoc",
    "Directive",
    "Diagnostic",
    "Reference",
    "Target",
    "Plan",
    "PlanStage",
    "Edge",
    "Image",
    "ImageUse",
    "Outline",
    "OutlineArg",
    "OutlineSecret",
    "OutlineSSH",
    "Cache",
    "CacheStage",
    "CacheInstruction",
    "CacheInput",
    "Lint",
    "Rule",
    "Kind",
    "Severity",
    "Code",
    "StagegraphError",
    "ParseError",
    "UnknownTargetError",
    "CycleError",
    "InvalidStageError",
    "InvalidReferenceError",
    "ExpansionError",
    "LibraryError",
    "StagegraphLibraryError",
    "StagegraphMemoryError",
    "StagegraphValueError",
]



def library_version() -> str:
    """The loaded library's version string ("0.2.0")."""
    return _native.decode(_native.lib().stagegraph_version_string())


# ---------------------------------------------------------------------------
# Enums and value types
# ---------------------------------------------------------------------------


class Kind(enum.IntEnum):
    """``stagegraph_kind``: the instruction's keyword. ``kind.name`` is the
    upper-case keyword ("COPY"); UNKNOWN is any other keyword."""

    UNKNOWN = 0
    ADD = 1
    ARG = 2
    CMD = 3
    COPY = 4
    ENTRYPOINT = 5
    ENV = 6
    EXPOSE = 7
    FROM = 8
    HEALTHCHECK = 9
    LABEL = 10
    MAINTAINER = 11
    ONBUILD = 12
    RUN = 13
    SHELL = 14
    STOPSIGNAL = 15
    USER = 16
    VOLUME = 17
    WORKDIR = 18


class Severity(enum.IntEnum):
    """``stagegraph_severity``"""

    INFO = 0
    WARNING = 1
    ERROR = 2


def _enum_or_int(cls, value: int):
    """Known values as the enum, values from a newer library as int."""
    try:
        return cls(value)
    except ValueError:
        return value


#: A parser directive (``# syntax=``, ``# escape=``, ``# check=``); key is
#: lowercase, line 1-based.
Directive = namedtuple("Directive", ["key", "value", "line"])


@dataclass(frozen=True)
class Heredoc:
    """A heredoc of RUN, COPY or ADD (copied out of the document).

    ``content`` is the body verbatim, line terminators included, not
    chomped; ``expand`` is False when part of the delimiter was quoted;
    ``chomp`` is True for ``<<-``; ``fd`` is the file descriptor written
    before ``<<`` (0 when none).
    """

    name: str
    content: str
    expand: bool
    chomp: bool
    fd: int


@dataclass(frozen=True)
class Diagnostic:
    """A parser warning or an instruction-level error (copied out).

    ``code`` is a :class:`Code` (``Code.OK`` for warnings); ``rule`` is the
    rule name ("NoEmptyContinuation") or None; positions are 1-based, 0
    when unknown, columns count bytes; ``url`` is the rule's documentation
    URL or None; ``offset`` is the 0-based byte offset of (line, column) in
    the input.

    The same class carries :attr:`Dockerfile.diagnostics` and the findings
    of :meth:`Dockerfile.lint` (:attr:`Lint.diagnostics`).
    """

    severity: Severity
    code: int
    rule: Optional[str]
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    url: Optional[str] = None
    offset: int = 0


def _diagnostic(lib, d) -> Diagnostic:
    """Copy a borrowed stagegraph_diagnostic (its owner must be pinned)."""
    return Diagnostic(
        _enum_or_int(Severity, lib.stagegraph_diagnostic_severity(d)),
        _enum_or_int(Code, lib.stagegraph_diagnostic_code(d)),
        _native.decode_opt(lib.stagegraph_diagnostic_rule(d)),
        _native.decode(lib.stagegraph_diagnostic_message(d) or b""),
        lib.stagegraph_diagnostic_line(d),
        lib.stagegraph_diagnostic_column(d),
        lib.stagegraph_diagnostic_end_line(d),
        lib.stagegraph_diagnostic_end_column(d),
        _native.decode_opt(lib.stagegraph_diagnostic_url(d)),
        lib.stagegraph_diagnostic_offset(d),
    )


@dataclass(frozen=True)
class Reference:
    """A parsed, normalised image reference (see :func:`parse_reference`).

    ``tag`` and ``digest`` are None when absent (a digest-only reference has
    no implied tag).
    """

    domain: str
    path: str
    tag: Optional[str]
    digest: Optional[str]
    normalized: str
    familiar: str

    def __str__(self) -> str:
        return self.normalized


# ---------------------------------------------------------------------------
# Owned C objects
# ---------------------------------------------------------------------------


class _Reading:
    """``with _Reading(owner) as handle:`` pins an owned C object (a
    document, plan, cache or lint) for one read."""

    __slots__ = ("owner",)

    def __init__(self, owner: "_Owned") -> None:
        self.owner = owner

    def __enter__(self):
        return self.owner._acquire()

    def __exit__(self, *exc) -> None:
        self.owner._release()


class _Owned:
    """Base of the classes owning one C object.

    ``_readers`` counts the reads in progress plus the dependents whose C
    objects borrow this one (a plan pins its document for its whole life).
    ``close()`` marks the object closed (new reads raise ValueError), closes
    its dependents, and frees the C object once the count drops to zero;
    freeing it then releases the pin it holds on its own parent. Lock order
    is child before parent, and no lock is held while calling out.
    """

    def _init_owned(self, handle, lib, free, parent: Optional["_Owned"] = None) -> None:
        self._lib = lib
        # Holding the function keeps the CDLL loaded for __del__.
        self._free = free
        self._ptr = handle
        self._lock = threading.Lock()
        self._readers = 0
        self._closed = False
        #: The owner this object's C object borrows; it holds one pin on it.
        self._parent = parent
        #: Close the parent too when this object goes (a Cache made by
        #: Dockerfile.cache() owns its internal Plan).
        self._owns_parent = False
        self._children = weakref.WeakSet()  # type: weakref.WeakSet

    # -- pins ---------------------------------------------------------------

    def _acquire(self):
        with self._lock:
            if self._closed:
                raise ValueError("operation on a closed %s" % type(self).__name__)
            self._readers += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._readers -= 1
            ptr = self._take_if_done()
        if ptr is not None:
            self._dispose(ptr)

    def _take_if_done(self):
        """Under the lock: the C pointer, once closed with no pin left."""
        if self._readers == 0 and self._closed and self._ptr is not None:
            ptr, self._ptr = self._ptr, None
            return ptr
        return None

    def _dispose(self, ptr) -> None:
        try:
            self._free(ptr)
        finally:
            parent = self._parent
            if parent is not None:
                parent._release()
                if self._owns_parent:
                    parent.close()

    def _adopt(self, child: "_Owned") -> None:
        """Register a dependent (already pinning this object) so that
        close() cascades to it; closes it and raises when this object was
        closed meanwhile."""
        with self._lock:
            if not self._closed:
                self._children.add(child)
                return
        child.close()
        raise ValueError("operation on a closed %s" % type(self).__name__)

    # -- public lifetime ----------------------------------------------------

    def close(self) -> None:
        """Free the C object, and close everything made from it. Idempotent.
        Reads in progress on other threads finish first (the last one
        frees)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            children = list(self._children)
        for child in children:
            child.close()
        with self._lock:
            ptr = self._take_if_done()
        if ptr is not None:
            self._dispose(ptr)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self):
        if self._closed:
            raise ValueError("operation on a closed %s" % type(self).__name__)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        # Backstop only. _free keeps the library loaded, so this is safe
        # even at interpreter shutdown. Nobody else can be reading: a reader
        # holds a reference. A pin left means a dependent in the same
        # garbage cycle, whose own finalizer releases it and frees this.
        ptr = getattr(self, "_ptr", None)
        if ptr is None or getattr(self, "_free", None) is None:
            return
        self._closed = True
        if self._readers == 0:
            self._ptr = None
            self._dispose(ptr)

    def __reduce__(self):
        # A copy would share (and later free twice) the C object.
        raise TypeError(
            "a %s cannot be copied or pickled" % type(self).__name__
        )


_FORMATS = {"buildkit": 0, "json": 1}

#: stagegraph_format, by the names the render methods take.
_RENDER_FORMATS = {"text": 0, "json": 1, "dot": 2, "mermaid": 3, "sarif": 4}

_LIMIT_FIELDS = _native.LIMIT_FIELDS


def _unquote(text: str) -> str:
    """Strip one level of matching quotes ("x" or 'x'); nothing else."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _render(owner: _Owned, fn, format: str, allowed: Tuple[str, ...], path, *extra) -> str:
    """Call a stagegraph_*_render function into an owned buffer."""
    if format not in allowed:
        raise ValueError(
            "format must be one of %s, not %r" % (", ".join(allowed), format)
        )
    lib = owner._lib
    buf = _native.Buf()
    err = _native.new_error()
    try:
        with _Reading(owner) as h:
            rc = fn(byref(buf), h, _RENDER_FORMATS[format], *extra, byref(err))
        if rc != 0:
            raise _native.error_from(err, rc, path)
    finally:
        data = _native.take_buf(lib, buf)
    return _native.decode(data)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A build target as BuildKit's targets request lists it.

    ``name`` is the lowercased ``AS`` name (None for an unnamed stage, which
    cannot be selected with ``--target``); ``default`` is True for the last
    stage; ``description`` is the stage's doc comment ("" when none);
    ``base`` and ``platform`` are the FROM image and ``--platform`` value as
    written (unexpanded; platform None when absent); ``line`` is the FROM's
    line; ``index`` the stage's position.
    """

    name: Optional[str]
    default: bool
    description: str
    base: str
    platform: Optional[str]
    line: int
    index: int


_NO_STAGES = "dockerfile contains no stages to build"


class Dockerfile(_Owned):
    """A parsed Dockerfile. Create with :func:`parse` or :func:`parse_file`.

    Owns the C document: call :meth:`close` (or use ``with``) when done.
    After close every accessor, every view taken from it, and every
    :class:`Plan`, :class:`Cache` and :class:`Lint` made from it raises
    ValueError.

    ``path`` is the file name given to :func:`parse_file` (or the ``path=``
    of :func:`parse`, used only to name the source in messages).
    """

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("use stagegraph.parse() or stagegraph.parse_file()")

    @classmethod
    def _wrap(cls, handle, lib, path: Optional[str], file: Optional[str] = None) -> "Dockerfile":
        self = object.__new__(cls)
        self._init_owned(handle, lib, lib.stagegraph_doc_free)
        self.path = path
        #: The file read by parse_file() (None for parse()): its directory
        #: is the default build context for .dockerignore look-ups.
        self._file = file
        return self

    def __reduce__(self):
        # A copy would share (and later free twice) the C document.
        raise TypeError("a Dockerfile cannot be copied or pickled; parse the text again")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return "<stagegraph.Dockerfile %s (%s)>" % (self.path or "<buffer>", state)

    # -- document-level ---------------------------------------------------------

    @property
    def escape(self) -> str:
        """The escape character in force: ``"\\\\"`` or ``"`"``."""
        with _Reading(self) as h:
            return _native.decode(self._lib.stagegraph_doc_escape(h))

    @property
    def directives(self) -> List[Directive]:
        """Parser directives in file order (keys lowercase)."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                Directive(
                    _native.decode(lib.stagegraph_doc_directive_key(h, i)),
                    _native.decode(lib.stagegraph_doc_directive_value(h, i)),
                    lib.stagegraph_doc_directive_line(h, i),
                )
                for i in range(lib.stagegraph_doc_directive_count(h))
            ]

    @property
    def instructions(self) -> List["Instruction"]:
        """Every instruction (logical line) in file order."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                Instruction(self, lib.stagegraph_doc_instruction(h, i))
                for i in range(lib.stagegraph_doc_instruction_count(h))
            ]

    @property
    def stages(self) -> List["Stage"]:
        """Build stages in file order (BuildKit's instruction layer)."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                Stage(self, lib.stagegraph_doc_stage(h, i))
                for i in range(lib.stagegraph_doc_stage_count(h))
            ]

    @property
    def meta_args(self) -> List["Instruction"]:
        """The ARG instructions before the first FROM."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                Instruction(self, lib.stagegraph_doc_meta_arg(h, i))
                for i in range(lib.stagegraph_doc_meta_arg_count(h))
            ]

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """Parser warnings and instruction-level errors, in file order
        (lint findings are :meth:`lint`'s)."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                _diagnostic(lib, lib.stagegraph_doc_diagnostic(h, i))
                for i in range(lib.stagegraph_doc_diagnostic_count(h))
            ]

    def verdict(self) -> None:
        """Return None when BuildKit would accept the file, else raise the
        first error (:class:`ParseError` for instruction errors, with
        BuildKit's text "dockerfile parse error on line N: ..." and the
        position)."""
        err = _native.new_error()
        with _Reading(self) as h:
            rc = self._lib.stagegraph_doc_verdict(h, byref(err))
        if rc != 0:
            raise _native.error_from(err, rc, self.path)
        return None

    def dump(self, format: str = "buildkit") -> str:
        """Render the AST: ``"buildkit"`` is Node.Dump() plus one newline,
        byte for byte; ``"json"`` is the stagegraph.ast/1 JSON."""
        try:
            fmt = _FORMATS[format]
        except (KeyError, TypeError):
            raise ValueError(
                "format must be one of %s, not %r" % (", ".join(sorted(_FORMATS)), format)
            ) from None
        lib = self._lib
        buf = _native.Buf()
        err = _native.new_error()
        try:
            with _Reading(self) as h:
                rc = lib.stagegraph_doc_dump(byref(buf), h, fmt, byref(err))
            if rc != 0:
                raise _native.error_from(err, rc, self.path)
        finally:
            data = _native.take_buf(lib, buf)
        return _native.decode(data)

    @property
    def targets(self) -> List[Target]:
        """The stages a build can target, as ``docker build --call=targets``
        lists them: every stage in file order, the last one the default.

        Only parses: nothing is expanded, so build args do not matter.
        Raises the verdict's error (:meth:`verdict`) when BuildKit's parser
        or instruction layer rejects the file, except that a file without
        any FROM lists no targets, as in BuildKit.
        """
        lib = self._lib
        err = _native.new_error()
        with _Reading(self) as h:
            rc = lib.stagegraph_doc_verdict(h, byref(err))
            count = lib.stagegraph_doc_stage_count(h)
            if rc != 0:
                errors = sum(
                    lib.stagegraph_diagnostic_severity(lib.stagegraph_doc_diagnostic(h, i))
                    == Severity.ERROR
                    for i in range(lib.stagegraph_doc_diagnostic_count(h))
                )
                message = err.message.decode("utf-8", "replace")
                if count == 0 and errors == 1 and message == _NO_STAGES:
                    return []
                raise _native.error_from(err, rc, self.path)
            out = []
            for i in range(count):
                st = lib.stagegraph_doc_stage(h, i)
                out.append(
                    Target(
                        _native.decode_opt(lib.stagegraph_stage_name(st)),
                        i + 1 == count,
                        _native.decode(lib.stagegraph_stage_description(st) or b""),
                        _native.decode(lib.stagegraph_stage_base(st) or b""),
                        _native.decode_opt(lib.stagegraph_stage_platform(st)),
                        lib.stagegraph_instruction_start_line(lib.stagegraph_stage_from(st)),
                        i,
                    )
                )
            return out

    # -- stage graph, cache model, lint ------------------------------------------

    def plan(
        self,
        targets: Union[None, str, Iterable[str]] = None,
        legacy: bool = False,
        build_contexts: Optional[Mapping[str, str]] = None,
    ) -> "Plan":
        """Resolve the stage graph as BuildKit does (with the build args and
        platform given to :func:`parse`) and plan the build of ``targets``.

        ``targets``: a stage name or a list of them (case-insensitive);
        None or empty means the last stage. ``legacy``: plan as the classic
        builder and kaniko do (every stage up to the last target, in file
        order). ``build_contexts``: named contexts, ``{name: source}`` as
        ``docker build --build-context name=source`` (a name equal to a
        stage or image name replaces it).

        Raises what BuildKit would: the :meth:`verdict` error,
        :class:`UnknownTargetError` (``target stage "x" could not be found``,
        with ``(did you mean y?)`` when a name is close),
        :class:`CycleError`, :class:`ExpansionError`,
        :class:`InvalidReferenceError`, :class:`InvalidStageError`.
        """
        return Plan._new(self, targets, legacy, build_contexts)

    def outline(self, target: Optional[str] = None) -> "Outline":
        """The outline of one target (``docker build --call=outline``):
        the build args it consumes, and the secrets and ssh sockets its RUN
        mounts need. ``target`` None means the last stage."""
        with self.plan(targets=target) as plan:
            return plan.outline

    def cache(
        self,
        targets: Union[None, str, Iterable[str]] = None,
        changed: Iterable = (),
        changed_args: Iterable[str] = (),
        changed_images: Iterable[str] = (),
        context=None,
        dockerignore: Union[None, str, bytes] = None,
        legacy: bool = False,
        build_contexts: Optional[Mapping[str, str]] = None,
    ) -> "Cache":
        """:meth:`plan` the ``targets`` and model their layer cache
        (:meth:`Plan.cache`). The returned Cache owns that plan
        (:attr:`Cache.plan`) and closes it when it is closed."""
        plan = self.plan(targets, legacy, build_contexts)
        try:
            cache = plan.cache(changed, changed_args, changed_images, context, dockerignore)
        except BaseException:
            plan.close()
            raise
        cache._owns_parent = True
        return cache

    def lint(
        self,
        targets: Union[None, str, Iterable[str]] = None,
        skip: Iterable[str] = (),
        experimental: bool = False,
        dockerignore: Union[None, str, bytes] = None,
        context=None,
        build_contexts: Optional[Mapping[str, str]] = None,
    ) -> "Lint":
        """Check the file with BuildKit's rules (``docker build --check``)
        and the stage-graph rules (:func:`rules` lists them all).

        ``targets``: the rules look at the stages these targets need; none:
        at every stage, the last one as the image that ships. ``skip``: rule
        names not to run (``"all"``: none), on top of the file's
        ``# check=skip=`` directive. ``experimental``: run experimental
        rules too. ``dockerignore`` and ``context``: see :meth:`Plan.cache`
        (used by CopyIgnoredFile and the secret rules). ``build_contexts``:
        as for :meth:`plan`.

        A file BuildKit rejects raises the :meth:`verdict` error.
        """
        return Lint._new(self, targets, skip, experimental, dockerignore, context, build_contexts)

    # -- dockerfile-parse style conveniences --------------------------------

    @property
    def is_multistage(self) -> bool:
        """True when the file has more than one FROM."""
        with _Reading(self) as h:
            return self._lib.stagegraph_doc_stage_count(h) > 1

    @property
    def baseimage(self) -> Optional[str]:
        """The image the last stage is built on (``parent_images[-1]``),
        expanded and with stage aliases resolved; None without stages."""
        parents = self.parent_images
        return parents[-1] if parents else None

    @property
    def parent_images(self) -> List[str]:
        """One image per stage (per FROM), in order: the FROM image after
        ARG expansion, and for a stage built ``FROM`` an earlier stage the
        image at the root of that chain (``FROM build`` lists the image
        ``build`` was built on). ``scratch`` stays ``"scratch"``.

        This resolves what dockerfile-parse leaves as written: its
        ``parent_images`` expands the ARGs but lists ``FROM build`` as
        ``"build"``; that list is ``[s.base for s in df.plan().stages]``.

        When the stage graph cannot be resolved (BuildKit rejects the file,
        an expansion fails, a cycle), falls back to the FROM images as
        written: unexpanded and with aliases unresolved, like
        ``[s.base for s in df.stages]``.
        """
        try:
            plan = self.plan()
        except StagegraphError:
            return [s.base for s in self.stages]
        with plan:
            lib = self._lib
            out = []
            with _Reading(plan) as ph:
                count = lib.stagegraph_doc_stage_count(lib.stagegraph_plan_doc(ph))
                for i in range(count):
                    j, hops = i, 0
                    while hops <= count:
                        parent = lib.stagegraph_plan_stage_parent(ph, j)
                        if parent == _native.NONE:
                            break
                        j, hops = parent, hops + 1
                    out.append(_native.decode(lib.stagegraph_plan_stage_base(ph, j) or b""))
            return out

    @property
    def labels(self) -> Dict[str, str]:
        """:attr:`Stage.labels` of the last stage ({} when there is none)."""
        stages = self.stages
        return stages[-1].labels if stages else {}

    @property
    def envs(self) -> Dict[str, str]:
        """:attr:`Stage.envs` of the last stage ({} when there is none)."""
        stages = self.stages
        return stages[-1].envs if stages else {}

    @property
    def args(self) -> Dict[str, Optional[str]]:
        """:attr:`Stage.args` of the last stage ({} when there is none)."""
        stages = self.stages
        return stages[-1].args if stages else {}


class Instruction:
    """One instruction (a logical line) of a :class:`Dockerfile`.

    A view: it keeps its Dockerfile alive, reads the C document on every
    access, and raises ValueError once the Dockerfile is closed.
    """

    __slots__ = ("_doc", "_p", "_addr", "index")

    def __init__(self, doc: Dockerfile, ptr) -> None:
        # Called with the document pinned.
        self._doc = doc
        self._p = ptr
        self._addr = addressof(ptr.contents)
        #: Position in the document (0-based); an ONBUILD trigger shares its
        #: ONBUILD's index.
        self.index = doc._lib.stagegraph_instruction_index(ptr)

    @property
    def dockerfile(self) -> Dockerfile:
        return self._doc

    def __eq__(self, other) -> bool:
        if not isinstance(other, Instruction):
            return NotImplemented
        return self._doc is other._doc and self._addr == other._addr

    def __hash__(self) -> int:
        return hash((id(self._doc), self._addr))

    def __repr__(self) -> str:
        if self._doc.closed:
            return "<stagegraph.Instruction #%d of a closed Dockerfile>" % self.index
        return "<stagegraph.Instruction #%d %s line %d>" % (
            self.index,
            self.keyword,
            self.start_line,
        )

    def _get(self, fn):
        with _Reading(self._doc):
            return fn(self._p)

    @property
    def kind(self) -> Kind:
        """:class:`Kind` of the keyword (an int for kinds newer than this
        binding)."""
        return _enum_or_int(Kind, self._get(self._doc._lib.stagegraph_instruction_kind))

    @property
    def keyword(self) -> str:
        """The keyword as written ("copy", "Copy")."""
        return _native.decode(self._get(self._doc._lib.stagegraph_instruction_keyword))

    @property
    def flags(self) -> List[str]:
        """Builder flags as words after quote and escape processing
        (``"--from=build"``)."""
        lib = self._doc._lib
        p = self._p
        with _Reading(self._doc):
            return [
                _native.decode(lib.stagegraph_instruction_flag(p, i))
                for i in range(lib.stagegraph_instruction_flag_count(p))
            ]

    @property
    def args(self) -> List[str]:
        """Arguments as BuildKit's line parsers produce them: ENV and LABEL
        give ``key, value, delimiter`` triples with values quoted as written
        (unexpanded); ARG gives the raw words; JSON form gives the decoded
        elements (which may contain NUL)."""
        lib = self._doc._lib
        p = self._p
        n = c_size_t()
        out = []
        with _Reading(self._doc):
            for i in range(lib.stagegraph_instruction_arg_count(p)):
                ptr = lib.stagegraph_instruction_arg(p, i, byref(n))
                out.append(_native.decode(_native.borrowed(ptr, n.value)))
        return out

    @property
    def is_json(self) -> bool:
        """True when the arguments were written in JSON (exec) form."""
        return bool(self._get(self._doc._lib.stagegraph_instruction_is_json))

    @property
    def trigger(self) -> Optional["Instruction"]:
        """ONBUILD's trigger instruction, None for other instructions."""
        with _Reading(self._doc):
            t = self._doc._lib.stagegraph_instruction_trigger(self._p)
            return Instruction(self._doc, t) if t else None

    @property
    def heredocs(self) -> List[Heredoc]:
        """Heredocs of RUN, COPY and ADD (and such ONBUILD triggers)."""
        lib = self._doc._lib
        p = self._p
        n = c_size_t()
        out = []
        with _Reading(self._doc):
            for i in range(lib.stagegraph_instruction_heredoc_count(p)):
                hd = lib.stagegraph_instruction_heredoc(p, i)
                content = lib.stagegraph_heredoc_content(hd, byref(n))
                out.append(
                    Heredoc(
                        _native.decode(lib.stagegraph_heredoc_name(hd) or b""),
                        _native.decode(_native.borrowed(content, n.value)),
                        bool(lib.stagegraph_heredoc_expand(hd)),
                        bool(lib.stagegraph_heredoc_chomp(hd)),
                        lib.stagegraph_heredoc_fd(hd),
                    )
                )
        return out

    @property
    def start_line(self) -> int:
        """First line (1-based)."""
        return self._get(self._doc._lib.stagegraph_instruction_start_line)

    @property
    def end_line(self) -> int:
        """Last line (1-based), heredoc bodies included."""
        return self._get(self._doc._lib.stagegraph_instruction_end_line)

    @property
    def start_offset(self) -> int:
        """Byte offset of the start in the input (0-based)."""
        return self._get(self._doc._lib.stagegraph_instruction_start_offset)

    @property
    def end_offset(self) -> int:
        """Byte offset just past the end (heredoc bodies included)."""
        return self._get(self._doc._lib.stagegraph_instruction_end_offset)

    @property
    def original(self) -> str:
        """The joined logical line (continuations removed, no heredoc
        bodies)."""
        lib = self._doc._lib
        n = c_size_t()
        with _Reading(self._doc):
            ptr = lib.stagegraph_instruction_original(self._p, byref(n))
            return _native.decode(_native.borrowed(ptr, n.value))

    @property
    def comments(self) -> List[str]:
        """Comment lines just before the instruction (BuildKit's
        PrevComment: each minus its ``#``, trimmed)."""
        lib = self._doc._lib
        p = self._p
        with _Reading(self._doc):
            return [
                _native.decode(lib.stagegraph_instruction_comment(p, i))
                for i in range(lib.stagegraph_instruction_comment_count(p))
            ]

    def flag_value(self, name: str, nth: int = 0) -> Optional[str]:
        """The validated value of builder flag ``name`` (``"from"`` for
        ``--from``), the ``nth`` occurrence for repeatable flags; bool flags
        read "true"/"false". None when not given or when the instruction
        has an error."""
        key = _native.cstring_in(name, "name")
        if not isinstance(nth, int) or nth < 0:
            raise ValueError("nth must be a non-negative int")
        with _Reading(self._doc):
            return _native.decode_opt(
                self._doc._lib.stagegraph_instruction_flag_value(self._p, key, nth)
            )


class Stage:
    """A build stage: a FROM and the instructions up to the next FROM.

    A view like :class:`Instruction`. ``labels``, ``envs`` and ``args`` are
    computed from this stage's own instructions only (nothing inherited
    from a base stage, no ONBUILD triggers).
    """

    __slots__ = ("_doc", "_owner", "_p", "index")

    def __init__(self, doc: Dockerfile, ptr) -> None:
        self._doc = doc
        #: What a read pins: the document, or for a PlanStage its plan.
        self._owner = doc  # type: _Owned
        self._p = ptr
        #: Position among the stages (0-based).
        self.index = doc._lib.stagegraph_stage_index(ptr)

    @property
    def dockerfile(self) -> Dockerfile:
        return self._doc

    def __eq__(self, other) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return self._doc is other._doc and self.index == other.index

    def __hash__(self) -> int:
        return hash((id(self._doc), self.index))

    def __repr__(self) -> str:
        if self._doc.closed:
            return "<stagegraph.Stage #%d of a closed Dockerfile>" % self.index
        return "<stagegraph.Stage #%d %s FROM %s>" % (self.index, self.name, self.base)

    def _str(self, fn) -> Optional[str]:
        with _Reading(self._owner):
            return _native.decode_opt(fn(self._p))

    @property
    def name(self) -> Optional[str]:
        """The lowercased ``AS`` name, None for an unnamed stage."""
        return self._str(self._doc._lib.stagegraph_stage_name)

    @property
    def base(self) -> str:
        """The FROM image as written (unexpanded)."""
        return self._str(self._doc._lib.stagegraph_stage_base) or ""

    @property
    def platform(self) -> Optional[str]:
        """The raw ``--platform`` value, or None."""
        return self._str(self._doc._lib.stagegraph_stage_platform)

    @property
    def description(self) -> str:
        """The doc comment (``# <name> <description>`` above FROM), or ""."""
        return self._str(self._doc._lib.stagegraph_stage_description) or ""

    @property
    def line(self) -> int:
        """The line of the stage's FROM (1-based)."""
        lib = self._doc._lib
        with _Reading(self._owner):
            return lib.stagegraph_instruction_start_line(lib.stagegraph_stage_from(self._p))

    @property
    def from_instruction(self) -> Instruction:
        with _Reading(self._owner):
            return Instruction(self._doc, self._doc._lib.stagegraph_stage_from(self._p))

    @property
    def instructions(self) -> List[Instruction]:
        """The stage's instructions after FROM, in order."""
        lib = self._doc._lib
        p = self._p
        with _Reading(self._owner):
            return [
                Instruction(self._doc, lib.stagegraph_stage_instruction(p, i))
                for i in range(lib.stagegraph_stage_instruction_count(p))
            ]

    def _pairs(self, kind: Kind) -> Dict[str, str]:
        out = {}  # type: Dict[str, str]
        for ins in self.instructions:
            if ins.kind == kind:
                a = ins.args
                for i in range(0, len(a) - 2, 3):
                    out[_unquote(a[i])] = _unquote(a[i + 1])
        return out

    @property
    def labels(self) -> Dict[str, str]:
        """LABEL key/value pairs of this stage, later ones winning.

        Unexpanded: ``$VAR`` stays as written, and only one level of
        matching outer quotes is stripped from keys and values (no escape
        processing); :attr:`Instruction.args` has the exact text.
        """
        return self._pairs(Kind.LABEL)

    @property
    def envs(self) -> Dict[str, str]:
        """ENV key/value pairs of this stage, later ones winning; unexpanded,
        one level of matching quotes stripped (see :attr:`labels`)."""
        return self._pairs(Kind.ENV)

    @property
    def args(self) -> Dict[str, Optional[str]]:
        """ARG names of this stage with their defaults (None when declared
        without one); unexpanded, one level of matching quotes stripped from
        the default. Meta args (before the first FROM) are in
        :attr:`Dockerfile.meta_args`."""
        out = {}  # type: Dict[str, Optional[str]]
        for ins in self.instructions:
            if ins.kind == Kind.ARG:
                for word in ins.args:
                    key, eq, value = word.partition("=")
                    out[key] = _unquote(value) if eq else None
        return out



# ---------------------------------------------------------------------------
# Option marshalling shared by plans, caches and lints
# ---------------------------------------------------------------------------


def _string_list(value, what: str) -> List[bytes]:
    """None, one string, or an iterable of strings (or paths) -> [bytes].
    A lone string is one item, never iterated character by character."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, bytearray, os.PathLike)):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(
            "%s must be a string or an iterable of strings, not %s"
            % (what, type(value).__name__)
        ) from None
    out = []
    for item in items:
        if isinstance(item, os.PathLike):
            item = os.fspath(item)
        out.append(_native.cstring_in(item, what))
    return out


def _context_list(build_contexts) -> List[bytes]:
    """{name: source} -> [b"name=source"] (docker build --build-context)."""
    if build_contexts is None:
        return []
    if not isinstance(build_contexts, Mapping):
        raise TypeError(
            "build_contexts must be a mapping of names to sources, not %s"
            % type(build_contexts).__name__
        )
    out = []
    for name, source in build_contexts.items():
        key = _native.cstring_in(name, "build context name")
        if not key or b"=" in key:
            raise ValueError("invalid build context name %r" % (name,))
        out.append(key + b"=" + _native.cstring_in(source, "build context source"))
    return out


def _set_strings(opts, field: str, count_field: str, items: List[bytes], keep: list) -> None:
    if items:
        arr = _native.cstring_array(items)
        keep.append(arr)
        setattr(opts, field, arr)
        setattr(opts, count_field, len(items))


def _read_optional(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _dockerignore(doc: "Dockerfile", context, dockerignore) -> Tuple[Optional[bytes], Optional[str]]:
    """The .dockerignore text that applies and where it came from.

    Explicit text wins. Otherwise, as ``docker build`` does:
    ``<Dockerfile>.dockerignore`` beside a file read by parse_file(), else
    ``.dockerignore`` at the context root (``context``, by default the
    Dockerfile's directory for parse_file(), none for parse())."""
    if dockerignore is not None:
        return _native.text_in(dockerignore, "dockerignore"), ".dockerignore"
    if context is not None:
        if not isinstance(context, (str, bytes, os.PathLike)):
            raise TypeError(
                "context must be str, bytes or os.PathLike, not %s" % type(context).__name__
            )
        context = os.fsdecode(os.fspath(context))
        if not stat.S_ISDIR(os.stat(context).st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), context)
    candidates = []
    if doc._file is not None:
        candidates.append(doc._file + ".dockerignore")
        if context is None:
            context = os.path.dirname(doc._file) or os.curdir
    if context is not None:
        candidates.append(os.path.join(context, ".dockerignore"))
    for path in candidates:
        text = _read_optional(path)
        if text is not None:
            return text, path
    return None, None


def _lookup(items, key, what: str):
    """items[key] by stage index (int) or stage name (case-insensitive)."""
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise TypeError("%s key must be a stage name or index, not %s" % (what, type(key).__name__))
    for item, stage in items:
        if isinstance(key, int) and stage.index == key:
            return item
        if isinstance(key, str) and stage.name == key.lower():
            return item
    raise KeyError(key)


# ---------------------------------------------------------------------------
# Stage graph and build plan
# ---------------------------------------------------------------------------

#: Where an image is used: ``kind`` is "from", "copy" (COPY --from) or
#: "mount" (RUN --mount from=); ``stage`` the :class:`PlanStage` using it;
#: ``line`` the instruction's line.
ImageUse = namedtuple("ImageUse", ["kind", "stage", "line"])

#: A build arg the outlined target consumes: ``value`` is its value (None
#: when it has none), ``description`` its doc comment ("" when none).
OutlineArg = namedtuple("OutlineArg", ["name", "value", "description", "line"])
#: A secret a RUN --mount=type=secret of the target needs.
OutlineSecret = namedtuple("OutlineSecret", ["id", "required", "line"])
#: An ssh socket a RUN --mount=type=ssh of the target needs.
OutlineSSH = namedtuple("OutlineSSH", ["id", "required", "line"])


@dataclass(frozen=True)
class Edge:
    """A dependency between two stages (copied out of the plan).

    ``source`` is the stage depended on and ``dependent`` the stage that
    needs it (the C API's and the JSON's ``from`` and ``to``; their indexes
    are :attr:`from_index` and :attr:`to_index`). ``kind`` is ``"from"``
    (FROM an earlier stage), ``"copy"`` (COPY --from) or ``"mount"`` (RUN
    --mount from=). ``instruction`` makes the edge (for an edge an ONBUILD
    trigger of the parent adds, the parent's ONBUILD, and ``onbuild`` is
    True); ``line`` is its line; ``reference`` the stage reference as
    written (the FROM name, the --from or from= value).
    """

    source: "PlanStage"
    dependent: "PlanStage"
    kind: str
    line: int
    instruction: "Instruction"
    onbuild: bool
    reference: str

    @property
    def from_index(self) -> int:
        """The index of :attr:`source` (JSON ``from``)."""
        return self.source.index

    @property
    def to_index(self) -> int:
        """The index of :attr:`dependent` (JSON ``to``)."""
        return self.dependent.index


@dataclass(frozen=True)
class Image:
    """An external image the build pulls (copied out of the plan).

    ``ref`` is the reference as written after expansion; ``domain``,
    ``path``, ``tag``, ``digest``, ``normalized`` and ``familiar`` are the
    parts of its normalised form as in :class:`Reference` (``tag`` and
    ``digest`` None when absent); ``context`` is the named build context
    replacing it, or None; ``uses`` lists :class:`ImageUse` in file order.
    """

    ref: str
    domain: str
    path: str
    tag: Optional[str]
    digest: Optional[str]
    normalized: str
    familiar: str
    context: Optional[str]
    uses: List[ImageUse]


@dataclass(frozen=True)
class Outline:
    """What ``docker build --call=outline`` shows for one target (copied
    out; see :meth:`Dockerfile.outline` and :attr:`Plan.outline`).

    ``target`` is the outlined stage's name (None when unnamed),
    ``target_index`` its index and ``description`` its doc comment.
    ``args`` (:class:`OutlineArg`), ``secrets`` (:class:`OutlineSecret`)
    and ``ssh`` (:class:`OutlineSSH`) are each sorted by line.
    """

    target: Optional[str]
    target_index: int
    description: str
    args: List[OutlineArg]
    secrets: List[OutlineSecret]
    ssh: List[OutlineSSH]


class PlanStage(Stage):
    """A stage as a :class:`Plan` resolved it.

    A :class:`Stage` (name, description, instructions, labels, ... are the
    document's) whose ``base`` and ``platform`` are *expanded* (the
    document's text as written is ``stage.base``), with the plan's facts
    added: ``parent``, ``image``, ``context``, ``needed``, ``wave``. A view:
    it keeps its plan alive and every attribute raises ValueError once the
    plan is closed. It compares and hashes like the document's Stage of the
    same index.
    """

    __slots__ = ("_plan",)

    def __init__(self, plan: "Plan", ptr) -> None:
        # Called with the plan (hence its document) pinned.
        Stage.__init__(self, plan._parent, ptr)
        self._plan = plan
        self._owner = plan

    @property
    def plan(self) -> "Plan":
        """The plan this view reads (kept alive by the view)."""
        return self._plan

    @property
    def stage(self) -> Stage:
        """The document's view of this stage (base and platform as
        written)."""
        with _Reading(self._plan):
            return Stage(self._doc, self._p)

    def __repr__(self) -> str:
        if self._plan.closed:
            return "<stagegraph.PlanStage #%d of a closed Plan>" % self.index
        return "<stagegraph.PlanStage #%d %s FROM %s>" % (self.index, self.name, self.base)

    def _get(self, fn):
        with _Reading(self._plan) as ph:
            return fn(ph, self.index)

    @property
    def base(self) -> str:
        """The FROM image after ARG expansion (a stage name for a stage
        built on another stage)."""
        return _native.decode(self._get(self._plan._lib.stagegraph_plan_stage_base) or b"")

    @property
    def platform(self) -> Optional[str]:
        """The expanded ``--platform`` value, or None."""
        return _native.decode_opt(self._get(self._plan._lib.stagegraph_plan_stage_platform))

    @property
    def parent(self) -> Optional["PlanStage"]:
        """The stage this one is built ``FROM``, or None (an image or
        scratch)."""
        plan = self._plan
        with _Reading(plan) as ph:
            index = plan._lib.stagegraph_plan_stage_parent(ph, self.index)
            return None if index == _native.NONE else plan._stage_at(ph, index)

    @property
    def image(self) -> Optional[Image]:
        """The base :class:`Image`, or None (a stage parent, or scratch)."""
        plan = self._plan
        with _Reading(plan) as ph:
            img = plan._lib.stagegraph_plan_stage_image(ph, self.index)
            return plan._image(ph, img) if img else None

    @property
    def context(self) -> Optional[str]:
        """The named build context replacing this stage, or None."""
        return _native.decode_opt(self._get(self._plan._lib.stagegraph_plan_stage_context))

    @property
    def needed(self) -> bool:
        """True when the plan's targets need this stage."""
        return bool(self._get(self._plan._lib.stagegraph_plan_stage_needed))

    @property
    def wave(self) -> Optional[int]:
        """The 0-based wave a needed stage builds in, None otherwise."""
        wave = self._get(self._plan._lib.stagegraph_plan_stage_wave)
        return None if wave == _native.NONE else wave


class Plan(_Owned):
    """The stage graph of a :class:`Dockerfile` and the build plan of its
    targets. Made by :meth:`Dockerfile.plan`.

    Owns a C plan that borrows the document: the plan keeps its Dockerfile
    alive, and closing the Dockerfile closes the plan. Release with
    :meth:`close` or ``with``. Every stage list holds :class:`PlanStage`
    views.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("use Dockerfile.plan()")

    @classmethod
    def _new(cls, doc: Dockerfile, targets, legacy, build_contexts) -> "Plan":
        opts = _native.new_struct(_native.PlanOptions)
        keep = []  # type: list
        _set_strings(opts, "targets", "target_count", _string_list(targets, "target"), keep)
        opts.legacy = 1 if legacy else 0
        _set_strings(
            opts, "build_contexts", "build_context_count", _context_list(build_contexts), keep
        )
        lib = doc._lib
        out = _native.P(_native.PlanHandle)()
        err = _native.new_error()
        h = doc._acquire()  # the pin the plan holds on its document
        try:
            rc = lib.stagegraph_plan_new(byref(out), h, byref(opts), byref(err))
            if rc != 0:
                raise _native.error_from(err, rc, doc.path)
            self = object.__new__(cls)
            self._init_owned(out, lib, lib.stagegraph_plan_free, doc)
        except BaseException:
            if out:
                lib.stagegraph_plan_free(out)
            doc._release()
            raise
        doc._adopt(self)
        return self

    @property
    def dockerfile(self) -> Dockerfile:
        """The Dockerfile planned (kept alive by the plan)."""
        return self._parent

    def __repr__(self) -> str:
        try:
            targets = [s.name or "#%d" % s.index for s in self.targets]
        except ValueError:
            return "<stagegraph.Plan (closed)>"
        return "<stagegraph.Plan targets=%s of %r>" % (targets, self._parent)

    # -- helpers (called with the plan pinned) --------------------------------

    def _stage_at(self, ph, index: int) -> PlanStage:
        lib = self._lib
        return PlanStage(self, lib.stagegraph_doc_stage(lib.stagegraph_plan_doc(ph), index))

    def _image(self, ph, img) -> Image:
        lib = self._lib
        d = _native.decode
        uses = [
            ImageUse(
                d(lib.stagegraph_edge_kind_name(lib.stagegraph_image_use_kind(img, u)) or b""),
                self._stage_at(ph, lib.stagegraph_image_use_stage(img, u)),
                lib.stagegraph_image_use_line(img, u),
            )
            for u in range(lib.stagegraph_image_use_count(img))
        ]
        return Image(
            d(lib.stagegraph_image_ref(img) or b""),
            d(lib.stagegraph_image_domain(img) or b""),
            d(lib.stagegraph_image_path(img) or b""),
            d(lib.stagegraph_image_tag(img) or b"") or None,
            d(lib.stagegraph_image_digest(img) or b"") or None,
            d(lib.stagegraph_image_normalized(img) or b""),
            d(lib.stagegraph_image_familiar(img) or b""),
            _native.decode_opt(lib.stagegraph_image_context(img)),
            uses,
        )

    def _index_stages(self, fn) -> List[PlanStage]:
        n = c_size_t()
        with _Reading(self) as ph:
            ptr = fn(ph, byref(n))
            return [self._stage_at(ph, i) for i in _native.index_list(ptr, n.value)]

    # -- the graph ------------------------------------------------------------

    @property
    def legacy(self) -> bool:
        """True for a plan made with ``legacy=True`` (classic builder)."""
        with _Reading(self) as ph:
            return bool(self._lib.stagegraph_plan_is_legacy(ph))

    @property
    def stages(self) -> List[PlanStage]:
        """Every stage of the file, in file order (needed or not)."""
        lib = self._lib
        with _Reading(self) as ph:
            count = lib.stagegraph_doc_stage_count(lib.stagegraph_plan_doc(ph))
            return [self._stage_at(ph, i) for i in range(count)]

    def stage(self, key: Union[int, str]) -> PlanStage:
        """The stage with this index, or this name (case-insensitive);
        KeyError when there is none."""
        return _lookup(((s, s) for s in self.stages), key, "stage")

    @property
    def edges(self) -> List[Edge]:
        """Edges between stages, in file order of the instructions making
        them."""
        lib = self._lib
        out = []
        with _Reading(self) as ph:
            doc = self._parent
            for i in range(lib.stagegraph_plan_edge_count(ph)):
                e = lib.stagegraph_plan_edge(ph, i)
                ins = Instruction(doc, lib.stagegraph_edge_instruction(e))
                out.append(
                    Edge(
                        self._stage_at(ph, lib.stagegraph_edge_from(e)),
                        self._stage_at(ph, lib.stagegraph_edge_to(e)),
                        _native.decode(
                            lib.stagegraph_edge_kind_name(lib.stagegraph_edge_get_kind(e)) or b""
                        ),
                        lib.stagegraph_instruction_start_line(lib.stagegraph_edge_instruction(e)),
                        ins,
                        bool(lib.stagegraph_edge_onbuild(e)),
                        _native.decode(lib.stagegraph_edge_reference(e) or b""),
                    )
                )
        return out

    @property
    def images(self) -> List[Image]:
        """External images the file pulls, in order of first use
        (``scratch`` is not an image)."""
        lib = self._lib
        with _Reading(self) as ph:
            return [
                self._image(ph, lib.stagegraph_plan_image(ph, i))
                for i in range(lib.stagegraph_plan_image_count(ph))
            ]

    # -- the plan -------------------------------------------------------------

    @property
    def targets(self) -> List[PlanStage]:
        """The resolved target stages."""
        return self._index_stages(self._lib.stagegraph_plan_targets)

    @property
    def order(self) -> List[PlanStage]:
        """The needed stages in build order (dependencies first, ties by
        index)."""
        return self._index_stages(self._lib.stagegraph_plan_order)

    @property
    def pruned(self) -> List[PlanStage]:
        """The stages the targets do not need (BuildKit skips them)."""
        return self._index_stages(self._lib.stagegraph_plan_pruned)

    @property
    def critical_path(self) -> List[PlanStage]:
        """The longest chain of dependent stages ending at a target, first
        stage first."""
        return self._index_stages(self._lib.stagegraph_plan_critical_path)

    @property
    def waves(self) -> List[List[PlanStage]]:
        """Stages that can build in parallel, wave by wave (a stage's wave
        is 1 + its deepest dependency's). In legacy mode every stage is a
        wave of its own."""
        lib = self._lib
        n = c_size_t()
        out = []
        with _Reading(self) as ph:
            for w in range(lib.stagegraph_plan_wave_count(ph)):
                ptr = lib.stagegraph_plan_wave(ph, w, byref(n))
                out.append([self._stage_at(ph, i) for i in _native.index_list(ptr, n.value)])
        return out

    @property
    def outline(self) -> Outline:
        """The :class:`Outline` of the first target (``--call=outline``)."""
        lib = self._lib
        d = _native.decode
        n = c_size_t()
        with _Reading(self) as ph:
            targets = _native.index_list(lib.stagegraph_plan_targets(ph, byref(n)), n.value)
            index = targets[0]
            st = lib.stagegraph_doc_stage(lib.stagegraph_plan_doc(ph), index)
            args = [
                OutlineArg(
                    d(lib.stagegraph_plan_arg_name(ph, i) or b""),
                    _native.decode_opt(lib.stagegraph_plan_arg_value(ph, i)),
                    d(lib.stagegraph_plan_arg_description(ph, i) or b""),
                    lib.stagegraph_plan_arg_line(ph, i),
                )
                for i in range(lib.stagegraph_plan_arg_count(ph))
            ]
            secrets = [
                OutlineSecret(
                    d(lib.stagegraph_plan_secret_id(ph, i) or b""),
                    bool(lib.stagegraph_plan_secret_required(ph, i)),
                    lib.stagegraph_plan_secret_line(ph, i),
                )
                for i in range(lib.stagegraph_plan_secret_count(ph))
            ]
            ssh = [
                OutlineSSH(
                    d(lib.stagegraph_plan_ssh_id(ph, i) or b""),
                    bool(lib.stagegraph_plan_ssh_required(ph, i)),
                    lib.stagegraph_plan_ssh_line(ph, i),
                )
                for i in range(lib.stagegraph_plan_ssh_count(ph))
            ]
            return Outline(
                _native.decode_opt(lib.stagegraph_stage_name(st)),
                index,
                d(lib.stagegraph_stage_description(st) or b""),
                args,
                secrets,
                ssh,
            )

    # -- output ---------------------------------------------------------------

    def render(self, format: str = "text") -> str:
        """The plan as ``"text"`` (for people), ``"json"`` (schema
        ``stagegraph.plan/1``), ``"dot"`` (Graphviz) or ``"mermaid"``."""
        return _render(
            self, self._lib.stagegraph_plan_render, format, ("text", "json", "dot", "mermaid"),
            self._parent.path,
        )

    def to_text(self) -> str:
        """The plan for people: wave by wave, what is skipped and why."""
        return self.render("text")

    def to_json(self) -> str:
        """JSON text, schema ``stagegraph.plan/1`` (``json.loads`` it)."""
        return self.render("json")

    def to_dot(self) -> str:
        """A Graphviz digraph (``dot -Tsvg``)."""
        return self.render("dot")

    def to_mermaid(self) -> str:
        """A Mermaid flowchart."""
        return self.render("mermaid")

    # -- cache ----------------------------------------------------------------

    def cache(
        self,
        changed: Iterable = (),
        changed_args: Iterable[str] = (),
        changed_images: Iterable[str] = (),
        context=None,
        dockerignore: Union[None, str, bytes] = None,
    ) -> "Cache":
        """Model BuildKit's layer cache for the needed stages and what the
        given changes rebuild.

        ``changed``: build-context paths (files or directories, relative to
        the context root) that changed. ``changed_args``: build args whose
        value changed. ``changed_images``: base images that changed (as
        written or normalised). Each may be one string or an iterable.

        Ignored paths never invalidate anything. The ``.dockerignore`` is
        ``dockerignore`` when given (its text; ``""`` for none), else, as
        ``docker build`` picks it, ``<Dockerfile path>.dockerignore`` beside
        a file read by :func:`parse_file`, else ``.dockerignore`` at the root
        of ``context`` (a directory; by default the Dockerfile's directory
        for :func:`parse_file`, none for :func:`parse`).

        The Cache keeps this plan alive; closing the plan closes it.
        """
        return Cache._new(self, changed, changed_args, changed_images, context, dockerignore)


# ---------------------------------------------------------------------------
# Cacheable layers and change impact
# ---------------------------------------------------------------------------

#: A cache input of an instruction: ``kind`` is "context" (build-context
#: paths), "stage" (files of another stage), "image", "arg" (a build arg in
#: scope) or "remote" (a URL or git repository); ``value`` the path or
#: pattern, stage name, image, arg name or URL.
CacheInput = namedtuple("CacheInput", ["kind", "value"])


@dataclass(frozen=True)
class CacheInstruction:
    """One instruction of a stage as it builds (copied out of the cache).

    ``instruction`` is the :class:`Instruction` (for an ONBUILD trigger of
    the parent, the parent's ONBUILD, and ``onbuild`` is True); ``line`` its
    first line; ``keyword`` its upper-case keyword; ``layer`` True when it
    makes a filesystem layer (RUN, COPY, ADD, WORKDIR unless /); ``linked``
    True for a ``COPY --link`` layer. ``status`` is ``"cached"``,
    ``"maybe"`` (it copies from a rebuilt stage or a changed image and
    misses only if those files really changed) or ``"invalidated"``;
    ``reason`` says why it is not cached (None when it is); ``inputs`` are
    its cache inputs (:class:`CacheInput`).
    """

    instruction: Instruction
    line: int
    keyword: str
    layer: bool
    linked: bool
    onbuild: bool
    status: str
    reason: Optional[str]
    inputs: List[CacheInput]


@dataclass(frozen=True)
class CacheStage:
    """A needed stage in the cache model (copied out of the cache).

    ``first_invalidated`` is the line of its first instruction that is not
    cached (None when the whole stage is cached); ``boundary`` is its cache
    boundary, the first instruction reading the whole context or a broad
    pattern, where an ordinary source edit starts rebuilding (None when
    there is none); ``instructions`` are FROM, the parent's ONBUILD
    triggers, then the stage's own.
    """

    stage: PlanStage
    first_invalidated: Optional[int]
    boundary: Optional[CacheInstruction]
    instructions: List[CacheInstruction]


class Cache(_Owned):
    """BuildKit's layer cache for the stages a plan needs, and the impact
    of a change. Made by :meth:`Plan.cache` or :meth:`Dockerfile.cache`.

    Owns a C object that borrows the plan: the cache keeps its Plan alive,
    and closing the plan (or its Dockerfile) closes the cache.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("use Plan.cache() or Dockerfile.cache()")

    @classmethod
    def _new(cls, plan: Plan, changed, changed_args, changed_images, context, dockerignore) -> "Cache":
        opts = _native.new_struct(_native.CacheOptions)
        keep = []  # type: list
        _set_strings(opts, "changed_paths", "changed_path_count", _string_list(changed, "changed path"), keep)
        _set_strings(opts, "changed_args", "changed_arg_count", _string_list(changed_args, "changed arg"), keep)
        _set_strings(
            opts, "changed_images", "changed_image_count", _string_list(changed_images, "changed image"), keep
        )
        doc = plan._parent
        ignore, ignore_source = _dockerignore(doc, context, dockerignore)
        if ignore is not None:
            keep.append(ignore)
            opts.dockerignore = ignore
            opts.dockerignore_len = len(ignore)
        lib = plan._lib
        out = _native.P(_native.CacheHandle)()
        err = _native.new_error()
        h = plan._acquire()  # the pin the cache holds on its plan
        try:
            rc = lib.stagegraph_cache_new(byref(out), h, byref(opts), byref(err))
            if rc != 0:
                # Past the plan, what fails besides memory and bad options
                # is the .dockerignore: name it.
                code = err.code if err.code < 0 else rc
                from_ignore = ignore_source is not None and code not in (Code.ENOMEM, Code.EINVAL)
                raise _native.error_from(err, rc, ignore_source if from_ignore else doc.path)
            self = object.__new__(cls)
            self._init_owned(out, lib, lib.stagegraph_cache_free, plan)
        except BaseException:
            if out:
                lib.stagegraph_cache_free(out)
            plan._release()
            raise
        plan._adopt(self)
        return self

    @property
    def plan(self) -> Plan:
        """The plan modelled (kept alive by the cache)."""
        return self._parent

    @property
    def dockerfile(self) -> Dockerfile:
        """The plan's Dockerfile."""
        return self._parent._parent

    def __repr__(self) -> str:
        try:
            counts = (self.layers_surviving_edit, self.layer_count)
        except ValueError:
            return "<stagegraph.Cache (closed)>"
        return "<stagegraph.Cache %d of %d layers survive an edit>" % counts

    def _instruction(self, ch, i: int, k: int) -> CacheInstruction:
        lib = self._lib
        d = _native.decode
        ptr = lib.stagegraph_cache_instruction(ch, i, k)
        keyword = d(lib.stagegraph_kind_name(lib.stagegraph_instruction_kind(ptr)) or b"")
        if not keyword:
            keyword = d(lib.stagegraph_instruction_keyword(ptr) or b"").upper()
        return CacheInstruction(
            Instruction(self._parent._parent, ptr),
            lib.stagegraph_instruction_start_line(ptr),
            keyword,
            bool(lib.stagegraph_cache_instruction_layer(ch, i, k)),
            bool(lib.stagegraph_cache_instruction_linked(ch, i, k)),
            bool(lib.stagegraph_cache_instruction_onbuild(ch, i, k)),
            d(
                lib.stagegraph_cache_status_name(lib.stagegraph_cache_instruction_status(ch, i, k))
                or b""
            ),
            _native.decode_opt(lib.stagegraph_cache_instruction_reason(ch, i, k)),
            [
                CacheInput(
                    d(lib.stagegraph_input_kind_name(lib.stagegraph_cache_input_kind(ch, i, k, n)) or b""),
                    d(lib.stagegraph_cache_input_value(ch, i, k, n) or b""),
                )
                for n in range(lib.stagegraph_cache_input_count(ch, i, k))
            ],
        )

    @property
    def stages(self) -> List[CacheStage]:
        """The needed stages, in build order."""
        lib = self._lib
        plan = self._parent
        out = []
        with _Reading(self) as ch:
            ph = lib.stagegraph_cache_plan(ch)
            for i in range(lib.stagegraph_cache_stage_count(ch)):
                instructions = [
                    self._instruction(ch, i, k)
                    for k in range(lib.stagegraph_cache_instruction_count(ch, i))
                ]
                boundary = lib.stagegraph_cache_boundary(ch, i)
                first = lib.stagegraph_cache_first_invalidated(ch, i)
                out.append(
                    CacheStage(
                        plan._stage_at(ph, lib.stagegraph_cache_stage(ch, i)),
                        first or None,
                        None if boundary == _native.NONE else instructions[boundary],
                        instructions,
                    )
                )
        return out

    def stage(self, key: Union[int, str]) -> CacheStage:
        """The :class:`CacheStage` of the stage with this index or name
        (case-insensitive); KeyError when the plan does not need it."""
        return _lookup(((s, s.stage) for s in self.stages), key, "stage")

    @property
    def layer_count(self) -> int:
        """The layers of the needed stages."""
        with _Reading(self) as ch:
            return self._lib.stagegraph_cache_layer_count(ch)

    @property
    def layers_surviving_edit(self) -> int:
        """How many of them an ordinary source edit (a file only the broad
        patterns read) leaves cached."""
        with _Reading(self) as ch:
            return self._lib.stagegraph_cache_layers_surviving_edit(ch)

    def render(self, format: str = "text") -> str:
        """The report as ``"text"``, ``"json"`` (schema
        ``stagegraph.cache/1``), ``"dot"`` or ``"mermaid"`` (layers coloured
        by status)."""
        return _render(
            self, self._lib.stagegraph_cache_render, format, ("text", "json", "dot", "mermaid"),
            self.dockerfile.path,
        )

    def to_text(self) -> str:
        """Each stage's layers, the cache boundary, what rebuilds and why."""
        return self.render("text")

    def to_json(self) -> str:
        """JSON text, schema ``stagegraph.cache/1``."""
        return self.render("json")

    def to_dot(self) -> str:
        """A Graphviz digraph, layers coloured by status."""
        return self.render("dot")

    def to_mermaid(self) -> str:
        """A Mermaid flowchart, layers coloured by status."""
        return self.render("mermaid")


# ---------------------------------------------------------------------------
# Lint
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A lint rule: ``name`` ("StageNameCasing"), one-line
    ``description``, documentation ``url``, default ``severity``
    (:class:`Severity`) and whether it is ``experimental`` (run only with
    ``experimental=True`` or ``# check=experimental=...``)."""

    name: str
    description: str
    url: str
    severity: Severity
    experimental: bool


def rules() -> List[Rule]:
    """Every lint rule: BuildKit's checks and the stage-graph rules."""
    lib = _native.lib()
    d = _native.decode
    return [
        Rule(
            d(lib.stagegraph_rule_name(i) or b""),
            d(lib.stagegraph_rule_description(i) or b""),
            d(lib.stagegraph_rule_url(i) or b""),
            _enum_or_int(Severity, lib.stagegraph_rule_severity(i)),
            bool(lib.stagegraph_rule_experimental(i)),
        )
        for i in range(lib.stagegraph_rule_count())
    ]


class Lint(_Owned):
    """The findings of :meth:`Dockerfile.lint`.

    Owns a C object that borrows the document: it keeps its Dockerfile
    alive, and closing the Dockerfile closes it.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("use Dockerfile.lint()")

    @classmethod
    def _new(cls, doc: Dockerfile, targets, skip, experimental, dockerignore, context, build_contexts) -> "Lint":
        opts = _native.new_struct(_native.LintOptions)
        keep = []  # type: list
        _set_strings(opts, "targets", "target_count", _string_list(targets, "target"), keep)
        _set_strings(opts, "skip", "skip_count", _string_list(skip, "rule name"), keep)
        opts.experimental = 1 if experimental else 0
        _set_strings(
            opts, "build_contexts", "build_context_count", _context_list(build_contexts), keep
        )
        ignore, ignore_source = _dockerignore(doc, context, dockerignore)
        if ignore is not None:
            keep.append(ignore)
            opts.dockerignore = ignore
            opts.dockerignore_len = len(ignore)
        lib = doc._lib
        out = _native.P(_native.LintHandle)()
        err = _native.new_error()
        h = doc._acquire()  # the pin the lint holds on its document
        try:
            rc = lib.stagegraph_lint_new(byref(out), h, byref(opts), byref(err))
            if rc != 0:
                raise _native.error_from(err, rc, doc.path)
            self = object.__new__(cls)
            self._init_owned(out, lib, lib.stagegraph_lint_free, doc)
        except BaseException:
            if out:
                lib.stagegraph_lint_free(out)
            doc._release()
            raise
        doc._adopt(self)
        return self

    @property
    def dockerfile(self) -> Dockerfile:
        """The Dockerfile linted (kept alive by the lint)."""
        return self._parent

    def __repr__(self) -> str:
        try:
            count, failed = len(self.diagnostics), self.failed
        except ValueError:
            return "<stagegraph.Lint (closed)>"
        return "<stagegraph.Lint %d findings%s>" % (count, ", failed" if failed else "")

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """The findings in file order (``rule`` names the rule; an error a
        build would hit has no rule)."""
        lib = self._lib
        with _Reading(self) as h:
            return [
                _diagnostic(lib, lib.stagegraph_lint_diagnostic(h, i))
                for i in range(lib.stagegraph_lint_count(h))
            ]

    @property
    def failed(self) -> bool:
        """True when the lint should fail a build: an error-severity
        finding, or any finding under ``# check=error=true``."""
        with _Reading(self) as h:
            return bool(self._lib.stagegraph_lint_failed(h))

    def render(self, format: str = "text", path=None) -> str:
        """The findings as ``"text"`` (``FILE:LINE:COL: severity: message
        [Rule]``), ``"json"`` (schema ``stagegraph.lint/1``) or ``"sarif"``
        (SARIF 2.1.0). ``path`` names the file in the output; by default the
        Dockerfile's :attr:`~Dockerfile.path`, else ``"Dockerfile"``."""
        if path is None:
            path = self._parent.path
        name = None if path is None else _native.path_in(path)
        return _render(
            self, self._lib.stagegraph_lint_render, format, ("text", "json", "sarif"),
            self._parent.path, name,
        )

    def to_text(self, path=None) -> str:
        """``FILE:LINE:COL: severity: message [Rule]``, one per line."""
        return self.render("text", path)

    def to_json(self, path=None) -> str:
        """JSON text, schema ``stagegraph.lint/1``."""
        return self.render("json", path)

    def to_sarif(self, path=None) -> str:
        """SARIF 2.1.0 JSON text for code-scanning tools."""
        return self.render("sarif", path)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def _options(build_args, platform, build_platform, limits):
    """Fill a stagegraph_options; returns it and the objects to keep alive."""
    opts = _native.new_options()
    keep = []
    if build_args is not None:
        if not isinstance(build_args, Mapping):
            raise TypeError(
                "build_args must be a mapping of names to values, not %s"
                % type(build_args).__name__
            )
        items = []
        for key, value in build_args.items():
            k = _native.cstring_in(key, "build arg name")
            if not k or b"=" in k:
                raise ValueError("invalid build arg name %r" % (key,))
            if value is None:
                items.append(k)  # "KEY" alone sets ""
            else:
                items.append(k + b"=" + _native.cstring_in(value, "build arg value"))
        arr = _native.cstring_array(items)
        keep.append(arr)
        opts.build_args = arr
        opts.build_arg_count = len(items)
    if platform is not None:
        opts.platform = _native.cstring_in(platform, "platform")
    if build_platform is not None:
        opts.build_platform = _native.cstring_in(build_platform, "build_platform")
    if limits is not None:
        for key, value in dict(limits).items():
            if key not in _LIMIT_FIELDS:
                raise ValueError(
                    "unknown limit %r (known: %s)" % (key, ", ".join(_LIMIT_FIELDS))
                )
            if not isinstance(value, int) or value < 0:
                raise ValueError("limit %s must be a non-negative int" % key)
            setattr(opts, key, value)
    return opts, keep


def _display_path(path) -> Optional[str]:
    if path is None:
        return None
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("path must be str, bytes or os.PathLike, not %s" % type(path).__name__)
    return os.fsdecode(path)


def parse(
    source: Union[str, bytes],
    *,
    path=None,
    build_args: Optional[Mapping[str, Optional[str]]] = None,
    platform: Optional[str] = None,
    build_platform: Optional[str] = None,
    limits: Optional[Mapping[str, int]] = None,
) -> Dockerfile:
    """Parse Dockerfile text (str, encoded as UTF-8, or bytes).

    ``path`` only names the source in exceptions and
    :attr:`Dockerfile.path`. ``build_args`` maps names to values (None sets
    ""). ``platform``/``build_platform`` are "os/arch[/variant]" (default
    "linux/amd64"). ``limits`` maps option names (``max_input_bytes``,
    ``max_line_bytes``, ``max_instructions``, ``max_stages``,
    ``max_heredocs``, ``max_expansion_bytes``) to sizes, 0 = default.

    Raises :class:`ParseError` when BuildKit's parser rejects the text or a
    limit is hit. Instruction-level problems do not raise here: they are
    :attr:`Dockerfile.diagnostics` and :meth:`Dockerfile.verdict` raises them.
    """
    if isinstance(source, os.PathLike):
        raise TypeError("parse() takes Dockerfile text; use parse_file() for a path")
    data = _native.text_in(source, "source")
    shown = _display_path(path)
    opts, keep = _options(build_args, platform, build_platform, limits)
    lib = _native.lib()
    out = _native.P(_native.DocHandle)()
    err = _native.new_error()
    rc = lib.stagegraph_parse(byref(out), data, len(data), byref(opts), byref(err))
    del keep
    if rc != 0:
        raise _native.error_from(err, rc, shown)
    return Dockerfile._wrap(out, lib, shown)


def parse_file(
    path,
    *,
    build_args: Optional[Mapping[str, Optional[str]]] = None,
    platform: Optional[str] = None,
    build_platform: Optional[str] = None,
    limits: Optional[Mapping[str, int]] = None,
) -> Dockerfile:
    """Read and parse a Dockerfile (``path`` is str, bytes or os.PathLike).

    Raises :class:`LibraryError` (code EIO) when the file cannot be read,
    otherwise as :func:`parse`.
    """
    raw = _native.path_in(path)
    shown = os.fsdecode(raw)
    opts, keep = _options(build_args, platform, build_platform, limits)
    lib = _native.lib()
    out = _native.P(_native.DocHandle)()
    err = _native.new_error()
    rc = lib.stagegraph_parse_file(byref(out), raw, byref(opts), byref(err))
    del keep
    if rc != 0:
        raise _native.error_from(err, rc, shown)
    return Dockerfile._wrap(out, lib, shown, shown)


# ---------------------------------------------------------------------------
# Variable expansion
# ---------------------------------------------------------------------------


def _env_array(env):
    if env is None:
        items = []
    elif isinstance(env, Mapping):
        items = []
        for key, value in env.items():
            k = _native.cstring_in(key, "env name")
            if not k or b"=" in k:
                raise ValueError("invalid env name %r" % (key,))
            items.append(k + b"=" + _native.cstring_in(value, "env value"))
    else:
        raise TypeError("env must be a mapping, not %s" % type(env).__name__)
    return _native.cstring_array(items), len(items)


def _escape_in(escape) -> bytes:
    if escape not in ("\\", "`", b"\\", b"`"):
        raise ValueError("escape must be '\\\\' or '`', not %r" % (escape,))
    return escape.encode("ascii") if isinstance(escape, str) else escape


def _split_nul(data: bytes) -> List[str]:
    if not data:
        return []
    parts = data.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [_native.decode(p) for p in parts]


def _expand(word, env, escape, words: bool, want_unset: bool):
    w = _native.text_in(word, "word")
    env_arr, env_n = _env_array(env)
    esc = _escape_in(escape)
    lib = _native.lib()
    out = _native.Buf()
    unset = _native.Buf()
    err = _native.new_error()
    unset_p = byref(unset) if want_unset else None
    count = c_size_t()
    try:
        if words:
            rc = lib.stagegraph_expand_words(
                byref(out), byref(count), w, len(w), env_arr, env_n, esc, unset_p, byref(err)
            )
        else:
            rc = lib.stagegraph_expand_word(
                byref(out), w, len(w), env_arr, env_n, esc, unset_p, byref(err)
            )
        if rc != 0:
            raise _native.error_from(err, rc)
    finally:
        data = _native.take_buf(lib, out)
        unset_data = _native.take_buf(lib, unset)
    if words:
        result = _split_nul(data)  # type: Union[str, List[str]]
        if len(result) != count.value:
            # An input word holding NUL bytes cannot be split unambiguously.
            raise ExpansionError(
                "expanded words contain NUL bytes", Code.EEXPAND
            )
    else:
        result = _native.decode(data)
    return result, _split_nul(unset_data)


def expand_word(word: Union[str, bytes], env: Optional[Mapping[str, str]] = None, escape: str = "\\") -> str:
    """Expand one word as BuildKit's ProcessWord does: variables replaced
    from ``env``, quotes removed, ``escape`` ('\\\\' or '`') applied.
    Raises :class:`ExpansionError` with BuildKit's message."""
    return _expand(word, env, escape, False, False)[0]


def expand_words(word: Union[str, bytes], env: Optional[Mapping[str, str]] = None, escape: str = "\\") -> List[str]:
    """Expand and split into words as BuildKit's ProcessWords does."""
    return _expand(word, env, escape, True, False)[0]  # type: ignore[return-value]


def unset_variables(word: Union[str, bytes], env: Optional[Mapping[str, str]] = None, escape: str = "\\") -> List[str]:
    """Names of the variables ``word`` references that ``env`` does not set,
    in order of first use (what BuildKit's UndefinedVar lint checks)."""
    return _expand(word, env, escape, False, True)[1]


def expand(
    word: Union[str, bytes],
    env: Optional[Mapping[str, str]] = None,
    escape: str = "\\",
    *,
    words: bool = False,
    return_unset: bool = False,
):
    """:func:`expand_word` (or :func:`expand_words` when ``words``); with
    ``return_unset`` returns ``(result, unset_names)``."""
    result, unset = _expand(word, env, escape, words, return_unset)
    return (result, unset) if return_unset else result


# ---------------------------------------------------------------------------
# Image references
# ---------------------------------------------------------------------------


def parse_reference(text: Union[str, bytes]) -> Reference:
    """Parse and normalise an image reference as Docker does ("alpine" is
    "docker.io/library/alpine:latest"). Raises
    :class:`InvalidReferenceError` with Docker's text."""
    data = _native.text_in(text, "text")
    lib = _native.lib()
    out = _native.P(_native.ReferenceHandle)()
    err = _native.new_error()
    rc = lib.stagegraph_reference_parse(byref(out), data, len(data), None, byref(err))
    if rc != 0:
        raise _native.error_from(err, rc)
    try:
        d = _native.decode
        tag = d(lib.stagegraph_reference_tag(out) or b"")
        digest = d(lib.stagegraph_reference_digest(out) or b"")
        return Reference(
            d(lib.stagegraph_reference_domain(out) or b""),
            d(lib.stagegraph_reference_path(out) or b""),
            tag or None,
            digest or None,
            d(lib.stagegraph_reference_normalized(out) or b""),
            d(lib.stagegraph_reference_familiar(out) or b""),
        )
    finally:
        lib.stagegraph_reference_free(out)
