"""The Transfer tab: classify the 10,000 test digits from a few labels with an autoencoder's encoder."""

from __future__ import annotations

import gradio as gr
import torch

from nnimg.data import to_tensor
from nnimg.plots import confusion_matrix
from nnimg.registry import AE_DEPTH_SWEEP, AE_STUDY_DEPTH
from nnimg.transfer import balanced_indices, few_label_study
from nnimg.ui import checks, jobs
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import HEAVY, OnLoad

MAX_STEPS, MIN_HIDDEN, MAX_HIDDEN = 1000, 16, 512
REGIMES = ("frozen", "fine-tuned")
STAGES = {"labelled": "labelled digits", "spread": "labels spread over the unlabelled codes",
          "pseudo-labelled": "self-training on spread labels"}


def transfer_train(latent_dim: float, regime: str, label_count: float, hidden: float, steps: float,
                   unlabelled_count: float = 10_000, shifts: bool = False, progress=gr.Progress()):
    """Train a small MLP head on the AE's encoder (and on a random encoder) with a few labels, then
    optionally self-train on labels spread over unlabelled digits; stream progress, then report
    test accuracy on all 10,000 test digits and a confusion matrix."""
    pool_images, pool_labels = lab().labelled_pool
    unlabelled_images, unlabelled_labels = lab().unlabelled_pool
    latent_dim = checks.one_of(checks.whole_number(latent_dim, "latent size"), AE_DEPTH_SWEEP[AE_STUDY_DEPTH],
                               "latent size")
    label_count = checks.bounded(label_count, "number of labels", 10, len(pool_labels))
    hidden = checks.bounded(hidden, "hidden width", MIN_HIDDEN, MAX_HIDDEN)
    steps = checks.bounded(steps, "number of steps", 20, MAX_STEPS)
    unlabelled_count = checks.bounded(unlabelled_count, "number of unlabelled digits", 0, len(unlabelled_images))
    regime = checks.one_of(regime, REGIMES, "encoder regime")
    if not isinstance(shifts, bool):
        raise gr.Error(f"Random shifts must be true or false, not {checks.shown(shifts)}.")
    if label_count % 10:
        raise gr.Error(f"The number of labels must be a multiple of 10 (the same number per digit), not {label_count}.")
    with checks.user_errors():
        autoencoder = lab().zoo.autoencoder(latent_dim, AE_STUDY_DEPTH)
    chosen = balanced_indices(pool_labels, label_count, seed=0)
    study = few_label_study(autoencoder, to_tensor(pool_images[chosen]), torch.from_numpy(pool_labels[chosen]),
                            lab().test_x, lab().test_y, fine_tune=regime == "fine-tuned", hidden=hidden, steps=steps,
                            unlabelled=to_tensor(unlabelled_images[:unlabelled_count]),
                            unlabelled_labels=torch.from_numpy(unlabelled_labels[:unlabelled_count]),
                            max_shift=2 if shifts else 0)
    event = {}
    for event in jobs.watched(study, what="Transfer training"):
        if "encoders" in event:
            break
        progress(event["fraction"], desc=f"{event['run']}, {STAGES[event['stage']]}: "
                                         f"step {event['step']}/{event['total']}")
    if "encoders" not in event:
        raise gr.Error("Transfer training stopped before the end: choose fewer steps or fewer unlabelled digits.")
    rows = [[f"{name}, {regime}", round(accuracy, 4), "" if spread_right is None else round(spread_right, 4)]
            for name, accuracy, spread_right in event["encoders"]]
    rows.append(["pixels, 1-nearest neighbour", round(event["pixels"], 4), ""])
    figure = confusion_matrix(event["confusion"],
                              title=f"Pretrained encoder (d = {latent_dim}, {regime}), {label_count} labels")
    return rows, figure


def build() -> OnLoad:
    """The tab's layout and events."""
    findings_panel("Transfer with few labels")
    try:
        pool_size, unlabelled_size = len(lab().labelled_pool[1]), len(lab().unlabelled_pool[1])
    except gr.Error as error:  # the tab needs both shipped pools; the others work without them
        gr.Markdown(f"**{error.message}**")
        return []
    gr.Markdown(f"Classify all 10,000 test digits from a handful of labels. The labels come from a shipped pool "
                f"of {pool_size} training digits, balanced over the digits (fixed seed). The MLP head "
                "trains on the autoencoder's encoder, frozen or fine-tuned, beside the same network on a randomly "
                "initialised encoder and a nearest-neighbour classifier on pixels.\n\n"
                "**Label spreading** (self-training): after the labelled steps, the few labels spread over a "
                "nearest-neighbour graph of the encoder's codes of unlabelled training digits, and the network "
                "trains twice as many steps more on them. On the autoencoder's codes neighbours mostly share "
                "their digit, so the spread labels are mostly right; on a random encoder's codes they are not.")
    with gr.Row():
        latent_dim = gr.Dropdown(list(AE_DEPTH_SWEEP[AE_STUDY_DEPTH]), value=10,
                                 label=f"Latent size d ({AE_STUDY_DEPTH} conv layers)")
        regime = gr.Radio(list(REGIMES), value="fine-tuned", label="Encoder")
        label_count = gr.Slider(10, pool_size, value=100, step=10, precision=0, label="Labels")
        hidden = gr.Slider(MIN_HIDDEN, MAX_HIDDEN, value=128, step=16, precision=0,
                           label="Hidden units of the MLP head")
        steps = gr.Slider(20, MAX_STEPS, value=300, step=20, precision=0, label="Training steps on the labels")
    with gr.Row():
        unlabelled_count = gr.Slider(0, unlabelled_size, value=unlabelled_size, step=1000, precision=0,
                                     label="Unlabelled digits for label spreading (0: off)")
        shifts = gr.Checkbox(False, label="Random 2-pixel shifts (augmentation)")
    with gr.Row():
        button = gr.Button("Train", variant="primary", scale=3)
        stop = gr.Button("Stop", scale=1)
    with gr.Row():
        accuracies = gr.Dataframe(headers=["model", "test accuracy", "spread labels right"],
                                  label="Accuracy on the 10,000 test digits", interactive=False)
        confusion = gr.Plot(label="Confusion matrix", show_label=False)
    training = button.click(transfer_train, [latent_dim, regime, label_count, hidden, steps, unlabelled_count, shifts],
                 [accuracies, confusion], api_name="transfer_train", preprocess=False, **HEAVY)
    stop.click(None, cancels=[training], api_visibility="private")
    return []
