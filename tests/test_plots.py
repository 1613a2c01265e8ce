import numpy as np

from nnimg.plots import image_rows


def test_image_rows_put_labels_above_and_wrap_long_rows():
    black = np.zeros((12, 28, 28))
    picture = np.asarray(image_rows([("real", black, None)], max_columns=10))
    tile_rows = np.flatnonzero((picture[:, 6:62] == 0).all(axis=1))  # the first tile starts at the left edge
    assert picture.shape[1] == 10 * 68 and len(tile_rows) == 2 * 56 and tile_rows[0] > 10  # the label's line first


def test_captions_stay_readable_at_half_size():
    """A phone shows a 10-column row at about half its size: captions' digits are at least 12 px tall,
    so 6 CSS px there."""
    picture = np.asarray(image_rows([("", np.ones((10, 28, 28)), ["3: 100%"] * 9 + ["no digit"])]))
    caption = picture[56:, :68]  # under the first tile
    inked = np.flatnonzero((caption < 128).any(axis=1))
    assert inked.max() - inked.min() + 1 >= 12
