"""The gateway's rooms keep data flowing one way: each layer imports only the layers below it.

Read from the source with `ast`, so a new import that reaches around a layer (the upstream client
rendering problems, the contract knowing the config) fails here, not in review.
"""

from __future__ import annotations

import ast

import pytest

from tests.support import ROOT

GATEWAY = ROOT / "gateway"
# what each room may import from the gateway (besides itself)
ALLOWED = {
    "config": set(),
    "problems": set(),
    "logs": set(),
    "metrics": set(),
    "contract": set(),
    "drift": {"contract"},
    "recent": set(),
    "credentials": {"config"},
    "upstream": {"config", "credentials"},
    "pipeline": {
        "config",
        "contract",
        "credentials",
        "upstream",
        "problems",
        "drift",
        "metrics",
        "recent",
        "logs",
    },
    "status_page": {"config", "credentials", "drift", "problems", "recent"},
}


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def _gateway_imports(path: str) -> set[str]:
    tree = ast.parse((GATEWAY / path).read_text())
    found = set()
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found |= {_room(n) for n in names if n.startswith("gateway.")}
    return found


def _files(room: str) -> list[str]:
    package = GATEWAY / room
    if package.is_dir():
        return [str(p.relative_to(GATEWAY)) for p in sorted(package.glob("*.py"))]
    return [room + ".py"]


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_the_rooms_below_it(room: str) -> None:
    for path in _files(room):
        reached = _gateway_imports(path) - {room} - ALLOWED[room]
        assert not reached, f"gateway/{path} reaches {sorted(reached)}"


def test_the_check_sees_imports() -> None:
    assert _gateway_imports("pipeline/handler.py") >= {"pipeline", "problems", "upstream", "credentials"}
