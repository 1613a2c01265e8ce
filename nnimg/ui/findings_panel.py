"""The findings panel of a tab: what the course found, what this lab measures, and why they differ,
read from the bench's output (docs/findings.json, written by `python -m nnimg.bench findings`)."""

from __future__ import annotations

import gradio as gr

from nnimg.findings import load_findings

VERDICT_MARKS = {"reproduced": "reproduced", "partly": "partly reproduced", "not reproduced": "not reproduced",
                 "not tested": "not tested"}


def findings_panel(tab: str) -> None:
    """A folded panel with the course's findings that `tab` shows, each with its measured verdict."""
    findings = [finding for finding in load_findings() if finding.tab == tab]
    if not findings:
        return
    with gr.Accordion("The course's findings here: what holds, and why", open=False):
        gr.Markdown("\n\n---\n\n".join(
            f"**Finding {f.number}: {VERDICT_MARKS[f.verdict]}** ({', '.join(f.recipe) or 'no run'}; "
            f"{f.seeds} seed{'s' * (f.seeds != 1)})\n\n"
            f"- *What the course found:* {f.course}\n- *What you see here:* {f.here}\n- *Why:* {f.why}\n"
            f"- *See it:* {f.control}" for f in findings)
            + "\n\nMeasured on the shipped models by `python -m nnimg.bench findings`; the course and the verdict "
              "rules are described in docs/course.md.")
