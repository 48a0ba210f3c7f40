# SPDX-License-Identifier: MIT
"""Exception hierarchy of the stagegraph binding and the C status codes.

Every failing C call returns a negative ``STAGEGRAPH_E*`` code and fills a
``stagegraph_error``; :func:`error_from_code` turns that into one of the
classes below::

    StagegraphError                      base: .code .name .message .line ...
    +-- ParseError                       ESYNTAX, EINSTRUCTION, ELIMIT
    +-- UnknownTargetError               ENOTFOUND
    +-- CycleError                       ECYCLE
    +-- InvalidStageError                ESTAGE
    +-- InvalidReferenceError            EREFERENCE
    +-- ExpansionError                   EEXPAND
    +-- LibraryError                     EIO, ERROR (generic)
    |   +-- StagegraphLibraryError       the shared library cannot be used
    +-- StagegraphMemoryError            ENOMEM (also a MemoryError)
    +-- StagegraphValueError             EINVAL (also a ValueError)

A code this binding does not know (a newer library) becomes the base class.
This module does not touch the shared library, so it can be imported (and
its classes caught) when the library is missing.
"""

import enum
from typing import Optional

__all__ = [
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
    "error_from_code",
]


class Code(enum.IntEnum):
    """``stagegraph_code`` from include/stagegraph.h (append-only)."""

    OK = 0
    ERROR = -1
    ENOMEM = -2
    EINVAL = -3
    EIO = -4
    ESYNTAX = -5
    EINSTRUCTION = -6
    ELIMIT = -7
    ENOTFOUND = -8
    ECYCLE = -9
    EEXPAND = -10
    EREFERENCE = -11
    ESTAGE = -12


def code_name(code: int) -> str:
    """The symbolic name of a code, like ``stagegraph_code_name``."""
    try:
        return Code(code).name
    except ValueError:
        return "EUNKNOWN"


class StagegraphError(Exception):
    """A failed stagegraph call.

    Attributes:
        code: the ``STAGEGRAPH_E*`` value (a :class:`Code` when known, else int).
        name: its symbolic name (``"ESYNTAX"``), ``"EUNKNOWN"`` for a code
            this binding does not know.
        message: the library's text (BuildKit's wording wherever BuildKit
            has one).
        line, column: 1-based position, 0 when the error has none. The
            column counts bytes.
        end_line, end_column: end of the offending span, 0 when unknown.
        offset: 0-based byte offset of (line, column) in the input.
        path: the file (or the ``path=`` given to :func:`stagegraph.parse`),
            or None.
    """

    def __init__(
        self,
        message: str,
        code: int = Code.ERROR,
        line: int = 0,
        column: int = 0,
        offset: int = 0,
        end_line: int = 0,
        end_column: int = 0,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        try:
            self.code = Code(code)  # type: int
        except ValueError:
            self.code = int(code)
        self.name = code_name(code)
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
        self.end_line = end_line
        self.end_column = end_column
        self.path = path

    def __str__(self) -> str:
        if self.path:
            return "%s: %s" % (self.path, self.message)
        return self.message

    def __repr__(self) -> str:
        return "%s(%r, code=%s, line=%d, column=%d)" % (
            type(self).__name__,
            self.message,
            self.name,
            self.line,
            self.column,
        )

    def __reduce__(self):  # picklable despite the extra constructor arguments
        return (
            type(self),
            (
                self.message,
                int(self.code),
                self.line,
                self.column,
                self.offset,
                self.end_line,
                self.end_column,
                self.path,
            ),
        )


class ParseError(StagegraphError):
    """BuildKit rejects the Dockerfile (ESYNTAX, EINSTRUCTION) or a limit was
    hit (ELIMIT)."""


class UnknownTargetError(StagegraphError):
    """A named stage or target does not exist (ENOTFOUND)."""


class CycleError(StagegraphError):
    """The stage graph has a cycle (ECYCLE)."""


class InvalidStageError(StagegraphError):
    """A stage reference is invalid when the build runs (ESTAGE): a forward
    ``--from``, a bad stage index."""


class InvalidReferenceError(StagegraphError):
    """An image reference is invalid (EREFERENCE). Named so that it does not
    shadow the builtin ``ReferenceError``."""


class ExpansionError(StagegraphError):
    """Variable expansion failed (EEXPAND)."""


class LibraryError(StagegraphError):
    """A file could not be read (EIO) or a generic failure (ERROR)."""


class StagegraphLibraryError(LibraryError):
    """The shared library could not be found, loaded, or is incompatible."""


class StagegraphMemoryError(StagegraphError, MemoryError):
    """ENOMEM: an allocation failed inside the library."""


class StagegraphValueError(StagegraphError, ValueError):
    """EINVAL: a bad argument reached the library."""


_BY_CODE = {
    Code.ERROR: LibraryError,
    Code.ENOMEM: StagegraphMemoryError,
    Code.EINVAL: StagegraphValueError,
    Code.EIO: LibraryError,
    Code.ESYNTAX: ParseError,
    Code.EINSTRUCTION: ParseError,
    Code.ELIMIT: ParseError,
    Code.ENOTFOUND: UnknownTargetError,
    Code.ECYCLE: CycleError,
    Code.EEXPAND: ExpansionError,
    Code.EREFERENCE: InvalidReferenceError,
    Code.ESTAGE: InvalidStageError,
}


def exception_class(code: int) -> type:
    """The exception class for a negative code (the base for unknown ones)."""
    return _BY_CODE.get(code, StagegraphError)  # type: ignore[call-overload]


def error_from_code(
    code: int,
    message: str = "",
    line: int = 0,
    column: int = 0,
    offset: int = 0,
    end_line: int = 0,
    end_column: int = 0,
    path: Optional[str] = None,
) -> StagegraphError:
    """Build (not raise) the exception for ``code``."""
    if not message:
        message = code_name(code)
    return exception_class(code)(
        message, code, line, column, offset, end_line, end_column, path
    )
