"""The Latent space tab: where an autoencoder's codes live, how its coordinates correlate, and
the uniform-latent autoencoder beside the plain one."""

from __future__ import annotations

import gradio as gr
import plotly.graph_objects as go
import torch

from nnimg.latent import (decode_and_classify, min_max_rescaled, moments_table, project_2d,
                          real_and_box_samples, uniform_codes)
from nnimg.models.autoencoder import Autoencoder
from nnimg.plots import coordinate_histograms, correlation_heatmap, image_rows, scatter_codes, summary_curves
from nnimg.registry import (AE_STUDY_DEPTH, AE_UNIFORM_LATENT_DIMS, LATENT_VIEW_DEFAULT, autoencoder_name,
                            shipped)
from nnimg.ui import checks
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import OnLoad, captioned_image, captions
from nnimg.zoo import read_metrics

MAX_SAMPLES, SAMPLES_PER_ROW, UNIFORM_SAMPLES = 64, 8, 32
PROJECTIONS = ("two coordinates", "principal components")
CORRELATION_SUMMARIES = {"mean_abs_r_with_diagonal": "mean |r|, diagonal included",
                         "mean_abs_r_off_diagonal": "mean |r|, off the diagonal",
                         "max_abs_r_off_diagonal": "max |r| off the diagonal"}


def _model(model_name: str) -> Autoencoder:
    checks.one_of(model_name, [name for _, name in lab().autoencoder_choices()], "autoencoder")  # the listed ones
    with checks.user_errors():
        return lab().zoo.named_autoencoder(model_name)


def _codes(model_name: str) -> tuple[Autoencoder, torch.Tensor]:
    model = _model(model_name)
    return model, lab().test_codes(model_name, model)


def latent_scatter(model_name: str, projection: str, x_coordinate: float, y_coordinate: float) -> go.Figure:
    """The test codes of an AE on two coordinates or their first two principal components."""
    projection = checks.one_of(projection, PROJECTIONS, "projection")
    _, codes = _codes(model_name)
    latent_dim = codes.shape[1]
    coordinates = None
    if projection == "two coordinates" or latent_dim == 2:
        coordinates = (checks.bounded(x_coordinate, "x coordinate", 0, latent_dim - 1),
                       checks.bounded(y_coordinate, "y coordinate", 0, latent_dim - 1))
    points, x_title, y_title = project_2d(codes, coordinates=coordinates)
    return scatter_codes(points, lab().test_labels, x_title=x_title, y_title=y_title,
                         title=f"10,000 test codes, {shipped(model_name).display}")


def latent_box_samples(model_name: str, count: float, seed: float):
    """Decode real codes and codes drawn uniformly from the box the codes span, with the
    classifier's label and confidence under each."""
    model, codes = _codes(model_name)
    count, seed = checks.bounded(count, "number of samples", SAMPLES_PER_ROW, MAX_SAMPLES), checks.seed(seed)
    with checks.user_errors():
        samples = real_and_box_samples(model, lab().zoo.classifier, codes, count, seed=seed)
        digits = {kind: lab().is_digit(images) for kind, (images, _, _) in samples.items()}
    rows = []
    for kind, (images, labels, confidence) in samples.items():
        for start in range(0, count, SAMPLES_PER_ROW):
            part = slice(start, start + SAMPLES_PER_ROW)
            rows.append((kind if start == 0 else "", images[part],
                         captions(labels[part], confidence[part], digits[kind][part])))
    real, box = samples["real"][2], samples["box"][2]
    summary = (f"Mean classifier confidence: **{real.mean():.1%}** on decoded real codes, "
               f"**{box.mean():.1%}** on codes drawn uniformly from their box; confident (> 90%) on "
               f"{(real > 0.9).mean():.0%} and {(box > 0.9).mean():.0%} of them. The digit check calls "
               f"**{1 - digits['real'].mean():.0%}** of the decoded real codes and **{1 - digits['box'].mean():.0%}** "
               f"of the box samples 'no digit'{_false_alarm()}.")
    return image_rows(rows), summary


def _false_alarm() -> str:
    rate = lab().digit_check_false_alarm
    return "" if rate is None else f" (and {rate:.1%} of real test digits)"


def latent_correlation(model_name: str):
    """Pearson correlation of the chosen AE's coordinates, and the summaries against d."""
    matrix = lab().correlation_matrix(model_name, _model(model_name))
    heatmap = correlation_heatmap(matrix, title=f"Pearson r between coordinates, d = {len(matrix)}")
    return heatmap, _correlation_curve()


def _correlation_curve() -> go.Figure:
    """The three correlation summaries against d for the latent sweep's AEs."""
    curves = lab().correlation_by_dim
    return summary_curves({CORRELATION_SUMMARIES[key]: values for key, values in curves.items()},
                          title="Correlation of latent coordinates against d (8,000 test images)", y_title="|r|")


