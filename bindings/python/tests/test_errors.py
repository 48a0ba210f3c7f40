# SPDX-License-Identifier: MIT
"""The exception hierarchy and the code -> class mapping."""

import pickle
import unittest

import stagegraph
from stagegraph import Code, _errors


class ErrorsTest(unittest.TestCase):
    def test_mapping(self):
        want = {
            Code.ERROR: stagegraph.LibraryError,
            Code.ENOMEM: MemoryError,
            Code.EINVAL: ValueError,
            Code.EIO: stagegraph.LibraryError,
            Code.ESYNTAX: stagegraph.ParseError,
            Code.EINSTRUCTION: stagegraph.ParseError,
            Code.ELIMIT: stagegraph.ParseError,
            Code.ENOTFOUND: stagegraph.UnknownTargetError,
            Code.ECYCLE: stagegraph.CycleError,
            Code.EEXPAND: stagegraph.ExpansionError,
            Code.EREFERENCE: stagegraph.InvalidReferenceError,
            Code.ESTAGE: stagegraph.InvalidStageError,
        }
        self.assertEqual(set(want), set(Code) - {Code.OK})
        for code, cls in want.items():
            with self.subTest(code=code.name):
                e = _errors.error_from_code(code, "boom", 3, 4, 17, 3, 9, "Dockerfile")
                self.assertIsInstance(e, cls)
                self.assertIsInstance(e, stagegraph.StagegraphError)
                self.assertIs(e.code, code)
                self.assertEqual(e.name, code.name)
                self.assertEqual(
                    (e.message, e.line, e.column, e.offset, e.end_line, e.end_column, e.path),
                    ("boom", 3, 4, 17, 3, 9, "Dockerfile"),
                )
                self.assertEqual(str(e), "Dockerfile: boom")

    def test_unknown_code_is_the_base_class(self):
        e = _errors.error_from_code(-99, "newer")
        self.assertIs(type(e), stagegraph.StagegraphError)
        self.assertEqual(e.code, -99)
        self.assertEqual(e.name, "EUNKNOWN")
        self.assertEqual(str(e), "newer")
        self.assertEqual(_errors.error_from_code(-5).message, "ESYNTAX")

    def test_library_error_classes(self):
        self.assertTrue(issubclass(stagegraph.StagegraphLibraryError, stagegraph.LibraryError))
        self.assertTrue(issubclass(stagegraph.StagegraphMemoryError, MemoryError))
        self.assertTrue(issubclass(stagegraph.StagegraphValueError, ValueError))
        self.assertEqual(stagegraph.StagegraphLibraryError("x").code, Code.ERROR)

    def test_pickle(self):
        e = _errors.error_from_code(Code.ESYNTAX, "bad", 2, 1, 13, path="D")
        e2 = pickle.loads(pickle.dumps(e))
        self.assertIs(type(e2), stagegraph.ParseError)
        self.assertEqual((e2.code, e2.message, e2.line, e2.offset, e2.path), (Code.ESYNTAX, "bad", 2, 13, "D"))

    def test_einval_from_the_library_is_a_value_error(self):
        # A real EINVAL: the C side refuses an options struct whose size is 0.
        from ctypes import POINTER, byref

        from stagegraph import _native

        lib = _native.lib()
        opts = _native.Options()  # size left 0
        out = POINTER(_native.DocHandle)()
        err = _native.new_error()
        rc = lib.stagegraph_parse(byref(out), b"FROM a\n", 7, byref(opts), byref(err))
        self.assertEqual(rc, Code.EINVAL)
        self.assertFalse(out)
        exc = _native.error_from(err, rc)
        self.assertIsInstance(exc, ValueError)
        self.assertIn("size", exc.message)


if __name__ == "__main__":
    unittest.main()
