# SPDX-License-Identifier: MIT
"""Loading libstagegraph and the one table of its C declarations.

Everything that touches ctypes lives here; ``stagegraph/__init__.py`` only
calls functions through :func:`lib`.

Finding the library (first match wins; the first two are authoritative):

1. the file given to :func:`set_library_file` (before first use);
2. the file named by the ``STAGEGRAPH_LIBRARY`` environment variable;
3. a ``libstagegraph.so.*`` shipped inside this package (a bundling wheel);
4. ``CDLL("libstagegraph.so.MAJOR.MINOR")``, the versioned SONAME, so the
   dynamic loader applies ``LD_LIBRARY_PATH``, the rpath and the ld.so
   cache (no ``-dev`` symlink needed).

When 1 or 2 is given and cannot be loaded, nothing else is tried: silently
falling back to some other installed copy would hide a broken setup (for
example ``make python-test`` testing an installed library instead of the
build tree). ``ctypes.util.find_library`` is never used.

Adding C functions: append a ``(name, argtypes, restype)`` row to
:data:`FUNCTIONS`, and the new struct or handle types above it. Every row is
resolved when the library loads; a missing symbol is an error that names it.
"""

import ctypes
import glob
import os
import sys
import threading
import types
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_size_t,
    c_uint,
    c_uint32,
    c_void_p,
)
from typing import List, Optional, Sequence, Tuple

from ._errors import StagegraphLibraryError, error_from_code

__version__ = "0.2.0"

#: "0.2": the library's MAJOR.MINOR this binding is written for.
ABI_VERSION = ".".join(__version__.split(".")[:2])
#: The versioned file name the dynamic loader knows the library by.
if sys.platform == "darwin":
    SONAME = "libstagegraph.%s.dylib" % ABI_VERSION
else:
    SONAME = "libstagegraph.so.%s" % ABI_VERSION
#: Environment variable naming the library file.
ENV_VAR = "STAGEGRAPH_LIBRARY"

# ---------------------------------------------------------------------------
# Types mirrored from include/stagegraph.h. Transparent structs are mirrored
# field for field; the binding sets their `size` member to ctypes.sizeof() of
# the mirror itself and does not call the C *_init functions (declared below
# for completeness; the tests use them to read the library's struct sizes).
# ---------------------------------------------------------------------------

MESSAGE_MAX = 512  # STAGEGRAPH_MESSAGE_MAX


class Error(Structure):
    """stagegraph_error"""

    _fields_ = [
        ("size", c_size_t),
        ("code", c_int),
        ("line", c_uint32),
        ("column", c_uint32),
        ("end_line", c_uint32),
        ("end_column", c_uint32),
        ("offset", c_size_t),
        ("message", c_char * MESSAGE_MAX),
    ]


MallocFn = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
ReallocFn = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_void_p)
FreeFn = CFUNCTYPE(None, c_void_p, c_void_p)


class Allocator(Structure):
    """stagegraph_allocator (NULL members fall back to libc)."""

    _fields_ = [
        ("malloc", MallocFn),
        ("realloc", ReallocFn),
        ("free", FreeFn),
        ("ctx", c_void_p),
    ]


class Buf(Structure):
    """stagegraph_buf: owned output, released with stagegraph_buf_dispose."""

    _fields_ = [
        ("ptr", POINTER(c_char)),  # not c_char_p: may hold NULs, and is owned
        ("size", c_size_t),
        ("capacity", c_size_t),
        ("allocator", Allocator),
    ]


class Options(Structure):
    """stagegraph_options"""

    _fields_ = [
        ("size", c_size_t),
        ("allocator", POINTER(Allocator)),
        ("platform", c_char_p),
        ("build_platform", c_char_p),
        ("build_args", POINTER(c_char_p)),
        ("build_arg_count", c_size_t),
        ("max_input_bytes", c_size_t),
        ("max_line_bytes", c_size_t),
        ("max_instructions", c_size_t),
        ("max_stages", c_size_t),
        ("max_heredocs", c_size_t),
        ("max_expansion_bytes", c_size_t),
    ]


