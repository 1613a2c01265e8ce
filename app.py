"""nnimg: an interactive lab for generative models of images: MNIST digits and your own pictures (the Gradio app).

    pip install -r requirements.txt && python app.py      # http://127.0.0.1:7860

Each tab is built by its own module in nnimg/ui; this file only composes them and launches.
"""

from __future__ import annotations

import logging
import os

# Gradio's usage statistics and version check are off unless the user turns them on (True): the app
# contacts no one. Gradio reads the variable when the app is built.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
if __name__ == "__main__":  # the served app keeps its cached files in a folder of its own run (ui/stale_cache.py)
    from nnimg.ui.stale_cache import run_folder

    os.environ.setdefault("GRADIO_TEMP_DIR", str(run_folder()))

import gradio as gr  # noqa: E402

from nnimg.ui import (atomic_cache, error_log, fair_queue, gan_losses, interpolation, latent_space,  # noqa: E402
                      reconstruction, restoration, sampling, stale_cache, transfer, upload_quota)
from nnimg.ui.lab import LabUnavailableError, lab  # noqa: E402
from nnimg.ui.widgets import CSS, run_on_first_open  # noqa: E402

QUEUE_SIZE = 64  # requests waiting at most (the heavy pool: 16 of them, ui/fair_queue.py); then "busy, try again"
CACHE_LIFETIME = (600, 3600)  # every 10 minutes, delete cached files older than an hour
# Sessions whose state the server keeps (Gradio keeps a copy of every component's settings per session, about
# 0.5 MiB here; its default, 10,000, is 5 GiB): the oldest beyond it are forgotten, and all this app keeps in a
# session is which tabs were opened.
SESSION_CAPACITY = 150
TABS = (("Reconstruction", reconstruction), ("Latent space", latent_space), ("Transfer with few labels", transfer),
        ("Interpolation", interpolation), ("Sampling", sampling), ("GAN losses", gan_losses),
        ("Restoration", restoration))


def build_demo() -> gr.Blocks:
    """The app: a header, then one tab per module; what a tab shows on opening runs when it is first
    selected (the first tab's, at page load), so a page load does no work for the tabs left unopened."""
    atomic_cache.install()
    error_log.install()
    fair_queue.install()
    with gr.Blocks(title="nnimg", delete_cache=CACHE_LIFETIME) as demo:
        gr.Markdown("# nnimg: generative models of images\n"
                    "An interactive lab for autoencoders and GANs on MNIST digits, on a CPU. Pick, upload or draw a "
                    "digit; DCGANs trained on a folder of your own pictures appear in GAN losses and Restoration.")
        try:
            lab()
        except LabUnavailableError as error:  # every tab needs the test split: the page says what to do
            gr.Markdown(f"**{error}**")
            return demo
        for index, (title, tab) in enumerate(TABS):
            with gr.Tab(title) as tab_block:
                on_open = tab.build()
            if index == 0:
                for handler, inputs, outputs in on_open:
                    demo.load(handler, inputs, outputs, api_visibility="private", preprocess=False)
            else:
                run_on_first_open(tab_block, on_open)
    return demo


demo = build_demo()

if __name__ == "__main__":
    logging.basicConfig(format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("nnimg").setLevel(logging.INFO)  # the app's own lines: one per user error, live training
    stale_cache.sweep_earlier_runs()
    upload_quota.install()
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE).launch(
        max_file_size="20mb", state_session_capacity=SESSION_CAPACITY, css=CSS)
