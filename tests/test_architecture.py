"""The shape of the code: every module imports alone, the layers hold (``lint-imports`` checks
the contracts in pyproject.toml), and a domain reaches another only through its public
modules."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import textwrap

import grimp
import pytest

import cxpilot
from cxpilot.domains import DOMAINS

pytestmark = pytest.mark.pure

#: What a domain may use of another: its reads, writes, tables and pure computation; the
#: warehouse and the analytics shared by the dashboard and the verbatims offer more.
PUBLIC = {"services", "selectors", "models", "stats", "engine", "demo"}
PUBLIC_EXTRA = {
    "warehouse": {"connection", "schema", "inbox", "ingest"},
    "analytics": {"metrics", "charts", "drivers"},
    "organisation": {"users", "forms"},  # the filters every analysis page shares
    "board": {"kpis", "display"},  # the shape of a board and its figures as text (home page)
}


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(cxpilot.__path__, "cxpilot.")
        if ".migrations" not in m.name
    )


def test_every_module_imports_alone():
    """Each module in a fresh process of its own (forked after ``django.setup()``)."""
    script = textwrap.dedent(
        """
        import importlib, os, sys
        import django
        django.setup()
        # the heavy third-party libraries once, before forking: each child then imports only
        # CX Pilot's own modules, which is what the test is about
        for name in ("ibis", "pandas", "pyarrow", "numpy", "scipy", "sklearn", "altair",
                     "typer", "ninja", "yaml", "fpdf"):
            importlib.import_module(name)
        failed = []
        for name in sys.argv[1:]:
            pid = os.fork()
            if pid == 0:
                try:
                    importlib.import_module(name)
                except BaseException as exc:
                    print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
                    os._exit(1)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            if status:
                failed.append(name)
        sys.exit(1 if failed else 0)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    modules = _modules()
    assert len(modules) > 100
    done = subprocess.run(
        [sys.executable, "-c", script, *modules], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_domain_uses_another_only_through_its_public_modules():
    graph = grimp.build_graph("cxpilot")
    names = {d.name for d in DOMAINS} | {"demo"}
    bad = []
    for importer in graph.modules:
        parts = importer.split(".")
        if len(parts) < 3 or parts[1] not in names:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")
            if len(target) < 3 or target[1] not in names or target[1] == parts[1]:
                continue
            if target[2] not in PUBLIC | PUBLIC_EXTRA.get(target[1], set()):
                bad.append(f"{importer} -> {imported}")
    assert not bad, "\n".join(bad)


def test_no_domain_imports_the_assembly():
    graph = grimp.build_graph("cxpilot")
    for assembly in ("cxpilot.cli", "cxpilot.api", "cxpilot.urls"):
        importers = graph.find_modules_that_directly_import(assembly)
        assert importers <= {"cxpilot.urls", "cxpilot.cli", "cxpilot.wsgi"}, importers
