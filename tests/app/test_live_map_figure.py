"""explorer.live_map.figure: the chosen point (the rule, a click), its pull arrow, the legend-free map."""

from types import SimpleNamespace

import numpy as np
import pytest

from dec_core.gradients import embedding_gradient, soft_assign
from dec_core.target import target_distribution
from explorer.live_map import figure as map_figure
from explorer.live_map.frame import PULL_SHARE, Frame, LiveMap
from explorer.text import teach


def _live_updates(n_updates: int = 3, m: int = 60, e: int = 5, k: int = 3, seed: int = 0):
    """A LiveMap fed ``n_updates`` updates of random codes; returns its infos and inputs."""
    rng = np.random.default_rng(seed)
    live = LiveMap(np.arange(0, m, 2))
    est = SimpleNamespace(alpha=1.0)
    infos, inputs = [], []
    z = rng.normal(size=(m, e))
    centers = rng.normal(size=(k, e))
    for _ in range(n_updates):
        q = soft_assign(z, centers, 1.0)
        p = target_distribution(q)
        infos.append(live.update(est, z, q, p, centers))
        inputs.append((z.copy(), q, p, centers.copy()))
        z = z + 0.1 * rng.normal(size=z.shape)
        centers = centers + 0.1 * rng.normal(size=centers.shape)
    return live, infos, inputs


def test_the_arrow_is_minus_the_gradient_of_eq_4_through_the_frame():
    live, infos, inputs = _live_updates()
    index = live.index
    frame = Frame(inputs[0][0][index])  # the frame of update 0
    for info, (z, q, p, centers) in zip(infos, inputs):
        grad = embedding_gradient(z, centers, p, 1.0, q)[index]  # (m, e), dec_core's eq. 4
        # the frame is affine: the pull moves a point on screen by project(z - g) - project(z)
        want = frame.project(z[index] - grad) - frame.project(z[index])
        np.testing.assert_allclose(info["pull_xy"], want, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(info["grad"], np.linalg.norm(grad, axis=1), rtol=1e-5)
        for row in (0, 7):
            arrow = map_figure.pull_arrow(info, row)
            np.testing.assert_allclose(arrow["start"], info["xy"][row], rtol=1e-6)
            np.testing.assert_allclose(arrow["end"] - arrow["start"],
                                       arrow["scale"] * want[row], rtol=1e-4, atol=1e-9)
            assert arrow["norm"] == pytest.approx(np.linalg.norm(grad[row]), rel=1e-5)
            assert arrow["in_plane"] == pytest.approx(np.linalg.norm(want[row]), rel=1e-4)


def test_one_arrow_scale_for_the_run_set_at_its_first_update():
    _, infos, _ = _live_updates(4)
    first = infos[0]
    width = first["xy_range"][0][1] - first["xy_range"][0][0]
    strongest = np.linalg.norm(first["pull_xy"], axis=1).max()
    assert first["pull_scale"] == pytest.approx(PULL_SHARE * width / strongest)
    assert {i["pull_scale"] for i in infos} == {first["pull_scale"]}
    assert {i["pull_scale_since"] for i in infos} == {0}
    caption = teach.pull_caption(map_figure.pull_arrow(infos[2], 3), 3)
    assert f"drawn {first['pull_scale']:.3g}× its length" in caption
    assert f"at update 0 the strongest pull spanned {PULL_SHARE:.0%}" in caption


def test_no_arrow_without_a_pull():
    _, infos, _ = _live_updates(1)
    info = dict(infos[0], pull_xy=np.zeros_like(infos[0]["pull_xy"]))
    assert map_figure.pull_arrow(info, 0) is None
    assert "no pull" in teach.pull_caption(None, 0)
    older = {k: v for k, v in infos[0].items() if k != "pull_xy"}  # a run from before arrows
    assert map_figure.pull_arrow(older, 0) is None


def test_the_chosen_point_opens_where_p_differs_most_from_q():
    q = np.array([[0.34, 0.33, 0.33],   # the least confident: p is q, flat bars
                  [0.6, 0.3, 0.1],
                  [0.9, 0.05, 0.05]])
    p = np.array([[0.34, 0.33, 0.33],
                  [0.85, 0.12, 0.03],   # sum |p - q| = 0.5: the largest
                  [0.97, 0.015, 0.015]])
    assert map_figure.default_point(q, p) == 1
    assert int(q.max(axis=1).argmin()) == 0  # the old rule opened on the flat row
    qq = soft_assign(np.random.default_rng(1).normal(size=(50, 4)),
                     np.random.default_rng(2).normal(size=(5, 4)))
    pp = target_distribution(qq)
    i = map_figure.default_point(qq, pp)
    assert np.abs(pp[i] - qq[i]).sum() == pytest.approx(np.abs(pp - qq).sum(axis=1).max())


def test_a_click_chooses_the_tracked_row_of_a_point_and_nothing_else():
    as_list = {"points": [{"curve_number": 0, "customdata": [12.0, 0.4, 0.02]}]}
    as_typed = {"points": [{"curve_number": 1, "customdata": {"0": 48, "1": 0.18, "2": 0.03}}]}
    centroid = {"points": [{"curve_number": 12, "customdata": 3}]}
    trail = {"points": [{"curve_number": 4, "x": 1.0, "y": 2.0}]}
    assert map_figure.clicked_row(as_list) == 12
    assert map_figure.clicked_row(as_typed) == 48
    assert map_figure.clicked_row(centroid) is None and map_figure.clicked_row(trail) is None
    assert map_figure.clicked_row({"points": []}) is None and map_figure.clicked_row(None) is None


def test_the_map_names_centroids_on_the_map_and_draws_the_chosen_points_arrow():
    live, infos, inputs = _live_updates(2)
    q = inputs[1][1][live.index]  # the worker adds the tracked rows' q beside the map's keys
    info = dict(infos[1], q=q, mapping={0: 2, 1: 0, 2: 1}, n_classes=3)
    fig = map_figure.embedding_map_figure(info, highlight=5, pull=True)
    assert not fig.layout.showlegend and not any(t.showlegend for t in fig.data)
    crosses = next(t for t in fig.data if t.name == "centroids μ_j")
    assert list(crosses.text) == ["0→2", "1→0", "2→1"]
    (arrow,) = [a for a in fig.layout.annotations if a.name == "pull"]
    want = map_figure.pull_arrow(info, 5)
    assert (arrow.ax, arrow.ay) == pytest.approx(tuple(want["start"]))
    assert (arrow.x, arrow.y) == pytest.approx(tuple(want["end"]))
    # the points' customdata is what a click sends back: row, max q, |dL/dz|
    points = next(t for t in fig.data if t.name == "points z_i")
    assert map_figure.clicked_row({"points": [{"customdata": list(points.customdata[5])}]}) == 5
    plain = map_figure.embedding_map_figure(info, highlight=5)
    assert not [a for a in plain.layout.annotations if a.name == "pull"]
    assert fig.layout.xaxis.range == plain.layout.xaxis.range  # the fixed frame's axes
