"""One colour rule: clusters take their matched class's colour; the others stay distinct."""

import itertools

import numpy as np

from explorer.charts.theme import PALETTE, class_color, cluster_colors, color


def lab(hex_color: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB hex colour."""
    rgb = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    rgb = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest(colors) -> float:
    """The smallest CIE76 Delta-E between two of ``colors``."""
    return min(float(np.linalg.norm(lab(a) - lab(b)))
               for a, b in itertools.combinations(colors, 2))


def test_lab_is_right_on_known_colours():
    np.testing.assert_allclose(lab("#ffffff"), [100, 0, 0], atol=0.1)
    np.testing.assert_allclose(lab("#ff0000"), [53.2, 80.1, 67.2], atol=0.3)


def test_k15_on_ten_classes_has_no_near_duplicates():
    """At k = 15, "cluster 11 (no class)" and "cluster 13 → 5" get distinct colours
    (not both brown)."""
    mapping = {13: 5, 0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 7, 7: 8, 8: 9}
    colours = cluster_colors(range(15), mapping, n_classes=10)
    assert colours[13] == class_color(5)
    assert len(set(colours.values())) == 15
    # apart by more than tab10's own closest pair (purple / pink, about 28)
    assert closest(colours.values()) >= 27
    unmatched = [colours[c] for c in range(15) if c not in mapping]
    assert all(min(np.linalg.norm(lab(u) - lab(class_color(k))) for k in range(10)) >= 34
               for u in unmatched)


def test_the_whole_palette_is_distinct_and_readable_on_white():
    assert len(set(PALETTE)) == 20
    assert closest(PALETTE) >= 27
    assert all(25 <= lab(c)[0] <= 80 for c in PALETTE)  # neither black nor washed out


def test_without_labels_cluster_j_is_colour_j():
    assert cluster_colors([0, 3, 14]) == {0: color(0), 3: color(3), 14: color(14)}