def uniform_report(latent_dim: float):
    """The uniform-latent AE beside the plain AE of the same d: histograms, moments, errors, samples."""
    latent_dim = checks.whole_number(latent_dim, "latent size")
    if latent_dim not in AE_UNIFORM_LATENT_DIMS:
        raise gr.Error(f"The uniform-latent AE ships at d = {', '.join(map(str, AE_UNIFORM_LATENT_DIMS))}.")
    names = {kind: autoencoder_name(latent_dim, AE_STUDY_DEPTH, uniform=kind == "uniform-latent")
             for kind in ("plain", "uniform-latent")}
    models_and_codes = {kind: _codes(name) for kind, name in names.items()}
    with checks.user_errors():
        classifier = lab().zoo.classifier
    codes = {kind: kind_codes for kind, (_, kind_codes) in models_and_codes.items()}
    histograms = coordinate_histograms(
        {"plain (min-max rescaled to [0, 1])": min_max_rescaled(codes["plain"]).numpy(),
         "uniform-latent": codes["uniform-latent"].numpy()},
        coordinates=min(latent_dim, 10), title=f"Test codes per coordinate, d = {latent_dim}, against Uniform[0, 1]")
    table, rows = [], []
    drawn = uniform_codes(UNIFORM_SAMPLES, latent_dim)
    half = UNIFORM_SAMPLES // 2
    for kind, (model, kind_codes) in models_and_codes.items():
        moments = moments_table(kind_codes)
        mse = (read_metrics(shipped(names[kind]).metrics_path) or {}).get("test_mse")
        images, labels, confidence = decode_and_classify(model, classifier, drawn)
        with checks.user_errors():
            digits = lab().is_digit(images)
        table.append([kind] + [round(moments[name], 4) for name in ("mean", "variance", "skewness", "kurtosis")]
                     + [None if mse is None else round(mse, 5), f"{confidence.mean():.1%}", f"{digits.mean():.0%}"])
        rows += [(kind, images[:half], captions(labels[:half], confidence[:half], digits[:half])),
                 ("", images[half:], captions(labels[half:], confidence[half:], digits[half:]))]
    table.append(["Uniform[0, 1]", 0.5, round(1 / 12, 4), 0.0, 1.8, None, None, None])
    return histograms, table, image_rows(rows, max_columns=8)


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("Latent space")
    gr.Markdown("Where do an autoencoder's codes live? Pick a model; everything below uses the 10,000 test digits.")
    model_name = gr.Dropdown(lab().autoencoder_choices(), value=LATENT_VIEW_DEFAULT,
                             label="Autoencoder")
    with gr.Row():
        projection = gr.Radio(list(PROJECTIONS), value="two coordinates",
                              label="Projection (d > 2)")
        x_coordinate = gr.Number(value=0, precision=0, minimum=0, label="x coordinate")
        y_coordinate = gr.Number(value=1, precision=0, minimum=0, label="y coordinate")
    scatter = gr.Plot(label="Test codes", show_label=False)
    gr.Markdown("### The codes sit on a thin subset\nDecoded real codes beside codes drawn uniformly from the box "
                "the codes span, with the reference classifier's label and confidence under each.")
    with gr.Row():
        count = gr.Slider(8, MAX_SAMPLES, value=16, step=8, precision=0, label="Samples")
        seed = gr.Number(value=0, precision=0, label="Seed")
        box_button = gr.Button("Draw again")
    box_summary = gr.Markdown(label="Summary")
    box_grid = captioned_image("Decoded real codes (top) and uniform box samples (bottom)")
    gr.Markdown("### Correlation of the coordinates\nPearson r on 8,000 random test images (fixed seed). "
                "The write-ups disagree because they summarise differently: the mean of |r| over the whole "
                "matrix includes the d ones on its diagonal, worth 1/d alone, so it falls as d grows, while "
                "the largest |r| off the diagonal rises: larger codes are more redundant.")
    with gr.Row():
        heatmap = gr.Plot(label="Correlation matrix", show_label=False)
        correlation_curve = gr.Plot(label="Summaries against d", show_label=False)
    gr.Markdown("### The uniform-latent autoencoder\nTrained with an extra loss that matches each coordinate's "
                "mean, variance, skewness and kurtosis over a batch to Uniform[0, 1]'s (0.5, 1/12, 0, 1.8).")
    uniform_dim = gr.Radio(list(AE_UNIFORM_LATENT_DIMS), value=AE_UNIFORM_LATENT_DIMS[0], label="d")
    histograms = gr.Plot(label="Coordinate histograms", show_label=False)
    moments = gr.Dataframe(headers=["model", "mean", "variance", "skewness", "kurtosis", "test MSE",
                                    "confidence on uniform codes", "digits among them"],
                           label="Moments of the test codes (averaged over coordinates), reconstruction error, the "
                           "classifier's mean confidence on decoded Uniform[0, 1]^d codes, and the share of those "
                           "the digit check takes for digits", interactive=False)
    uniform_samples = captioned_image("Decoded Uniform[0, 1]^d codes: plain AE (top), uniform-latent AE (bottom)")

    scatter_inputs = [model_name, projection, x_coordinate, y_coordinate]
    gr.on([model_name.change, projection.change, x_coordinate.submit, y_coordinate.submit], latent_scatter,
          scatter_inputs, scatter, api_name="latent_scatter", preprocess=False)
    box_inputs, box_outputs = [model_name, count, seed], [box_grid, box_summary]
    gr.on([model_name.change, box_button.click, count.release], latent_box_samples, box_inputs, box_outputs,
          api_name="latent_box_samples", preprocess=False)
    model_name.change(latent_correlation, model_name, [heatmap, correlation_curve], api_name="latent_correlation",
                      preprocess=False)
    uniform_outputs = [histograms, moments, uniform_samples]
    uniform_dim.change(uniform_report, uniform_dim, uniform_outputs, api_name="uniform_report", preprocess=False)
    return [(latent_scatter, scatter_inputs, scatter), (latent_box_samples, box_inputs, box_outputs),
            (latent_correlation, [model_name], [heatmap, correlation_curve]),
            (uniform_report, [uniform_dim], uniform_outputs)]
