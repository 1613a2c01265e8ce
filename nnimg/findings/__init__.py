"""The course's findings (docs/course.md), each measured on the shipped checkpoints and judged by the
verdict rules written there: reproduced, partly, not reproduced or not tested. `python -m nnimg.bench
findings` runs them all and writes docs/findings.json, which the app's findings panels read."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from nnimg.data import load_test_split, to_tensor
from nnimg.registry import REPO_ROOT
from nnimg.training import predict_logits
from nnimg.zoo import ModelZoo

FINDINGS_PATH = REPO_ROOT / "docs" / "findings.json"
VERDICTS = ("reproduced", "partly", "not reproduced", "not tested")
MIN_SEEDS = 3  # a difference is "reproduced" only beyond the spread over at least this many training seeds
ONE_SEED = ("It rests on one training seed, so its spread over seeds is unmeasured: 'partly' by the verdict rules "
            "(docs/course.md).")


@dataclass
class Finding:
    number: str  # docs/course.md's number; a letter for each reading where write-ups differ ("4a", "4b")
    tab: str  # where a student sees it in the app
    course: str  # what the course found (docs/course.md)
    here: str  # what nnimg measures, with the figures
    verdict: str  # one of VERDICTS
    why: str  # why it holds here, or why it differs
    control: str  # the control in the app that shows it
    recipe: list[str]  # the registry's recipe (or model) names it measured
    seeds: int  # training seeds per recipe behind the figures (0: not measured)


def beyond_spread(low: list[float], high: list[float]) -> bool:
    """Every value of `high` above every value of `low`: across seeds the two never overlap."""
    return min(high) > max(low)


def verdict(shown: bool, *, seeds: int, separated: bool = True) -> str:
    """The verdict of a finding that claims a difference: "reproduced" when the recipe shows it and it is
    `separated` across at least MIN_SEEDS seeds, "partly" when shown with fewer seeds or overlapping."""
    if not shown:
        return "not reproduced"
    return "reproduced" if seeds >= MIN_SEEDS and separated else "partly"


def spread(values: list[float], digits: int = 2) -> str:
    """Values over seeds as "mean (min to max, N seeds)", or the one value."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ({min(values):.{digits}f} to {max(values):.{digits}f}, {len(values)} seeds)"


class Measurements:
    """The shipped models and data every finding reads, loaded once."""

    def __init__(self, zoo: ModelZoo | None = None) -> None:
        self.zoo = zoo or ModelZoo()
        images, labels = load_test_split()
        self.test_x, self.test_labels = to_tensor(images), labels
        self.classifier = self.zoo.classifier
        self.digit_check = self.zoo.digit_check
        self.results: dict[str, object] = {}  # what several findings read, measured once

    def once(self, key: str, measure: Callable[[], object]) -> object:
        """`measure()`, run the first time `key` is asked for and remembered."""
        if key not in self.results:
            self.results[key] = measure()
        return self.results[key]

    def digit_share(self, images: torch.Tensor) -> float:
        """The share of (N, 1, 28, 28) images that the digit check takes for digits."""
        return float(self.digit_check.is_digit(self.classifier, images).mean())

    def labels(self, images: torch.Tensor) -> np.ndarray:
        """The reference classifier's digit for each image."""
        return predict_logits(self.classifier, images).argmax(1).numpy()


def share(value: float) -> str:
    """A share as a whole percentage."""
    return f"{value:.0%}"


def save_findings(findings: list[Finding], path: Path = FINDINGS_PATH) -> None:
    """Write the findings as JSON, for the app."""
    path.write_text(json.dumps([asdict(finding) for finding in findings], indent=1, ensure_ascii=False) + "\n")


def load_findings(path: Path = FINDINGS_PATH) -> list[Finding]:
    """The findings the bench wrote, or none when it has not run."""
    try:
        return [Finding(**row) for row in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []


def findings_table(findings: list[Finding]) -> str:
    """The findings as a Markdown table: finding | course | verdict | recipe (seeds) | here."""
    lines = ["| finding | course | verdict | recipe (seeds) | here |", "|---|---|---|---|---|"]
    lines += [f"| {f.number} | {f.course} | {f.verdict} | {', '.join(f.recipe) or '-'} ({f.seeds}) | {f.here} |"
              for f in findings]
    return "\n".join(lines)
