import numpy as np
import pytest
from PIL import Image

from nnimg.data import load_test_split
from nnimg.preprocess import InvalidImageError, read_image_file, to_mnist_digit


def _centre_of_mass(image):
    ys, xs = np.indices(image.shape)
    return (ys * image).sum() / image.sum(), (xs * image).sum() / image.sum()


def _stroke_box(image):
    rows, cols = np.nonzero(image > 40)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def _big_digit(size=200, *, dark_on_light=False, offset=(0, 0)):
    """A thick '7' drawn with numpy, light on dark (or the reverse), off-centre by `offset`."""
    canvas = np.zeros((size, size), dtype=np.uint8)
    top, left = 20 + offset[0], 40 + offset[1]
    canvas[top:top + 14, left:left + 90] = 255
    for row in range(top, top + 130):
        column = left + 90 - (row - top) // 2
        canvas[row, column - 7:column + 7] = 255
    return 255 - canvas if dark_on_light else canvas


def test_a_28x28_grey_digit_is_taken_as_it_is():
    digit = load_test_split()[0][0]
    assert to_mnist_digit(digit) is digit


def test_large_off_centre_digit_is_scaled_and_centred():
    digit = to_mnist_digit(_big_digit(offset=(50, -30)))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert max(_stroke_box(digit)) in (19, 20, 21)
    centre_y, centre_x = _centre_of_mass(digit.astype(float))
    assert abs(centre_y - 13.5) <= 1 and abs(centre_x - 13.5) <= 1


def test_dark_on_light_is_inverted():
    light_on_dark = to_mnist_digit(_big_digit())
    dark_on_light = to_mnist_digit(_big_digit(dark_on_light=True))
    assert dark_on_light[0, 0] == 0 and np.abs(light_on_dark.astype(int) - dark_on_light).max() <= 1


def test_rgba_sketch_with_transparent_background():
    strokes = _big_digit()
    rgba = np.zeros((*strokes.shape, 4), dtype=np.uint8)  # black ink, transparent elsewhere
    rgba[..., 3] = strokes
    assert np.abs(to_mnist_digit(rgba).astype(int) - to_mnist_digit(strokes)).max() <= 1


def test_rgb_upload_matches_grey():
    grey = _big_digit(dark_on_light=True)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    assert np.array_equal(to_mnist_digit(rgb), to_mnist_digit(grey))


@pytest.mark.parametrize("image, message", [
    (None, "No image"),
    (np.full((100, 100), 255, dtype=np.uint8), "empty"),
    (np.zeros((6000, 5000), dtype=np.uint8), "too large"),
    (np.zeros(5, dtype=np.uint8), "not an image"),
])
def test_bad_input_gets_a_plain_message(image, message):
    with pytest.raises(InvalidImageError, match=message):
        to_mnist_digit(image)


def test_reading_files(tmp_path):
    png = tmp_path / "digit.png"
    Image.fromarray(_big_digit()).save(png)
    assert read_image_file(str(png)).shape == (200, 200)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(InvalidImageError, match="not an image"):
        read_image_file(str(text))
