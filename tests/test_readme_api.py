"""The README's API table and the app agree: the same endpoints with the same parameters in the same
order, and for each parameter the same range (a slider's or a number's minimum and maximum) and the
same choices (a dropdown's, radio's or checkbox group's values), so that neither can drift.

A parameter's description is the parenthesised text after its name. Its range is "LOW to HIGH" at
the start; its choices are the quoted values, the backticked names (`ae_d{5,10}_l2` stands for
ae_d5_l2 and ae_d10_l2), and the numbers before the first ':' or ';' ("0-9" stands for 0 to 9).
"as in `/endpoint`" (or "as `/endpoint`'s `name`") adds that parameter's range and choices."""

import re
from pathlib import Path

import pytest

from nnimg.ui.checks import MAX_SEED

README = Path(__file__).resolve().parent.parent / "README.md"
# /gan_grid takes every recipe by name, while its Recipe radio offers those the GAN losses tab
# switches between: the larger D has its own section, faces and a folder's run appear once trained.
BEYOND_CHOICES = {("/gan_grid", "recipe")}
INHERITED = re.compile(r"as (?:in )?`(/[a-z_]+)`(?:'s `([a-z_]+)`)?")
NUMBER = r"-?\d[\d,]*(?:\.\d+)?"


def _api_section() -> str:
    return README.read_text().split("## The API", 1)[1].split("```", 1)[0]


def _parameters(cell: str) -> list[list[list[str]]]:
    """Per endpoint of a row (groups split at a ';' outside parentheses): [name, description] of each
    backticked name outside parentheses, with the parenthesised text after it."""
    groups, depth, start, index = [[]], 0, 0, 0
    while index < len(cell):
        char = cell[index]
        if depth == 0 and char == ";":
            groups.append([])
        elif depth == 0 and char == "`":
            end = cell.index("`", index + 1)
            groups[-1].append([cell[index + 1:end], ""])
            index = end
        elif char == "(":
            depth += 1
            start = index + 1 if depth == 1 else start
        elif char == ")" and depth:
            depth -= 1
            if depth == 0 and groups[-1]:
                groups[-1][-1][1] = cell[start:index]
        index += 1
    return groups


def readme_table() -> dict[str, dict[str, str]]:
    """Endpoint -> {parameter: description}, in the README's order."""
    table = {}
    for row in _api_section().splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`/"):
            continue
        names = re.findall(r"`(/[a-z_]+)`", cells[0])
        groups = _parameters(cells[1]) if cells[1] != "none" else [[]]
        for name, group in zip(names, groups, strict=True):
            table[name] = dict(group)
    return table


def _expand(pattern: str) -> set[str]:
    """`ae_d{5,10}_l2` -> {"ae_d5_l2", "ae_d10_l2"}."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if not match:
        return {pattern}
    return {expanded for part in match[1].split(",")
            for expanded in _expand(pattern[:match.start()] + part + pattern[match.end():])}


def _inherited(table: dict, endpoint: str, name: str) -> tuple[str, str] | None:
    match = INHERITED.search(table[endpoint][name])
    return (match[1], match[2] or name) if match else None


def readme_choices(table: dict, endpoint: str, name: str) -> set[str]:
    """The values the README gives a parameter, as text."""
    description = INHERITED.sub("", table[endpoint][name])
    values = set(re.findall(r'"([^"]*)"', description))
    values |= {value for pattern in re.findall(r"`([^`]*)`", description) if not pattern.startswith("/")
               for value in _expand(pattern)}
    head = re.split(r"[:;]", re.sub(r'"[^"]*"|`[^`]*`', "", description), maxsplit=1)[0]
    for low, high in re.findall(r"(?<![\w.])(\d+)(?:-(\d+))?(?![\w.])", head):
        values |= {str(number) for number in range(int(low), int(high or low) + 1)}
    inherited = _inherited(table, endpoint, name)
    return values | (readme_choices(table, *inherited) if inherited else set())


def readme_range(table: dict, endpoint: str, name: str) -> tuple[float, float] | None:
    """(LOW, HIGH) of a description that starts "LOW to HIGH", else the inherited one, else None."""
    match = re.match(rf"\s*({NUMBER}) to ({NUMBER})", table[endpoint][name])
    if match:
        return tuple(float(value.rstrip(",").replace(",", "")) for value in match.groups())
    inherited = _inherited(table, endpoint, name)
    return readme_range(table, *inherited) if inherited else None


@pytest.fixture(scope="module")
def app_inputs() -> dict[str, dict[str, object]]:
    """Endpoint -> {parameter: its input component}, in the app's order."""
    from app import demo

    named = demo.get_api_info()["named_endpoints"]
    return {f"/{fn.api_name}": {parameter["parameter_name"]: component for parameter, component
                                in zip(named[f"/{fn.api_name}"]["parameters"], fn.inputs, strict=True)}
            for fn in demo.fns.values() if f"/{fn.api_name}" in named}


def test_the_readme_lists_every_endpoint_with_its_parameters_in_order(app_inputs):
    assert {name: list(parameters) for name, parameters in readme_table().items()} == \
           {name: list(parameters) for name, parameters in app_inputs.items()}


def test_the_readme_gives_each_slider_and_bounded_number_its_range(app_inputs):
    table, drifted = readme_table(), []
    for endpoint, parameters in app_inputs.items():
        for name, component in parameters.items():
            low, high = getattr(component, "minimum", None), getattr(component, "maximum", None)
            app_range = None if low is None or high is None else (float(low), float(high))
            if readme_range(table, endpoint, name) != app_range:
                drifted.append(f"{endpoint} {name}: README {readme_range(table, endpoint, name)}, app {app_range}")
    assert drifted == []


def test_the_readme_gives_each_choice_of_the_app(app_inputs):
    table, drifted = readme_table(), []
    for endpoint, parameters in app_inputs.items():
        for name, component in parameters.items():
            if getattr(component, "choices", None) is None or getattr(component, "allow_custom_value", False):
                continue  # free values: a folder's models by name
            app_choices = {str(value) for _, value in component.choices}
            readme = readme_choices(table, endpoint, name)
            if not (app_choices <= readme if (endpoint, name) in BEYOND_CHOICES else app_choices == readme):
                drifted.append(f"{endpoint} {name}: README {sorted(readme)}, app {sorted(app_choices)}")
    assert drifted == []


def test_the_readme_states_the_seed_range():
    assert f"from 0 to {MAX_SEED:,}" in " ".join(_api_section().split())


def test_whole_number_parameters_are_typed_as_integers(app_inputs):
    """A slider of whole steps rounds to an integer (precision 0), so view_api types it `int`, not `float`."""
    floats = [f"{endpoint} {name}" for endpoint, parameters in app_inputs.items()
              for name, component in parameters.items()
              if type(component).__name__ == "Slider" and float(component.step).is_integer()
              and component.precision != 0]
    assert floats == []


def test_gan_grid_offers_every_recipe_of_the_registry(app_inputs):
    from nnimg.registry import DCGAN_RECIPES, FACE_RECIPE

    offered = {value for _, value in app_inputs["/gan_grid"]["recipe"].choices}
    assert set(DCGAN_RECIPES) | {FACE_RECIPE} <= offered


def test_every_output_is_named():
    """view_api names each output by its label; Gradio's fallback is `value_<id>`."""
    from app import demo

    unnamed = [f"{endpoint} {output['component']}" for endpoint, info in demo.get_api_info()["named_endpoints"].items()
               for output in info["returns"] if output["label"].startswith("value_")]
    assert unnamed == []
