"""Build glue only: metadata lives in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["csrc/ffi/build.py:ffibuilder"])
