"""French text shown to people uses the typographic apostrophe (’), never the straight one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import app.demo
from app.needs.regions import REGIONS

STRAIGHT = re.compile(r"[^\W\d_]'[^\W\d_]")  # l'acheteur, d'intrusion: a letter on both sides


def _literals(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module (f-string text included), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scopes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, scopes) and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_the_demo_texts_use_the_typographic_apostrophe():
    folder = Path(app.demo.__file__).parent
    straight = [f"{path.name}:{line}: {text[:60]}"
                for path in sorted(folder.glob("*.py"))
                for line, text in _literals(path) if STRAIGHT.search(text)]
    assert straight == []


def test_region_names_use_the_typographic_apostrophe():
    assert [name for name in REGIONS.values() if "'" in name] == []
    assert REGIONS["93"] == "Provence-Alpes-Côte d’Azur"
