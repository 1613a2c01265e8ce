"""The GAN losses tab: the DCGAN trained with the saturating, non-saturating and least-squares
generator losses, its samples and curves along training, sample quality, and live training."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from nnimg.sampling import fresh_samples
from nnimg.grids import read_snapshots
from nnimg.live_training import LIVE_WIDTH, train_dcgans_live
from nnimg.losses import GENERATOR_LOSSES
from nnimg.metrics import sample_quality
from nnimg.plots import gan_curves, image_grid, live_gan_curves
from nnimg.registry import (DCGAN_LIVE_PRESETS, DCGAN_LOSSES, DCGAN_RECIPES, FACE_RECIPE, FACE_RECIPE_DISPLAY,
                            ShippedDCGAN, dcgan_recipes, find_dcgan, folder_dcgans, shipped_dcgans)
from nnimg.ui import checks, live
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import OnLoad, image_output
from nnimg.zoo import read_metrics

MAX_LIVE_STEPS, QUALITY_SAMPLES, LIVE_LR_RANGE = 1000, 1000, (1e-5, 1e-2)


def _entry(loss: str, recipe: str) -> ShippedDCGAN:
    """The entry of the DCGAN of `loss` and `recipe` (shipped, or trained on a folder), or a gr.Error."""
    recipes = dcgan_recipes()
    recipe = checks.one_of(recipe, recipes, "recipe")
    if loss not in recipes[recipe]:
        raise gr.Error(f"The {recipe} recipe has the losses {', '.join(recipes[recipe])}; choose one of them, "
                       f"not {checks.shown(loss)}.")
    return find_dcgan(loss, recipe)


def _snapshots(loss: str, recipe: str) -> list[np.ndarray]:
    """The 8x8 grids of the DCGAN of `loss` and `recipe` after every epoch (read once)."""
    entry = _entry(loss, recipe)

    def read() -> list[np.ndarray]:
        try:
            return read_snapshots(entry.samples_path)
        except OSError:
            raise gr.Error(f"{entry.samples_path.name} is missing. Train it with: {entry.train_command}") from None
    return lab().cached(("dcgan snapshots", entry.name), read)


def gan_grid(loss: str, epoch: float = -1, seed: float = -1, recipe: str = "shipped") -> np.ndarray:
    """An 8x8 grid (224x224 for digits) of samples from the DCGAN of `loss` and `recipe` ("shipped": ours,
    "course": the course's, or the name of a run on a folder of pictures): after `epoch` epochs (-1: the
    end) from the fixed training noise (seed -1), or fresh noise from the final generator."""
    epoch, seed = checks.whole_number(epoch, "epoch"), checks.bounded(seed, "seed", -1, checks.MAX_SEED)
    snapshots = _snapshots(loss, recipe)
    last = len(snapshots) - 1
    if not -1 <= epoch <= last:
        raise gr.Error(f"The {loss} DCGAN has grids for epochs 0 to {last} (or -1 for the end), not {epoch}.")
    if seed == -1:
        return snapshots[epoch]
    if epoch not in (-1, last):
        raise gr.Error("Fresh noise needs the generator, and only the final one ships: use epoch -1 or seed -1.")
    with checks.user_errors():
        generator = lab().zoo.dcgan(loss, recipe)
    return image_grid(fresh_samples(generator, 64, seed).numpy(), columns=8)


def gan_training_curves(loss: str, recipe: str = "shipped") -> go.Figure:
    """D and G losses, D(x) and D(G(z)), and G's gradient norm along the run of `loss` and `recipe`."""
    entry = _entry(loss, recipe)
    records = read_metrics(entry.metrics_path)
    if records is None:
        raise gr.Error(f"{entry.metrics_path.name} is missing. Train it with: {entry.train_command}")
    return gan_curves(records["records"], title=entry.display, steps_per_epoch=records["steps_per_epoch"])


