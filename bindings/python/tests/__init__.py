# SPDX-License-Identifier: MIT
"""Unit tests of the stagegraph Python binding (stdlib unittest)."""
