"""The course's fourteen findings (docs/course.md), each measured on the shipped checkpoints and
judged: reproduced, partly, or not reproduced. `python -m nnimg.bench findings` runs them all and
writes docs/findings.json, which the app's findings panels read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from nnimg.data import load_test_split, to_tensor
from nnimg.registry import REPO_ROOT
from nnimg.training import predict_logits
from nnimg.zoo import ModelZoo

FINDINGS_PATH = REPO_ROOT / "docs" / "findings.json"
VERDICTS = ("reproduced", "partly", "not reproduced")


@dataclass
class Finding:
    number: int
    tab: str  # where a student sees it in the app
    course: str  # what the course found (docs/course.md)
    here: str  # what nnimg measures, with the figures
    verdict: str  # one of VERDICTS
    why: str  # why it holds here, or why it differs
    control: str  # the control in the app that shows it


class Measurements:
    """The shipped models and data every finding reads, loaded once."""

    def __init__(self, zoo: ModelZoo | None = None) -> None:
        self.zoo = zoo or ModelZoo()
        images, labels = load_test_split()
        self.test_x, self.test_labels = to_tensor(images), labels
        self.classifier = self.zoo.classifier
        self.digit_check = self.zoo.digit_check

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
    """The findings as a Markdown table: finding | course | here | verdict."""
    lines = ["| finding | course | here | verdict |", "|---|---|---|---|"]
    lines += [f"| {f.number} | {f.course} | {f.here} | {f.verdict} |" for f in findings]
    return "\n".join(lines)