def _quality_row(name: str, images) -> list:
    quality = sample_quality(images, lab().zoo.classifier, lab().real_features)
    return [name, round(quality["inception_score"], 2), round(quality["frechet_distance"], 2),
            f"{quality['unsure_share']:.1%}", *[f"{share:.0%}" for share in quality["digit_shares"]]]


def gan_quality(samples_per_loss: float = QUALITY_SAMPLES, recipe: str = "shipped"):
    """Classifier-IS, Fréchet distance, unsure share and digit shares of fresh samples (seed 0)
    from each DCGAN of `recipe`, under a row of as many real test digits (each row computed once)."""
    count = checks.bounded(samples_per_loss, "number of samples", 100, 5000)
    recipe = checks.one_of(recipe, dcgan_recipes(), "recipe")
    if recipe not in DCGAN_RECIPES:
        gr.Info(f"Sample quality is read by the digit classifier: it says nothing about the {recipe} pictures.")
        return []
    zoo = lab().zoo
    with checks.user_errors():
        rows = [lab().cached(("real quality", count), lambda: _quality_row("real test digits", lab().test_x[:count]))]
    for entry in shipped_dcgans(recipe):
        if entry.name in zoo.errors:
            gr.Warning(zoo.errors[entry.name])
            continue
        rows.append(lab().cached(("dcgan quality", entry.name, count), lambda: _quality_row(
            entry.display, fresh_samples(zoo.model(entry), count, seed=0).unsqueeze(1))))
    return rows


def gan_live(losses: list[str], steps: float, lr: float, d_steps: float, d_width: float = 1,
             weight_decay: float = 0.0):
    """Train small DCGANs from scratch on the 11,000 shipped training digits, one per chosen loss, in
    turns, with D `d_width` times as wide as G and Adam's L2 term `weight_decay`; stream their grids (from
    the same noise), curves and a line with the step, D(x) and D(G(z)) every 10 steps; stop after
    live.MAX_SECONDS."""
    losses = checks.chosen(losses, GENERATOR_LOSSES, "generator loss")
    if not losses:
        raise gr.Error("Choose at least one generator loss to train.")
    steps = checks.bounded(steps, "number of steps", 10, MAX_LIVE_STEPS)
    d_steps = checks.bounded(d_steps, "D steps per G step", 1, 5)
    d_width = checks.bounded(d_width, "D width (a multiple of G's)", 1, 4)
    lr = checks.between(lr, "learning rate", *LIVE_LR_RANGE)
    weight_decay = checks.between(weight_decay, "L2 weight", 0, 1)
    grids, records = dict.fromkeys(GENERATOR_LOSSES), {loss: [] for loss in losses}
    events = train_dcgans_live(losses, lab().training_digits, steps=steps, lr=lr, d_steps=d_steps,
                               d_width=LIVE_WIDTH * d_width, weight_decay=weight_decay)

    def show(event: dict, elapsed: float) -> list:
        for loss, run in event["runs"].items():
            grids[loss] = image_grid(run.pop("samples").numpy(), columns=8)
            records[loss].append(run)
        measured = "; ".join(f"{loss}: D(x) {run['d_real']:.2f}, D(G(z)) {run['d_fake']:.2f}"
                             for loss, run in event["runs"].items())
        status = f"Step {event['step']} of {steps}, {elapsed:.0f} s. {measured}."
        return [grids[loss] for loss in GENERATOR_LOSSES] + [live_gan_curves(records), status]

    yield from live.stream(events, show, seconds=live.MAX_SECONDS, planned=str(steps),
                           at_budget=f"Live training stops after {live.MAX_SECONDS // 60} minutes, at step {{step}}; "
                                     "train longer with train/train_dcgan.py.")


def live_preset(name: str) -> list:
    """The live DCGAN knobs of a preset: learning rate, D steps, D width, L2 weight."""
    preset = DCGAN_LIVE_PRESETS[checks.one_of(name, DCGAN_LIVE_PRESETS, "preset")]
    return [preset[key] for key in ("lr", "d_steps", "d_width", "weight_decay")]


