# SPDX-License-Identifier: MIT
"""PEP 517 build backend: setuptools, with a stdlib wheel writer as fallback.

Everything is ``setuptools.build_meta``. The one exception: setuptools
older than 70.1 builds wheels (and wheel metadata) only through the separate
``wheel`` package, and an offline ``pip install --no-build-isolation`` cannot
fetch it. When neither provides ``bdist_wheel``, this module writes the pure
Python wheel itself (the package has no compiled code), still taking every
metadata field from setuptools' reading of pyproject.toml. Editable installs
keep needing ``wheel`` or setuptools >= 70.1.
"""

import base64
import hashlib
import io
import os
import zipfile

from setuptools.build_meta import *  # noqa: F401,F403  (the hooks we do not override)


def _has_bdist_wheel():
    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools >= 70.1)

        return True
    except ImportError:
        pass
    try:
        import wheel.bdist_wheel  # noqa: F401

        return True
    except ImportError:
        return False


def _distribution():
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    dist = Distribution()
    apply_configuration(dist, "pyproject.toml")
    return dist


def _files(dist):
    """(archive name, path) of every file the wheel ships."""
    out = []
    for pkg in dist.packages:
        pkg_dir = os.path.join(*pkg.split("."))
        extra = set((dist.package_data or {}).get(pkg, []))
        for name in sorted(os.listdir(pkg_dir)):
            path = os.path.join(pkg_dir, name)
            if os.path.isfile(path) and (name.endswith(".py") or name in extra):
                out.append((pkg_dir.replace(os.sep, "/") + "/" + name, path))
    return out


def _dist_info(dist):
    name = dist.get_name().replace("-", "_")
    info = "%s-%s.dist-info" % (name, dist.get_version())
    meta = io.StringIO()
    dist.metadata.write_pkg_file(meta)
    wheel = "Wheel-Version: 1.0\nGenerator: stagegraph _backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    top = "".join(p + "\n" for p in dist.packages if "." not in p)
    return info, {"METADATA": meta.getvalue(), "WHEEL": wheel, "top_level.txt": top}


if not _has_bdist_wheel():

    def get_requires_for_build_wheel(config_settings=None):
        return []

    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
        info, files = _dist_info(_distribution())
        os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
        for fname, text in files.items():
            with open(os.path.join(metadata_directory, info, fname), "w", encoding="utf-8") as f:
                f.write(text)
        return info

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        dist = _distribution()
        info, meta = _dist_info(dist)
        name = "%s-%s-py3-none-any.whl" % (dist.get_name().replace("-", "_"), dist.get_version())
        record = []

        def add(zf, arcname, data):
            zf.writestr(zipfile.ZipInfo(arcname, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append("%s,sha256=%s,%d" % (arcname, digest.decode("ascii"), len(data)))

        os.makedirs(wheel_directory, exist_ok=True)
        with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
            for arcname, path in _files(dist):
                with open(path, "rb") as f:
                    add(zf, arcname, f.read())
            for fname, text in meta.items():
                add(zf, info + "/" + fname, text.encode("utf-8"))
            record.append(info + "/RECORD,,")
            zf.writestr(zipfile.ZipInfo(info + "/RECORD", (1980, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
        return name