#: Option members that are plain size limits (0 = the library default).
LIMIT_FIELDS = (
    "max_input_bytes",
    "max_line_bytes",
    "max_instructions",
    "max_stages",
    "max_heredocs",
    "max_expansion_bytes",
)


# Opaque handles: distinct incomplete structs, only ever used through
# POINTER(), so passing the wrong kind of handle is a TypeError.
class DocHandle(Structure):
    """stagegraph_doc"""


class InstructionHandle(Structure):
    """stagegraph_instruction"""


class HeredocHandle(Structure):
    """stagegraph_heredoc"""


class DiagnosticHandle(Structure):
    """stagegraph_diagnostic"""


class StageHandle(Structure):
    """stagegraph_stage"""


class ReferenceHandle(Structure):
    """stagegraph_reference"""


class PlanHandle(Structure):
    """stagegraph_plan"""


class EdgeHandle(Structure):
    """stagegraph_edge"""


class ImageHandle(Structure):
    """stagegraph_image"""


class PlanOptions(Structure):
    """stagegraph_plan_options"""

    _fields_ = [
        ("size", c_size_t),
        ("targets", POINTER(c_char_p)),
        ("target_count", c_size_t),
        ("legacy", c_int),
        ("build_contexts", POINTER(c_char_p)),
        ("build_context_count", c_size_t),
    ]


class CacheHandle(Structure):
    """stagegraph_cache"""


class CacheOptions(Structure):
    """stagegraph_cache_options"""

    _fields_ = [
        ("size", c_size_t),
        ("changed_paths", POINTER(c_char_p)),
        ("changed_path_count", c_size_t),
        ("changed_args", POINTER(c_char_p)),
        ("changed_arg_count", c_size_t),
        ("changed_images", POINTER(c_char_p)),
        ("changed_image_count", c_size_t),
        ("dockerignore", c_char_p),
        ("dockerignore_len", c_size_t),
    ]


class LintHandle(Structure):
    """stagegraph_lint"""


class LintOptions(Structure):
    """stagegraph_lint_options"""

    _fields_ = [
        ("size", c_size_t),
        ("targets", POINTER(c_char_p)),
        ("target_count", c_size_t),
        ("skip", POINTER(c_char_p)),
        ("skip_count", c_size_t),
        ("experimental", c_int),
        ("dockerignore", c_char_p),
        ("dockerignore_len", c_size_t),
        ("build_contexts", POINTER(c_char_p)),
        ("build_context_count", c_size_t),
    ]


#: STAGEGRAPH_NONE: "no index" ((size_t)-1).
NONE = ctypes.c_size_t(-1).value

#: Public C type names and their ctypes mirrors (C enums are c_int). The
#: tests check every row of FUNCTIONS against the header with this map.
CTYPES = {
    "stagegraph_error": Error,
    "stagegraph_allocator": Allocator,
    "stagegraph_buf": Buf,
    "stagegraph_options": Options,
    "stagegraph_doc": DocHandle,
    "stagegraph_instruction": InstructionHandle,
    "stagegraph_heredoc": HeredocHandle,
    "stagegraph_diagnostic": DiagnosticHandle,
    "stagegraph_stage": StageHandle,
    "stagegraph_reference": ReferenceHandle,
    "stagegraph_plan": PlanHandle,
    "stagegraph_edge": EdgeHandle,
    "stagegraph_image": ImageHandle,
    "stagegraph_plan_options": PlanOptions,
    "stagegraph_cache": CacheHandle,
    "stagegraph_cache_options": CacheOptions,
    "stagegraph_lint": LintHandle,
    "stagegraph_lint_options": LintOptions,
}


P = POINTER
_doc = P(DocHandle)
_ins = P(InstructionHandle)
_hd = P(HeredocHandle)
_diag = P(DiagnosticHandle)
_stage = P(StageHandle)
_ref = P(ReferenceHandle)
_plan = P(PlanHandle)
_edge = P(EdgeHandle)
_img = P(ImageHandle)
_cache = P(CacheHandle)
_lint = P(LintHandle)
_err = P(Error)
_buf = P(Buf)
_bytes = P(c_char)  # borrowed text with a separate length (may hold NUL)
_size = P(c_size_t)
_enum = c_int  # C enums are int-sized