def _last_epoch(loss: str, recipe: str) -> int:
    try:
        return len(_snapshots(loss, recipe)) - 1
    except gr.Error:
        return 0


def _epoch_slider(loss: str, recipe: str) -> gr.Slider:
    return gr.Slider(maximum=max(_last_epoch(loss, recipe), 0), value=-1)


def _for_trained_losses(handler):
    """`handler(loss, ..., recipe)` for the Recipe switch: a loss the recipe was not trained with (a run of your
    own with one loss) leaves its column empty instead of raising an error."""
    @functools.wraps(handler)
    def run(loss: str, *args):
        return handler(loss, *args) if loss in dcgan_recipes().get(args[-1], ()) else None
    return run


def _recipe_choices(*, every: bool = False) -> list[tuple[str, str]]:
    """The Recipe switch: ours, the course's (`every`: every recipe of the registry, as /gan_grid takes), then
    every DCGAN trained on a folder (shipped, and your own ones in `user_models_dir()`, read afresh)."""
    folders = sorted({entry.recipe for entry in folder_dcgans()})
    return ([(DCGAN_RECIPES[key], key) for key in (DCGAN_RECIPES if every else ("shipped", "course-exact", "course"))]
            + [(FACE_RECIPE_DISPLAY if name == FACE_RECIPE else f"your pictures: {name}", name) for name in folders])


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("GAN losses")
    gr.Markdown("The DCGAN of the course (docs/course.md, section 6) trained three times, changing only the "
                "generator's loss (D keeps its binary cross-entropy). Early on D rejects fakes confidently; the "
                "saturating loss log(1 - D) then has almost no gradient, the non-saturating -log D has a large one, "
                "and least squares sits between. Our recipe adds InfoGAN's 10-way code: a one-hot code joins "
                "G's noise and a head on D learns to read it back, so each code comes to draw one kind of digit (no "
                "labels are used). The gradient curve shows the gradient of the adversarial loss alone.")
    with gr.Row():
        recipe = gr.Radio(_recipe_choices(), value="shipped", label="Recipe", scale=5)
        refresh = gr.Button("Refresh: list new models", size="sm", scale=1)
    # /gan_grid's recipe: the switch's value, with every recipe of the registry among its choices (view_api)
    api_recipe = gr.Radio(_recipe_choices(every=True), value="shipped", visible=False, label="Recipe")
    recipe.change(lambda value: value, recipe, api_recipe, api_visibility="private", preprocess=False)
    refresh.click(lambda: (gr.Radio(choices=_recipe_choices()), gr.Radio(choices=_recipe_choices(every=True))),
                  None, [recipe, api_recipe], api_visibility="private")
    on_open, on_recipe = [], []
    with gr.Row():
        for loss in DCGAN_LOSSES:
            with gr.Column():
                gr.Markdown(f"### {loss}")
                epoch = gr.Slider(-1, _last_epoch(loss, "shipped"), value=-1, step=1, precision=0,
                                  label="Epoch (-1: end of training)")
                grid = image_output("64 samples from fixed noise")
                curves = gr.Plot()
                loss_box = gr.Radio(list(DCGAN_LOSSES), value=loss, visible=False, label="Generator loss")
                seed = gr.Number(-1, visible=False, precision=0)
                first = loss == DCGAN_LOSSES[0]  # the others are the same endpoint with another loss
                grid_inputs = [loss_box, epoch, seed, api_recipe]
                epoch.release(gan_grid, grid_inputs, grid, api_name="gan_grid" if first else None,
                              api_visibility="public" if first else "private", preprocess=False)
                on_open += [(gan_grid, grid_inputs, grid), (gan_training_curves, [loss_box, recipe], curves)]
                on_recipe += [(_epoch_slider, [loss_box, recipe], epoch)]
    gr.Markdown("### Sample quality\nFrom 1,000 fresh samples per loss, read by the reference classifier: "
                "Inception Score (10 is ideal), Fréchet distance on the classifier's features, the share of "
                "samples the classifier is unsure of (under 90% on any digit: these lower the score), and the "
                "share of each digit (a collapsed model favours a few). The first row is 1,000 real test "
                "digits by the same measure.")
    count = gr.Number(QUALITY_SAMPLES, visible=False)
    quality = gr.Dataframe(headers=["samples", "IS", "Fréchet", "unsure"] + [str(d) for d in range(10)],
                           interactive=False)
    on_open.append((gan_quality, [count, recipe], quality))
    for handler, inputs, outputs in on_open[:-1] + on_recipe + on_open[-1:]:
        inputs = [recipe if component is api_recipe else component for component in inputs]  # the new value
        handler = _for_trained_losses(handler) if handler in (gan_grid, gan_training_curves) else handler
        recipe.change(handler, inputs, outputs, api_visibility="private", preprocess=False)
    gr.Markdown("### A discriminator larger than the generator\nThe course kept D smaller than G because a larger D "
                "led to mode collapse (docs/course.md, finding 13). The course's recipe, non-saturating, for its "
                "first 300 generator steps: with its own D, and with D four times as wide.")
    with gr.Row():
        for recipe, label in (("course-short", "the course's D (32-64-128)"), ("course-large-d", "D 128-256-512")):
            with gr.Column():
                grid, curves = image_output(f"64 samples from fixed noise, {label}"), gr.Plot()
                boxes = [gr.Textbox(value, visible=False) for value in ("non-saturating", recipe)]
                fixed = [gr.Number(-1, visible=False), gr.Number(-1, visible=False)]
                on_open += [(gan_grid, [boxes[0], *fixed, boxes[1]], grid), (gan_training_curves, boxes, curves)]
    gr.Markdown("### Train live\nSmall DCGANs (G of width 16) from scratch on 11,000 training digits, on this "
                "machine's CPU, the chosen losses in turns from the same noise (at most "
                f"{live.MAX_SECONDS // 60} minutes). The presets: ours (D twice as wide as G, 1 D step, without "
                "our code and moving average), the course's (3 D steps), and the course's to the letter (with "
                "Adam's L2 term 0.5).")
    live_preset_radio = gr.Radio(list(DCGAN_LIVE_PRESETS), value=None, label="Preset")
    with gr.Row():
        live_losses = gr.CheckboxGroup(list(GENERATOR_LOSSES), value=list(GENERATOR_LOSSES), label="Losses")
        live_steps = gr.Slider(10, MAX_LIVE_STEPS, value=200, step=10, precision=0, label="Generator steps")
        live_lr = gr.Number(2e-3, minimum=LIVE_LR_RANGE[0], maximum=LIVE_LR_RANGE[1], label="Learning rate")
        live_d_steps = gr.Slider(1, 5, value=1, step=1, precision=0, label="D steps per G step")
        live_d_width = gr.Slider(1, 4, value=1, step=1, precision=0, label="D width (times G's)")
        live_weight_decay = gr.Number(0.0, minimum=0, maximum=1, label="Adam's L2 term")
    train_button, stop_button = live.controls()
    live_status = gr.Markdown(label="Status")
    with gr.Row():
        live_grids = [image_output(loss) for loss in GENERATOR_LOSSES]
    live_curves = gr.Plot(label="Curves", show_label=False)
    knobs = [live_lr, live_d_steps, live_d_width, live_weight_decay]
    live_preset_radio.change(live_preset, live_preset_radio, knobs, api_visibility="private", preprocess=False)
    event = train_button.click(gan_live, [live_losses, live_steps, live_lr, live_d_steps, live_d_width,
                                          live_weight_decay], live_grids + [live_curves, live_status],
                               api_name="gan_live", preprocess=False, **live.LIVE)
    stop_button.click(None, cancels=[event], api_visibility="private")
    return on_open
