"""The layout of PRODUCT.md §3: dependencies point one way, and the sandbox stands apart.

Every Python file of an app is parsed; its imports, and the dotted names it spells in strings
(settings paths, schema extensions name classes that way), may reach only `core` and the apps
before it. The sandbox imports nothing of the product and nothing of the product imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("config", "core", "accounts", "devices", "contacts", "messaging", "scheduling", "agents")
# What each app may import of the product, besides itself.
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "devices": {"core", "accounts"},
    "contacts": {"core", "accounts", "devices"},
    "messaging": {"core", "accounts", "devices", "contacts"},
    "scheduling": {"core", "accounts", "devices", "contacts", "messaging"},
    "agents": {"core", "accounts", "devices", "contacts", "messaging"},
    "sandbox": set(),
}
NAMEABLE = set(PRODUCT) | {"sandbox"}


def top_level_names(path: Path, *, strings: bool = True) -> set[str]:
    """The product packages a module imports, and with `strings` names in a dotted string."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif strings and isinstance(node, ast.Constant) and isinstance(node.value, str):
            head, dot, _ = node.value.partition(".")
            if dot and head in NAMEABLE and " " not in node.value:
                names.add(head)
    return names & NAMEABLE


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_comes_before_it(package):
    """No module of an app reaches an app after it, and the sandbox reaches none."""
    files = python_files(package)
    assert files, package
    wrong = {
        str(path.relative_to(ROOT)): sorted(names)
        for path in files
        if (names := top_level_names(path) - ALLOWED[package] - {package})
    }
    assert wrong == {}


def test_nothing_of_the_product_imports_the_sandbox():
    """The product runs without the sandbox; only tests, the bench and `make run` start it.

    Settings list it in INSTALLED_APPS, by name, for its command: that is no import."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in PRODUCT
        for path in python_files(package)
        if "sandbox" in top_level_names(path, strings=False)
    ]
    assert offenders == []


def test_the_checker_sees_a_wrong_import(tmp_path):
    """A module of an early app that imports a later one is caught, by import or by name."""
    module = tmp_path / "m.py"
    module.write_text(
        "from devices.access import x\nimport messaging.models\nNAME = 'agents.Agent'\n"
        "TEXT = 'devices. are listed here'\n"
    )
    assert top_level_names(module) == {"devices", "messaging", "agents"}
