"""The README's API table and the app's view_api() name the same endpoints with the same parameters,
in the same order, so that neither can drift from the other."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _outside_parentheses(text: str) -> str:
    depth, kept = 0, []
    for char in text:
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")" and depth > 0
    return "".join(kept)


def readme_endpoints() -> dict[str, list[str]]:
    """Endpoint -> parameter names, from the README's table (a row may list several endpoints, their
    parameters separated by ';')."""
    table = README.read_text().split("## The API", 1)[1].split("```", 1)[0]
    endpoints = {}
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`/"):
            continue
        names = re.findall(r"`(/[a-z_]+)`", cells[0])
        groups = _outside_parentheses(cells[1]).split(";") if len(names) > 1 else [_outside_parentheses(cells[1])]
        for name, group in zip(names, groups, strict=True):
            endpoints[name] = [] if group.strip() == "none" else re.findall(r"`([a-z_]+)`", group)
    return endpoints


@pytest.fixture(scope="module")
def api() -> dict[str, list[str]]:
    from app import demo

    return {name: [p["parameter_name"] for p in info["parameters"]]
            for name, info in demo.get_api_info()["named_endpoints"].items()}


def test_the_readme_lists_every_endpoint_with_its_parameters_in_order(api):
    assert readme_endpoints() == api
