"""The layout of the code (docs/architecture.md), checked: one-way dependencies, no hidden import circles,
one way to import a model, pure modules free of Django, and the rooms of each concern package.

Each test reads the source tree, so it fails on the first upward import, function-level import or misplaced
module someone adds, whatever they add it to."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("orgs", "census", "tasks")
PROJECT = (*APPS, "qiaolian")
# The modules Django, its admin and Celery look for at app level: they only gather the concern packages.
GATHERING_MODULES = {f"{app}.{name}" for app in APPS for name in ("models", "admin", "urls")}
PURE_MODULES = ("census.coverage.rules", "orgs.common.identifiers", "census.importing.values", "orgs.common.messages")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_sources(*, with_tests: bool = False) -> list[Path]:
    roots = (*PROJECT, "tests") if with_tests else PROJECT
    return sorted(p for root in roots for p in (ROOT / root).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def test_import_contracts_hold():
    """import-linter's contracts (pyproject.toml): apps one way (qiaolian → tasks → census → orgs), the concern
    packages of each app in layers, scoping standing on nothing, pure modules without Django, models and
    services without workflows and jobs."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint_imports, "import-linter is part of the test dependencies"
    done = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_relative_or_function_level_imports_of_the_project():
    """An import inside a function is how an import circle hides: every project import sits at the top of
    its module, where Python would refuse a circle at once. Exceptions: `AppConfig.ready()` (Django's place for
    them) and an import marked `# lazy:` with its reason."""
    found = []
    for path in project_sources():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} relative import")
            for function in (node,) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else ():
                if path.name == "apps.py" and function.name == "ready":
                    continue
                for inner in ast.walk(function):
                    modules = imported_modules(inner)
                    if modules and modules[0].split(".")[0] in PROJECT and "# lazy:" not in lines[inner.lineno - 1]:
                        found.append(f"{path.relative_to(ROOT)}:{inner.lineno} imports {modules[0]} inside {function.name}()")
    assert not found, "\n".join(found)


def test_models_are_imported_from_their_concern_package():
    """`orgs.models`, `census.models`, `tasks.models` (and the app-level admin and urls) exist for Django; code
    imports `from orgs.regions.models import Region`, never from them: one way to import each thing."""
    found = []
    for path in project_sources(with_tests=True):
        if module_name(path) in GATHERING_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import) and imported_modules(node)[0] in GATHERING_MODULES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {imported_modules(node)[0]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_load_no_django(module):
    """Importing a pure module (and the packages above it) in a fresh interpreter loads no Django."""
    code = f"import {module}, sys; loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery')); assert not loaded, loaded"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_concern_packages_keep_their_rooms():
    """Inside an app: no module named for a second concern (`organization_views.py`, `report_jobs.py`,
    `views_coverage.py`), no `models/` package, no models file over 500 lines, no `tasks.py` (Celery jobs live
    in `jobs.py`)."""
    concerns = {p.name for app in APPS for p in (ROOT / app).iterdir() if (p / "__init__.py").exists()}
    concerns -= {"management", "migrations", "templatetags", "api"}
    problems = []
    for path in project_sources():
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in APPS or "management" in relative.parts:
            continue  # the project package composes; commands are named for what they do
        stem = path.stem
        if any(stem.startswith((f"{concern}_", f"{concern.rstrip('s')}_")) for concern in concerns):
            problems.append(f"{relative}: named for a concern; it belongs in that concern's package")
        if "_" in stem and stem.split("_")[0] in {"views", "urls", "models", "admin", "api", "jobs", "services"}:
            problems.append(f"{relative}: a second room of the same kind; split the concern instead")
        if stem == "models" and len(path.read_text(encoding="utf-8").splitlines()) > 500:
            problems.append(f"{relative}: models file over 500 lines")
        if stem == "tasks" and relative.parts[0] in APPS:
            problems.append(f"{relative}: Celery jobs live in jobs.py")
    problems += [f"{p.relative_to(ROOT)}: a models package" for app in APPS for p in (ROOT / app).rglob("models") if p.is_dir()]
    assert not problems, "\n".join(problems)
