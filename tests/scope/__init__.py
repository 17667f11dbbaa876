"""Scope-matrix cases: every module of this package declares the cases of one app (see registry.py)."""
import importlib
import pkgutil

from tests.scope import registry  # noqa: F401  (loaded first: the case modules register into it)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")
