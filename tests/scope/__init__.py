"""Scope-matrix cases: every module of this package declares the cases of one app (see registry.py)."""
import importlib
import pkgutil

from . import registry

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")
