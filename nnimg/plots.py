"""Image grids and plotly figures for the app (no gradio here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont


def as_uint8(images: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] (or uint8) -> uint8, same shape."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return np.rint(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)


def image_grid(images: np.ndarray, *, columns: int) -> np.ndarray:
    """(N, H, W) grey or (N, H, W, 3) colour images -> one (rows*H, columns*W[, 3]) uint8 image, row by
    row, no borders."""
    images = as_uint8(images)
    count, height, width = images.shape[:3]
    rows = -(-count // columns)
    grid = np.zeros((rows * height, columns * width, *images.shape[3:]), dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        grid[row * height:(row + 1) * height, column * width:(column + 1) * width] = image
    return grid


def image_rows(rows: list[tuple[str, np.ndarray, list[str] | None]], *, scale: int = 2,
               max_columns: int = 10) -> Image.Image:
    """Rows of (label, (N, 28, 28) images, optional caption per image): images enlarged `scale` times,
    each label on a line above its row, each caption under its image (over two lines where one is too
    wide); a row longer than `max_columns` goes on over the next lines. The text is as large as the
    columns allow, so that a phone showing the picture at half its size still shows it readably."""
    tile, gap = 28 * scale, 6 * scale
    pitch, text_width = tile + gap, tile + gap // 2  # captions keep half a gap apart
    label_font = ImageFont.load_default(size=9 * scale)
    rows = [(label, images, captions and [_wrapped(caption, label_font, text_width) for caption in captions])
            for label, images, captions in rows]
    lines = [line for _, _, captions in rows for caption in captions or [] for line in caption.split("\n")]
    caption_font = _fitting_font(lines, width=text_width, largest=label_font.size)
    caption_lines = max((caption.count("\n") + 1 for _, _, captions in rows for caption in captions or []),
                        default=0)
    caption_height = caption_lines * (caption_font.size + 2)
    placed, top = [], 0  # (top, label, images, captions) for each line of tiles
    for label, images, captions in rows:
        for start in range(0, len(images), max_columns):
            part = slice(start, start + max_columns)
            heading = label if start == 0 else ""
            top += label_font.size + 6 if heading else 0
            placed.append((top, heading, as_uint8(images[part]), captions[part] if captions else None))
            top += tile + caption_height + gap
    columns = min(max_columns, max(len(images) for _, images, _ in rows))
    width = max([columns * pitch] + [round(label_font.getlength(label)) + 4 for label, _, _ in rows])
    canvas = Image.new("L", (width, top), 255)
    draw = ImageDraw.Draw(canvas)
    for top, label, images, captions in placed:
        if label:
            draw.text((2, top - label_font.size - 4), label, fill=0, font=label_font)
        for column, image in enumerate(images):
            left = column * pitch + gap // 2
            canvas.paste(Image.fromarray(image).resize((tile, tile), Image.Resampling.NEAREST), (left, top))
            if captions:
                draw.multiline_text((left + tile / 2, top + tile + 1), captions[column], fill=0, font=caption_font,
                                    anchor="ma", align="center", spacing=2)
    return canvas


def _wrapped(caption: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The caption, broken after its first word (a label, before its value) if it is wider than `width`."""
    if "\n" in caption or font.getlength(caption) <= width:
        return caption
    return caption.replace(" ", "\n", 1)


def _fitting_font(lines: list[str], *, width: int, largest: int) -> ImageFont.FreeTypeFont:
    """The default font at the largest size, up to `largest`, at which every line fits in `width` px."""
    for size in range(largest, 7, -1):
        font = ImageFont.load_default(size=size)
        if all(font.getlength(line) <= width for line in lines):
            return font
    return font


def mse_curve(curves: dict[str, dict[int, float]], *, title: str) -> go.Figure:
    """Test MSE against latent size, one line per named curve, log-scaled axes."""
    figure = go.Figure()
    for name, points in curves.items():
        dims = sorted(points)
        dashed = name.lower().startswith("pca")
        figure.add_trace(go.Scatter(x=dims, y=[points[d] for d in dims], mode="lines+markers", name=name,
                                    line={"dash": "dash" if dashed else "solid"},
                                    hovertemplate="d = %{x}<br>MSE = %{y:.5f}<extra>" + name + "</extra>"))
    figure.update_layout(title=title, xaxis_title="latent size d", yaxis_title="test MSE per pixel",
                         template="plotly_white", height=380, margin={"l": 60, "r": 20, "t": 50, "b": 50},
                         legend={"orientation": "h", "y": -0.25})
    figure.update_xaxes(type="log", tickvals=[2, 3, 5, 10, 20, 32, 64, 100])
    figure.update_yaxes(type="log")
    return figure


DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _layout(figure: go.Figure, *, title: str, height: int = 380) -> go.Figure:
    figure.update_layout(title=title, template="plotly_white", height=height,
                         margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return figure


def scatter_codes(points: np.ndarray, labels: np.ndarray, *, x_title: str, y_title: str, title: str) -> go.Figure:
    """2-D points coloured by digit, one legend entry per digit (click to hide)."""
    figure = go.Figure()
    for digit in range(10):
        chosen = labels == digit
        figure.add_trace(go.Scattergl(x=points[chosen, 0], y=points[chosen, 1], mode="markers", name=str(digit),
                                      marker={"size": 4, "opacity": 0.6, "color": DIGIT_COLOURS[digit]}))
    figure.update_xaxes(title=x_title)
    figure.update_yaxes(title=y_title)
    return _layout(figure, title=title, height=480)


def correlation_heatmap(matrix: np.ndarray, *, title: str) -> go.Figure:
    """A Pearson correlation matrix, -1 (blue) to 1 (red)."""
    figure = go.Figure(go.Heatmap(z=matrix, zmin=-1, zmax=1, colorscale="RdBu_r",
                                  hovertemplate="z[%{y}] vs z[%{x}]: r = %{z:.2f}<extra></extra>"))
    figure.update_yaxes(autorange="reversed", scaleanchor="x")
    return _layout(figure, title=title, height=420)


def summary_curves(points: dict[str, dict[int, float]], *, title: str, y_title: str) -> go.Figure:
    """Named summaries against latent size d."""
    figure = go.Figure()
    for name, values in points.items():
        dims = sorted(values)
        figure.add_trace(go.Scatter(x=dims, y=[values[d] for d in dims], mode="lines+markers", name=name))
    figure.update_xaxes(title="latent size d", type="log", tickvals=[2, 3, 5, 10, 20, 32, 64, 100])
    figure.update_yaxes(title=y_title)
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return _layout(figure, title=title, height=400)


def coordinate_histograms(codes: dict[str, np.ndarray], *, coordinates: int, title: str) -> go.Figure:
    """Histograms (densities) of the first `coordinates` code coordinates per model, against
    the Uniform[0, 1] density."""
    from plotly.subplots import make_subplots

    columns = 5
    rows = -(-coordinates // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[f"z[{i}]" for i in range(coordinates)])
    colours = ["#636efa", "#ef553b", "#00cc96"]
    for i in range(coordinates):
        row, column = divmod(i, columns)
        for colour, (name, values) in zip(colours, codes.items()):
            figure.add_trace(go.Histogram(x=values[:, i], histnorm="probability density", name=name, opacity=0.55,
                                          marker_color=colour, nbinsx=40, showlegend=i == 0, legendgroup=name),
                             row=row + 1, col=column + 1)
        figure.add_trace(go.Scatter(x=[0, 0, 1, 1], y=[0, 1, 1, 0], mode="lines", name="Uniform[0, 1]",
                                    line={"color": "black", "dash": "dot"}, showlegend=i == 0,
                                    legendgroup="uniform"), row=row + 1, col=column + 1)
    figure.update_layout(barmode="overlay", legend={"orientation": "h", "y": -0.1})
    return _layout(figure, title=title, height=260 * rows + 80)


def confusion_matrix(counts: np.ndarray, *, title: str) -> go.Figure:
    """A 10x10 confusion matrix: rows the true digit, columns the predicted one."""
    figure = go.Figure(go.Heatmap(z=counts, x=list(range(10)), y=list(range(10)), colorscale="Blues",
                                  text=counts, texttemplate="%{text}", showscale=False,
                                  hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>"))
    figure.update_xaxes(title="predicted", dtick=1)
    figure.update_yaxes(title="true digit", dtick=1, autorange="reversed")
    return _layout(figure, title=title, height=420)


def gan_curves(records: list[dict], *, title: str, steps_per_epoch: int | None = None) -> go.Figure:
    """Three stacked panels over generator steps: D and G losses; D(x) and D(G(z)); the norm of
    G's gradient on a log scale."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                           subplot_titles=["losses", "D(x) and D(G(z))", "generator gradient norm"])
    steps = [record["step"] for record in records]
    panels = (("d_loss", "D loss", 1), ("g_loss", "G loss", 1), ("d_real", "D(x)", 2), ("d_fake", "D(G(z))", 2),
              ("g_grad_norm", "|∇G|", 3))
    for key, name, row in panels:
        figure.add_trace(go.Scatter(x=steps, y=[record[key] for record in records], name=name, mode="lines"),
                         row=row, col=1)
    figure.update_yaxes(type="log", row=3, col=1)
    figure.update_xaxes(title="generator step" + (f" ({steps_per_epoch} per epoch)" if steps_per_epoch else ""),
                        row=3, col=1)
    figure.update_layout(legend={"orientation": "h", "y": -0.12})
    return _layout(figure, title=title, height=640)


def live_gan_curves(records: dict[str, list[dict]]) -> go.Figure:
    """D(G(z)) and the norm of G's gradient per generator loss, side by side over steps."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=["D(x) (dotted) and D(G(z))",
                                                           "generator gradient norm (log)"])
    colours = ["#ef553b", "#00cc96", "#636efa"]
    for colour, (loss, history) in zip(colours, records.items()):
        steps = [record["step"] for record in history]
        for column, key, dash in ((1, "d_fake", "solid"), (1, "d_real", "dot"), (2, "g_grad_norm", "solid")):
            figure.add_trace(go.Scatter(x=steps, y=[record[key] for record in history], name=loss, mode="lines",
                                        line={"color": colour, "dash": dash}, legendgroup=loss,
                                        showlegend=key == "d_fake"), row=1, col=column)
    figure.update_yaxes(type="log", row=1, col=2)
    figure.update_xaxes(title="generator step")
    return _layout(figure, title="Live training", height=360)


def live_autoencoder_curves(records: list[dict], tests: list[dict], *, with_loss: bool) -> go.Figure:
    """An autoencoder's training MSE at every step (and its whole loss, `with_loss`), and its test MSE
    at the steps measured ({"step", "test_mse"}), on a log scale."""
    steps = [record["step"] for record in records]
    figure = go.Figure(go.Scatter(x=steps, y=[record["mse"] for record in records], name="train MSE (batch)",
                                  mode="lines", line={"width": 1}))
    if with_loss:
        figure.add_trace(go.Scatter(x=steps, y=[record["loss"] for record in records], mode="lines",
                                    name="train loss (MSE + moments)", line={"width": 1}))
    figure.add_trace(go.Scatter(x=[test["step"] for test in tests], y=[test["test_mse"] for test in tests],
                                name="test MSE (1,000 digits)", mode="lines+markers"))
    figure.update_xaxes(title="step")
    figure.update_yaxes(title="per pixel", type="log")
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return _layout(figure, title="Live training", height=360)


def critic_curves(records: list[dict], *, title: str) -> go.Figure:
    """Critic and generator losses and the Wasserstein estimate over generator steps."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=["losses", "E[c(real)] - E[c(fake)]"])
    steps = [record["step"] for record in records]
    for key, name, row in (("critic_loss", "critic loss", 1), ("g_loss", "G loss", 1), ("wasserstein", "estimate", 2)):
        figure.add_trace(go.Scatter(x=steps, y=[record[key] for record in records], name=name, mode="lines"),
                         row=row, col=1)
    figure.update_xaxes(title="generator step", row=2, col=1)
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    return _layout(figure, title=title, height=480)


def digit_share_bars(shares: dict[str, list[float]], *, title: str) -> go.Figure:
    """Grouped bars: the share of each digit among samples, one group per model (10% is even)."""
    figure = go.Figure([go.Bar(x=list(range(10)), y=values, name=name) for name, values in shares.items()])
    figure.add_hline(y=0.1, line_dash="dot", annotation_text="even: 10%")
    figure.update_xaxes(title="digit read by the classifier", dtick=1)
    figure.update_yaxes(title="share of samples", tickformat=".0%")
    figure.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    return _layout(figure, title=title, height=400)
