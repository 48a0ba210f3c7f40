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

Finding the library: :func:`set_library_file` (before first use), else the
``STAGEGRAPH_LIBRARY`` environment variable, else a ``libstagegraph.so.*``
shipped in this package, else the versioned SONAME (``libstagegraph.so.0.1``)
through the dynamic loader. The library's MAJOR.MINOR must match this
package's version. Failures raise :class:`StagegraphLibraryError` naming
every path tried.

Documents and memory: a :class:`Dockerfile` owns its C document. Release it
with :meth:`Dockerfile.close` or a ``with`` block (``__del__`` is only a
backstop). :class:`Instruction` and :class:`Stage` are views that keep their
Dockerfile alive and read the C document on each access; after ``close()``
every view, like the Dockerfile itself, raises ValueError. Diagnostics,
heredocs, directives and references are plain copied values.

Threads and the GIL: a parsed document is immutable, and ctypes releases the
GIL during every C call, so any number of threads may read the same
Dockerfile (and its views) at the same time, truly in parallel inside the
library. ``close()`` is safe to call while other threads are reading: new
reads raise ValueError and the C document is freed when the last reader
leaves. Different documents are independent; the library has no global state.

Text: arguments, heredoc bodies and the like are decoded from UTF-8 with
``'surrogateescape'``, so bytes that are not UTF-8 survive a round trip
(``s.encode('utf-8', 'surrogateescape')``) and NUL bytes inside JSON-form
arguments are kept.
"""

import enum
import os
import threading
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
    "Dockerfile",
    "Instruction",
    "Stage",
    "Heredoc",
    "Directive",
    "Diagnostic",
    "Reference",
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
    """The loaded library's version string ("0.1.0")."""
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
    when unknown, columns count bytes.
    """

    severity: Severity
    code: int
    rule: Optional[str]
    message: str
    line: int
    column: int
    end_line: int
    end_column: int


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
# Documents
# ---------------------------------------------------------------------------


class _Reading:
    """``with _Reading(doc) as handle:`` pins the C document for one read."""

    __slots__ = ("doc",)

    def __init__(self, doc: "Dockerfile") -> None:
        self.doc = doc

    def __enter__(self):
        return self.doc._acquire()

    def __exit__(self, *exc) -> None:
        self.doc._release()


_FORMATS = {"buildkit": 0, "json": 1}

_LIMIT_FIELDS = _native.LIMIT_FIELDS


def _unquote(text: str) -> str:
    """Strip one level of matching quotes ("x" or 'x'); nothing else."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class Dockerfile:
    """A parsed Dockerfile. Create with :func:`parse` or :func:`parse_file`.

    Owns the C document: call :meth:`close` (or use ``with``) when done.
    After close every accessor, and every view taken from it, raises
    ValueError.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("use stagegraph.parse() or stagegraph.parse_file()")

    @classmethod
    def _wrap(cls, handle, lib, path: Optional[str]) -> "Dockerfile":
        self = object.__new__(cls)
        self._lib = lib
        # Holding the function keeps the CDLL loaded for __del__.
        self._free = lib.stagegraph_doc_free
        self._ptr = handle
        self._lock = threading.Lock()
        self._readers = 0
        self._closed = False
        self.path = path
        return self

    # -- lifetime -----------------------------------------------------------

    def _acquire(self):
        with self._lock:
            if self._closed:
                raise ValueError("I/O operation on a closed Dockerfile")
            self._readers += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._readers -= 1
            if self._readers == 0 and self._closed and self._ptr is not None:
                ptr, self._ptr = self._ptr, None
                self._free(ptr)

    def close(self) -> None:
        """Free the C document. Idempotent. Reads in progress on other
        threads finish first (the last one frees)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._readers == 0 and self._ptr is not None:
                ptr, self._ptr = self._ptr, None
                self._free(ptr)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Dockerfile":
        if self._closed:
            raise ValueError("I/O operation on a closed Dockerfile")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        # Backstop only. _free keeps the library loaded, so this is safe
        # even at interpreter shutdown; no reader can exist any more.
        ptr = getattr(self, "_ptr", None)
        free = getattr(self, "_free", None)
        if ptr is not None and free is not None:
            self._ptr = None
            self._closed = True
            free(ptr)

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
        """Parser warnings and instruction-level errors, in file order."""
        lib = self._lib
        out = []
        with _Reading(self) as h:
            for i in range(lib.stagegraph_doc_diagnostic_count(h)):
                d = lib.stagegraph_doc_diagnostic(h, i)
                out.append(
                    Diagnostic(
                        _enum_or_int(Severity, lib.stagegraph_diagnostic_severity(d)),
                        _enum_or_int(Code, lib.stagegraph_diagnostic_code(d)),
                        _native.decode_opt(lib.stagegraph_diagnostic_rule(d)),
                        _native.decode(lib.stagegraph_diagnostic_message(d) or b""),
                        lib.stagegraph_diagnostic_line(d),
                        lib.stagegraph_diagnostic_column(d),
                        lib.stagegraph_diagnostic_end_line(d),
                        lib.stagegraph_diagnostic_end_column(d),
                    )
                )
        return out

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

    # -- dockerfile-parse style conveniences --------------------------------

    @property
    def is_multistage(self) -> bool:
        """True when the file has more than one FROM."""
        with _Reading(self) as h:
            return self._lib.stagegraph_doc_stage_count(h) > 1

    @property
    def baseimage(self) -> Optional[str]:
        """The last stage's base image as written (unexpanded), or None."""
        stages = self.stages
        return stages[-1].base if stages else None

    @property
    def parent_images(self) -> List[str]:
        """Every stage's FROM image as written (unexpanded), in order.

        Stage aliases are *not* resolved yet: ``FROM build`` (a previous
        stage) is listed as ``"build"``. They will be resolved once the
        stage-graph API lands in the C library.
        """
        return [s.base for s in self.stages]

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

    __slots__ = ("_doc", "_p", "index")

    def __init__(self, doc: Dockerfile, ptr) -> None:
        self._doc = doc
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
        with _Reading(self._doc):
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
    def from_instruction(self) -> Instruction:
        with _Reading(self._doc):
            return Instruction(self._doc, self._doc._lib.stagegraph_stage_from(self._p))

    @property
    def instructions(self) -> List[Instruction]:
        """The stage's instructions after FROM, in order."""
        lib = self._doc._lib
        p = self._p
        with _Reading(self._doc):
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
    return Dockerfile._wrap(out, lib, shown)


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
