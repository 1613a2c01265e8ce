"""Live latent GANs, in the Sampling tab: any latent-GAN recipe trained from scratch on the codes of the
shipped training digits, two side by side, so that a class sees one collapse and the other not."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from nnimg.gan_training import LATENT_OBJECTIVES
from nnimg.latent import encode
from nnimg.live_training import SHARE_SAMPLES, train_latent_gan_live
from nnimg.plots import critic_curves, digit_share_bars, image_grid
from nnimg.registry import LATENT_GAN_DISPLAY, LATENT_GAN_MODELS, LATENT_GAN_PRESETS
from nnimg.ui import checks, live
from nnimg.ui.lab import lab
from nnimg.ui.widgets import image_output

LATENT_AUTOENCODER = "ae_d10_l2"  # the latent GANs' autoencoder (train/train_latent_gan.py's default)
SIDE_BY_SIDE = ("gan-course", "wgan")  # the course's plain GAN collapses, the WGAN beside it does not


def _training_codes() -> tuple[torch.Tensor, torch.Tensor, torch.nn.Module]:
    """The autoencoder's codes of the 11,000 shipped training digits with their labels (encoded once),
    and the autoencoder."""
    with checks.user_errors():
        autoencoder = lab().zoo.named_autoencoder(LATENT_AUTOENCODER)
    labels = torch.from_numpy(np.concatenate([lab().labelled_pool[1], lab().unlabelled_pool[1]])).long()
    codes = lab().cached(("training codes", LATENT_AUTOENCODER), lambda: encode(autoencoder, lab().training_digits))
    return codes, labels, autoencoder


RECIPES = "the recipe's"  # a knob left at the recipe's value
OPTIMIZERS = ("adam", "adam-gp", "rmsprop")  # Adam with betas (0.5, 0.999) or (0.5, 0.9), RMSprop


def recipe_with(model: str, objective: str = RECIPES, codes: str = RECIPES, critic_batchnorm: str = RECIPES,
                lr: float = 0, critic_steps: float = 0, clip: float = 0, optimizer: str = RECIPES) -> dict:
    """The latent-GAN recipe `model` with the knobs that are set (not RECIPES, not 0) changed."""
    recipe = dict(LATENT_GAN_PRESETS[checks.one_of(model, LATENT_GAN_MODELS, "model")])
    if checks.one_of(objective, (RECIPES, *LATENT_OBJECTIVES), "objective") != RECIPES:
        recipe["objective"] = objective
    if checks.one_of(codes, (RECIPES, "raw", "standardised"), "codes") != RECIPES:
        recipe["raw_codes"] = codes == "raw"
    if checks.one_of(critic_batchnorm, (RECIPES, "on", "off"), "critic BatchNorm") != RECIPES:
        recipe["critic_batchnorm"] = critic_batchnorm == "on"
    if checks.between(lr, "learning rate (0: the recipe's)", 0, 0.01):
        recipe["lr"] = float(lr)
    if checks.bounded(critic_steps, "critic steps (0: the recipe's)", 0, 10):
        recipe["critic_steps"] = int(critic_steps)
    if checks.between(clip, "clip value (0: the recipe's)", 0, 1):
        recipe["clip"] = float(clip)
    if checks.one_of(optimizer, (RECIPES, *OPTIMIZERS), "optimizer") != RECIPES:
        recipe["optimizer"] = optimizer
    return recipe


def latent_gan_live(model: str, seconds: float, seed: float, objective: str = RECIPES, codes: str = RECIPES,
                    critic_batchnorm: str = RECIPES, lr: float = 0, critic_steps: float = 0, clip: float = 0,
                    optimizer: str = RECIPES):
    """Train the latent GAN of the recipe `model` (with the knobs set changed) from scratch for `seconds`;
    stream its curves, the digits the classifier reads among 1,000 samples, 64 decoded samples of fixed
    noise (an 8x8 grid) and a summary."""
    recipe = recipe_with(model, objective, codes, critic_batchnorm, lr, critic_steps, clip, optimizer)
    seconds, seed = live.budget(seconds), checks.seed(seed)
    codes, labels, autoencoder = _training_codes()
    with checks.user_errors():
        classifier, digit_check = lab().zoo.classifier, lab().zoo.digit_check
    events = train_latent_gan_live(recipe, codes, labels, autoencoder,
                                   autoencoder_name=LATENT_AUTOENCODER, classifier=classifier,
                                   digit_check=digit_check, seed=seed)
    records = []
    display = LATENT_GAN_DISPLAY[model] + (" (changed)" if recipe != LATENT_GAN_PRESETS[model] else "")

    def show(event: dict, elapsed: float) -> list:
        records.append({key: event[key] for key in ("step", "critic_loss", "g_loss", "wasserstein")})
        no_digit = event["no_digit_share"]
        summary = {"model": model, "steps": event["step"], "seconds": round(elapsed, 1), "samples": SHARE_SAMPLES,
                   "digit_shares": [round(share, 4) for share in event["digit_shares"]],
                   "no_digit_share": round(no_digit, 4), "shares_step": event["shares_step"],
                   "recipe": recipe}
        status = (f"**{display}**: step {event['step']}, {elapsed:.0f} of {seconds} s; of {SHARE_SAMPLES:,} "
                  f"samples at step {event['shares_step']} the digit check calls {no_digit:.0%} no digit.")
        shares = digit_share_bars({display: event["digit_shares"]},
                                  title=f"Digits read ({no_digit:.0%} no digit)")
        grid = image_grid(event["samples"].numpy(), columns=8)
        return [status, critic_curves(records, title=display), shares, grid, summary]

    yield from live.stream(events, show, seconds=seconds, planned=f"a {seconds} s budget")


def build() -> None:
    """Two live latent GANs side by side (inside the Sampling tab), started and stopped together."""
    gr.Markdown("Train two GANs on the codes of 11,000 training digits from scratch, on this machine's CPU, side by "
                f"side (at most {live.MAX_SECONDS // 60} minutes): by default the course's plain GAN, whose samples "
                "collapse to a few digits, beside the WGAN. The bars count what the reference classifier reads "
                f"among {SHARE_SAMPLES:,} samples; samples the digit check rejects count as no digit.")
    with gr.Row():
        seconds = gr.Slider(5, live.MAX_SECONDS, value=live.DEFAULT_SECONDS, step=5, precision=0, label="Seconds")
        seed = gr.Number(0, precision=0, minimum=0, label="Seed")
        train_button = gr.Button("Train both", variant="primary")
        stop_button = gr.Button("Stop")
    choices = [(f"{LATENT_GAN_DISPLAY[name]} ({name})", name) for name in LATENT_GAN_MODELS]
    # The browser runs only the first of two events on one click, so the button counts its clicks and the
    # runs start from that: the first after the count, the second on its change.
    clicks = gr.Number(0, visible=False)
    counted = train_button.click(lambda count: count + 1, clicks, clicks, queue=False, api_visibility="private")
    triggers = (counted.then, clicks.change)
    events = []
    with gr.Row():
        for index, default in enumerate(SIDE_BY_SIDE):
            with gr.Column():
                model = gr.Dropdown(choices, value=default, label="Recipe")
                with gr.Accordion("Change the recipe", open=False):
                    knobs = [gr.Dropdown([RECIPES, *LATENT_OBJECTIVES], value=RECIPES, label="Objective"),
                             gr.Radio([RECIPES, "raw", "standardised"], value=RECIPES, label="Codes"),
                             gr.Radio([RECIPES, "on", "off"], value=RECIPES, label="BatchNorm in the critic"),
                             gr.Number(0, minimum=0, maximum=0.01, label="Learning rate (0: the recipe's)"),
                             gr.Slider(0, 10, value=0, step=1, precision=0,
                                       label="Critic steps per G step (0: the recipe's)"),
                             gr.Number(0, minimum=0, maximum=1, label="Clip value, WGAN (0: the recipe's)"),
                             gr.Dropdown([RECIPES, *OPTIMIZERS], value=RECIPES, label="Optimizer")]
                outputs = [gr.Markdown(label="Status"), gr.Plot(label="Curves", show_label=False),
                           gr.Plot(label="Digit shares", show_label=False),
                           image_output("64 samples of fixed noise, decoded"),
                           gr.JSON(label="Measured")]
                first = index == 0  # the other column is the same endpoint with another model
                events.append(triggers[index](
                    latent_gan_live, [model, seconds, seed, *knobs], outputs,
                    api_name="latent_gan_live" if first else None, api_visibility="public" if first else "private",
                    preprocess=False, **live.LIVE))
    stop_button.click(None, cancels=events, api_visibility="private")