# ---------------------------------------------------------------------------
# THE declaration table: (name, argtypes, restype) for every C function the
# binding may call. restype is always explicit (None for void): the ctypes
# default, c_int, would truncate pointers.
# ---------------------------------------------------------------------------

FUNCTIONS = [
    # Version
    ("stagegraph_version", [], c_uint),
    ("stagegraph_version_string", [], c_char_p),
    # Errors
    ("stagegraph_code_name", [c_int], c_char_p),
    ("stagegraph_error_init", [_err, c_size_t], None),
    # Memory
    ("stagegraph_buf_dispose", [_buf], None),
    # Options
    ("stagegraph_options_init", [P(Options), c_size_t], None),
    # Documents
    ("stagegraph_parse", [P(_doc), c_char_p, c_size_t, P(Options), _err], c_int),
    ("stagegraph_parse_file", [P(_doc), c_char_p, P(Options), _err], c_int),
    ("stagegraph_doc_free", [_doc], None),
    ("stagegraph_doc_escape", [_doc], c_char),
    ("stagegraph_doc_directive_count", [_doc], c_size_t),
    ("stagegraph_doc_directive_key", [_doc, c_size_t], c_char_p),
    ("stagegraph_doc_directive_value", [_doc, c_size_t], c_char_p),
    ("stagegraph_doc_directive_line", [_doc, c_size_t], c_uint32),
    ("stagegraph_doc_instruction_count", [_doc], c_size_t),
    ("stagegraph_doc_instruction", [_doc, c_size_t], _ins),
    # Instructions
    ("stagegraph_kind_name", [_enum], c_char_p),
    ("stagegraph_instruction_kind", [_ins], _enum),
    ("stagegraph_instruction_keyword", [_ins], c_char_p),
    ("stagegraph_instruction_index", [_ins], c_size_t),
    ("stagegraph_instruction_flag_count", [_ins], c_size_t),
    ("stagegraph_instruction_flag", [_ins, c_size_t], c_char_p),
    ("stagegraph_instruction_arg_count", [_ins], c_size_t),
    ("stagegraph_instruction_arg", [_ins, c_size_t, _size], _bytes),
    ("stagegraph_instruction_is_json", [_ins], c_int),
    ("stagegraph_instruction_trigger", [_ins], _ins),
    ("stagegraph_instruction_start_line", [_ins], c_uint32),
    ("stagegraph_instruction_end_line", [_ins], c_uint32),
    ("stagegraph_instruction_start_offset", [_ins], c_size_t),
    ("stagegraph_instruction_end_offset", [_ins], c_size_t),
    ("stagegraph_instruction_original", [_ins, _size], _bytes),
    ("stagegraph_instruction_comment_count", [_ins], c_size_t),
    ("stagegraph_instruction_comment", [_ins, c_size_t], c_char_p),
    ("stagegraph_instruction_heredoc_count", [_ins], c_size_t),
    ("stagegraph_instruction_heredoc", [_ins, c_size_t], _hd),
    ("stagegraph_heredoc_name", [_hd], c_char_p),
    ("stagegraph_heredoc_content", [_hd, _size], _bytes),
    ("stagegraph_heredoc_expand", [_hd], c_int),
    ("stagegraph_heredoc_chomp", [_hd], c_int),
    ("stagegraph_heredoc_fd", [_hd], c_int),
    ("stagegraph_instruction_flag_value", [_ins, c_char_p, c_size_t], c_char_p),
    # Stages
    ("stagegraph_doc_stage_count", [_doc], c_size_t),
    ("stagegraph_doc_stage", [_doc, c_size_t], _stage),
    ("stagegraph_stage_index", [_stage], c_size_t),
    ("stagegraph_stage_name", [_stage], c_char_p),
    ("stagegraph_stage_base", [_stage], c_char_p),
    ("stagegraph_stage_platform", [_stage], c_char_p),
    ("stagegraph_stage_description", [_stage], c_char_p),
    ("stagegraph_stage_from", [_stage], _ins),
    ("stagegraph_stage_instruction_count", [_stage], c_size_t),
    ("stagegraph_stage_instruction", [_stage, c_size_t], _ins),
    ("stagegraph_doc_meta_arg_count", [_doc], c_size_t),
    ("stagegraph_doc_meta_arg", [_doc, c_size_t], _ins),
    # Diagnostics
    ("stagegraph_doc_diagnostic_count", [_doc], c_size_t),
    ("stagegraph_doc_diagnostic", [_doc, c_size_t], _diag),
    ("stagegraph_diagnostic_severity", [_diag], _enum),
    ("stagegraph_diagnostic_code", [_diag], c_int),
    ("stagegraph_diagnostic_rule", [_diag], c_char_p),
    ("stagegraph_diagnostic_message", [_diag], c_char_p),
    ("stagegraph_diagnostic_line", [_diag], c_uint32),
    ("stagegraph_diagnostic_column", [_diag], c_uint32),
    ("stagegraph_diagnostic_end_line", [_diag], c_uint32),
    ("stagegraph_diagnostic_end_column", [_diag], c_uint32),
    ("stagegraph_diagnostic_url", [_diag], c_char_p),
    ("stagegraph_diagnostic_offset", [_diag], c_size_t),
    ("stagegraph_doc_verdict", [_doc, _err], c_int),
    # Stage graph and build plan
    ("stagegraph_plan_options_init", [P(PlanOptions), c_size_t], None),
    ("stagegraph_plan_new", [P(_plan), _doc, P(PlanOptions), _err], c_int),
    ("stagegraph_plan_free", [_plan], None),
    ("stagegraph_plan_doc", [_plan], _doc),
    ("stagegraph_plan_is_legacy", [_plan], c_int),
    ("stagegraph_plan_stage_base", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_stage_platform", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_stage_parent", [_plan, c_size_t], c_size_t),
    ("stagegraph_plan_stage_image", [_plan, c_size_t], _img),
    ("stagegraph_plan_stage_context", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_stage_needed", [_plan, c_size_t], c_int),
    ("stagegraph_plan_stage_wave", [_plan, c_size_t], c_size_t),
    ("stagegraph_edge_kind_name", [_enum], c_char_p),
    ("stagegraph_plan_edge_count", [_plan], c_size_t),
    ("stagegraph_plan_edge", [_plan, c_size_t], _edge),
    ("stagegraph_edge_from", [_edge], c_size_t),
    ("stagegraph_edge_to", [_edge], c_size_t),
    ("stagegraph_edge_get_kind", [_edge], _enum),
    ("stagegraph_edge_instruction", [_edge], _ins),
    ("stagegraph_edge_onbuild", [_edge], c_int),
    ("stagegraph_edge_reference", [_edge], c_char_p),
    ("stagegraph_plan_image_count", [_plan], c_size_t),
    ("stagegraph_plan_image", [_plan, c_size_t], _img),
    ("stagegraph_image_ref", [_img], c_char_p),
    ("stagegraph_image_domain", [_img], c_char_p),
    ("stagegraph_image_path", [_img], c_char_p),
    ("stagegraph_image_tag", [_img], c_char_p),
    ("stagegraph_image_digest", [_img], c_char_p),
    ("stagegraph_image_normalized", [_img], c_char_p),
    ("stagegraph_image_familiar", [_img], c_char_p),
    ("stagegraph_image_context", [_img], c_char_p),
    ("stagegraph_image_use_count", [_img], c_size_t),
    ("stagegraph_image_use_kind", [_img, c_size_t], _enum),
    ("stagegraph_image_use_stage", [_img, c_size_t], c_size_t),
    ("stagegraph_image_use_line", [_img, c_size_t], c_uint32),
    ("stagegraph_plan_targets", [_plan, _size], _size),
    ("stagegraph_plan_order", [_plan, _size], _size),
    ("stagegraph_plan_pruned", [_plan, _size], _size),
    ("stagegraph_plan_critical_path", [_plan, _size], _size),
    ("stagegraph_plan_wave_count", [_plan], c_size_t),
    ("stagegraph_plan_wave", [_plan, c_size_t, _size], _size),
    ("stagegraph_plan_arg_count", [_plan], c_size_t),
    ("stagegraph_plan_arg_name", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_arg_value", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_arg_description", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_arg_line", [_plan, c_size_t], c_uint32),
    ("stagegraph_plan_secret_count", [_plan], c_size_t),
    ("stagegraph_plan_secret_id", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_secret_required", [_plan, c_size_t], c_int),
    ("stagegraph_plan_secret_line", [_plan, c_size_t], c_uint32),
    ("stagegraph_plan_ssh_count", [_plan], c_size_t),
    ("stagegraph_plan_ssh_id", [_plan, c_size_t], c_char_p),
    ("stagegraph_plan_ssh_required", [_plan, c_size_t], c_int),
    ("stagegraph_plan_ssh_line", [_plan, c_size_t], c_uint32),
    ("stagegraph_plan_render", [_buf, _plan, _enum, _err], c_int),
    # Cacheable layers and change impact
    ("stagegraph_cache_options_init", [P(CacheOptions), c_size_t], None),
    ("stagegraph_cache_status_name", [_enum], c_char_p),
    ("stagegraph_input_kind_name", [_enum], c_char_p),
    ("stagegraph_cache_new", [P(_cache), _plan, P(CacheOptions), _err], c_int),
    ("stagegraph_cache_free", [_cache], None),
    ("stagegraph_cache_plan", [_cache], _plan),
    ("stagegraph_cache_stage_count", [_cache], c_size_t),
    ("stagegraph_cache_stage", [_cache, c_size_t], c_size_t),
    ("stagegraph_cache_first_invalidated", [_cache, c_size_t], c_uint32),
    ("stagegraph_cache_boundary", [_cache, c_size_t], c_size_t),
    ("stagegraph_cache_instruction_count", [_cache, c_size_t], c_size_t),
    ("stagegraph_cache_instruction", [_cache, c_size_t, c_size_t], _ins),
    ("stagegraph_cache_instruction_onbuild", [_cache, c_size_t, c_size_t], c_int),
    ("stagegraph_cache_instruction_layer", [_cache, c_size_t, c_size_t], c_int),
    ("stagegraph_cache_instruction_linked", [_cache, c_size_t, c_size_t], c_int),
    ("stagegraph_cache_instruction_status", [_cache, c_size_t, c_size_t], _enum),
    ("stagegraph_cache_instruction_reason", [_cache, c_size_t, c_size_t], c_char_p),
    ("stagegraph_cache_input_count", [_cache, c_size_t, c_size_t], c_size_t),
    ("stagegraph_cache_input_kind", [_cache, c_size_t, c_size_t, c_size_t], _enum),
    ("stagegraph_cache_input_value", [_cache, c_size_t, c_size_t, c_size_t], c_char_p),
    ("stagegraph_cache_layer_count", [_cache], c_size_t),
    ("stagegraph_cache_layers_surviving_edit", [_cache], c_size_t),
    ("stagegraph_cache_render", [_buf, _cache, _enum, _err], c_int),
    # Lint
    ("stagegraph_lint_options_init", [P(LintOptions), c_size_t], None),
    ("stagegraph_lint_new", [P(_lint), _doc, P(LintOptions), _err], c_int),
    ("stagegraph_lint_free", [_lint], None),
    ("stagegraph_lint_count", [_lint], c_size_t),
    ("stagegraph_lint_diagnostic", [_lint, c_size_t], _diag),
    ("stagegraph_lint_failed", [_lint], c_int),
    ("stagegraph_lint_render", [_buf, _lint, _enum, c_char_p, _err], c_int),
    ("stagegraph_rule_count", [], c_size_t),
    ("stagegraph_rule_name", [c_size_t], c_char_p),
    ("stagegraph_rule_description", [c_size_t], c_char_p),
    ("stagegraph_rule_url", [c_size_t], c_char_p),
    ("stagegraph_rule_severity", [c_size_t], _enum),
    ("stagegraph_rule_experimental", [c_size_t], c_int),
    # Dump
    ("stagegraph_doc_dump", [_buf, _doc, _enum, _err], c_int),
    # Variable expansion
    (
        "stagegraph_expand_word",
        [_buf, c_char_p, c_size_t, P(c_char_p), c_size_t, c_char, _buf, _err],
        c_int,
    ),
    (
        "stagegraph_expand_words",
        [_buf, _size, c_char_p, c_size_t, P(c_char_p), c_size_t, c_char, _buf, _err],
        c_int,
    ),
    # Image references
    (
        "stagegraph_reference_parse",
        [P(_ref), c_char_p, c_size_t, P(Allocator), _err],
        c_int,
    ),
    ("stagegraph_reference_free", [_ref], None),
    ("stagegraph_reference_domain", [_ref], c_char_p),
    ("stagegraph_reference_path", [_ref], c_char_p),
    ("stagegraph_reference_tag", [_ref], c_char_p),
    ("stagegraph_reference_digest", [_ref], c_char_p),
    ("stagegraph_reference_normalized", [_ref], c_char_p),
    ("stagegraph_reference_familiar", [_ref], c_char_p),
]  # type: List[Tuple[str, list, object]]

# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

_lock = threading.Lock()
_library = None  # type: Optional[types.SimpleNamespace]
_explicit_file = None  # type: Optional[str]


def set_library_file(path) -> None:
    """Use the shared library at ``path``. Must be called before the first
    call that needs the library; raises StagegraphLibraryError afterwards."""
    global _explicit_file
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("path must be str, bytes or os.PathLike, not %s" % type(path).__name__)
    path = os.fsdecode(os.fspath(path))
    with _lock:
        if _library is not None:
            raise StagegraphLibraryError(
                "set_library_file() must be called before the library is first "
                "used; it is already loaded from %s" % _library.path
            )
        _explicit_file = path


def library_path() -> str:
    """The file (or SONAME) the library was loaded from; loads it if needed."""
    return lib().path


def is_loaded() -> bool:
    return _library is not None


def check_version(number: int, where: str) -> None:
    """Refuse a library whose version cannot serve this binding: the major
    must match, and while 0.x the minor too (any 0.x minor may break the
    ABI); from 1.0 the library's minor must be at least the binding's."""
    major, minor, patch = (number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF
    want_major, want_minor = (int(x) for x in ABI_VERSION.split("."))
    if major == want_major and (
        minor == want_minor or (major >= 1 and minor > want_minor)
    ):
        return
    raise StagegraphLibraryError(
        "%s is libstagegraph %d.%d.%d, but this Python binding (stagegraph %s) "
        "needs libstagegraph %d.%d.x: install a matching library or binding, "
        "or point %s at the right file"
        % (where, major, minor, patch, __version__, want_major, want_minor, ENV_VAR)
    )


def _candidates() -> Tuple[List[Tuple[str, str]], bool]:
    """[(origin, path)] to try, and whether the first is authoritative."""
    if _explicit_file is not None:
        return [("set_library_file()", _explicit_file)], True
    env = os.environ.get(ENV_VAR)
    if env:
        return [("$" + ENV_VAR, env)], True
    found = []
    here = os.path.dirname(os.path.abspath(__file__))
    pattern = "libstagegraph.*.dylib" if sys.platform == "darwin" else "libstagegraph.so.*"
    bundled = sorted(glob.glob(os.path.join(here, pattern)))
    # Prefer the exact SONAME, then anything else shipped.
    bundled.sort(key=lambda p: os.path.basename(p) != SONAME)
    for path in bundled:
        found.append(("bundled", path))
    found.append(("dynamic loader", SONAME))
    return found, False


def _register(cdll, where: str) -> types.SimpleNamespace:
    ns = types.SimpleNamespace(path=where, cdll=cdll)
    for name, argtypes, restype in FUNCTIONS:
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise StagegraphLibraryError(
                "%s does not export %s(): the library does not match this Python "
                "binding (stagegraph %s); install matching versions"
                % (where, name, __version__)
            ) from None
        fn.argtypes = argtypes
        fn.restype = restype
        setattr(ns, name, fn)
    return ns


def _open(where: str) -> types.SimpleNamespace:
    cdll = ctypes.CDLL(where)
    try:
        version_fn = cdll.stagegraph_version
    except AttributeError:
        raise StagegraphLibraryError(
            "%s is not libstagegraph: it does not export stagegraph_version()" % where
        ) from None
    version_fn.argtypes = []
    version_fn.restype = c_uint
    check_version(version_fn(), where)
    return _register(cdll, where)


def lib() -> types.SimpleNamespace:
    """The loaded library, loading it on first use (thread-safe)."""
    loaded = _library
    if loaded is not None:
        return loaded
    return _load()


def _load() -> types.SimpleNamespace:
    global _library
    with _lock:
        if _library is not None:
            return _library
        candidates, authoritative = _candidates()
        tried = []
        for origin, path in candidates:
            try:
                ns = _open(path)
            except OSError as exc:
                tried.append("  %s (%s): %s" % (path, origin, exc))
                continue
            _library = ns
            return ns
        if authoritative:
            hint = (
                "no other location was tried because %s names the library; "
                "without it the package directory and %s would be searched"
                % (candidates[0][0], SONAME)
            )
        else:
            hint = (
                "set %s to the file (for example build/lib/%s in the source "
                "tree), call stagegraph.set_library_file(), or install "
                "libstagegraph where the dynamic loader finds it "
                "(LD_LIBRARY_PATH, ldconfig)" % (ENV_VAR, SONAME)
            )
        raise StagegraphLibraryError(
            "cannot load libstagegraph (%s); tried:\n%s\n%s"
            % (SONAME, "\n".join(tried), hint)
        )


# ---------------------------------------------------------------------------
# Marshalling helpers
# ---------------------------------------------------------------------------


def new_error() -> Error:
    err = Error()
    err.size = ctypes.sizeof(Error)
    return err


def new_options() -> Options:
    opts = Options()
    opts.size = ctypes.sizeof(Options)
    return opts


def new_struct(cls):
    """A zeroed options struct (PlanOptions, CacheOptions, LintOptions) with
    ``size`` set to the mirror's own ctypes.sizeof()."""
    opts = cls()
    opts.size = ctypes.sizeof(cls)
    return opts


def error_from(err: Error, rc: int, path: Optional[str] = None):
    """The exception for a failed call's return code and error struct."""
    code = err.code if err.code < 0 else rc
    return error_from_code(
        code,
        err.message.decode("utf-8", "replace"),
        err.line,
        err.column,
        err.offset,
        err.end_line,
        err.end_column,
        path,
    )


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def decode_opt(data: Optional[bytes]) -> Optional[str]:
    return None if data is None else data.decode("utf-8", "surrogateescape")


def text_in(value, what: str) -> bytes:
    """str (UTF-8, surrogateescape round-trips), bytes-like -> bytes."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s must be str or bytes, not %s" % (what, type(value).__name__))


def cstring_in(value, what: str) -> bytes:
    """Like text_in, for C strings: a NUL byte would silently cut them."""
    data = text_in(value, what)
    if b"\0" in data:
        raise ValueError("%s must not contain NUL bytes" % what)
    return data


def path_in(value, what: str = "path") -> bytes:
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError("%s must be str, bytes or os.PathLike, not %s" % (what, type(value).__name__))
    data = os.fsencode(value)
    if b"\0" in data:
        raise ValueError("%s must not contain NUL bytes" % what)
    return data


def cstring_array(items: Sequence[bytes]):
    """A ``const char *const *`` (the caller keeps the result alive)."""
    return (c_char_p * max(len(items), 1))(*items)


def take_buf(lib_ns, buf: Buf) -> bytes:
    """Copy an owned stagegraph_buf out and dispose of it."""
    try:
        if not buf.ptr:
            return b""
        return ctypes.string_at(buf.ptr, buf.size)
    finally:
        lib_ns.stagegraph_buf_dispose(ctypes.byref(buf))


def index_list(ptr, count: int) -> List[int]:
    """Copy a borrowed ``const size_t *`` array of ``count`` indexes."""
    if not ptr or count == 0:
        return []
    return ptr[:count]


def borrowed(ptr, length: int) -> bytes:
    """Copy borrowed text that has an explicit length (NUL bytes kept)."""
    if not ptr:
        return b""
    return ctypes.string_at(ptr, length)
