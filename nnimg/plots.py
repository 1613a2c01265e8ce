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
    """(N, H, W) images -> one (rows*H, columns*W) uint8 image, row by row, no borders."""
    images = as_uint8(images)
    count, height, width = images.shape
    rows = -(-count // columns)
    grid = np.zeros((rows * height, columns * width), dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        grid[row * height:(row + 1) * height, column * width:(column + 1) * width] = image
    return grid


def labelled_rows(rows: list[tuple[str, np.ndarray]], *, scale: int = 3, gap: int = 2) -> Image.Image:
    """Rows of (label, (N, 28, 28) images), enlarged `scale` times with a label on the left."""
    tile = 28 * scale
    columns = max(len(images) for _, images in rows)
    label_width = 70
    canvas = Image.new("L", (label_width + columns * (tile + gap), len(rows) * (tile + gap)), 255)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=16)
    for row, (label, images) in enumerate(rows):
        top = row * (tile + gap)
        draw.text((6, top + tile // 2 - 9), label, fill=0, font=font)
        for column, image in enumerate(as_uint8(images)):
            enlarged = Image.fromarray(image).resize((tile, tile), Image.Resampling.NEAREST)
            canvas.paste(enlarged, (label_width + column * (tile + gap), top))
    return canvas


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
