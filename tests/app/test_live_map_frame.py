"""explorer.live_map.frame: the live map's fixed frame, trails, gradient shares, data-space grid."""

import numpy as np
import pytest

from dec_core import DEC
from dec_core.callbacks import Callback
from dec_core.gradients import gradient_norms
from dec_core.runs import load_run
from explorer.jobs import JobManager
from explorer.live_map.frame import Frame, LiveMap, confidence_edges, frame_snapshots
from explorer.session.state import ensure_defaults


def test_frame_is_pca_of_the_points_it_was_fitted_on():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 6)) * [5, 2, 1, 0.5, 0.1, 0.1]
    f = Frame(z)
    xy = f.project(z)
    np.testing.assert_allclose(xy.mean(axis=0), 0, atol=1e-5)
    assert np.var(xy[:, 0]) > np.var(xy[:, 1]) > 0
    assert sum(f.explained) < 1 and f.explained[0] > 0.7
    # affine: one shift in z moves every point by the same vector on screen
    moved = f.project(z + 1.0) - xy
    np.testing.assert_allclose(moved, np.broadcast_to(moved[0], moved.shape), atol=1e-4)


def test_confidence_edges_start_at_the_floor():
    e = confidence_edges(10)
    assert e[0] <= 0.1 and e[-1] == 1.0 and len(e) == 6 and np.all(np.diff(e) > 0)
    assert confidence_edges(2)[0] <= 0.5


class MapRecorder(Callback):
    def __init__(self, live):
        super().__init__()
        self.live, self.infos, self.z = live, [], []

    def on_dec_update(self, update, logs=None):
        self.z.append(np.array(logs["embedding"]))
        self.infos.append(self.live.update(self.model, logs["embedding"], logs["q"], logs["p"],
                                           logs["centers"]))


def test_live_map_keeps_the_frame_of_the_kmeans_start():
    from sklearn.datasets import make_moons

    x, _ = make_moons(300, noise=0.05, random_state=0)
    x = x.astype(np.float32)
    index = np.arange(0, 300, 3)
    rec = MapRecorder(LiveMap(index, x))
    dec = DEC(2, dims=[2, 16, 16, 3], pretrain_epochs=3, batch_size=32, update_interval=4,
              max_iter=24, tol=0.0, n_init=2, random_state=0).fit(x, callbacks=[rec])
    infos = rec.infos
    assert len(infos) >= 3
    frame = Frame(rec.z[0][index])  # fitted once, at update 0
    for u, info in enumerate(infos):
        np.testing.assert_allclose(info["xy"], frame.project(rec.z[u][index]), atol=1e-5)
        assert info["centers_trail"].shape == (u + 1, 2, 2)
        assert (info["xy_prev"] is None) == (u == 0)
        assert info["grid"]["label"].shape == info["grid"]["conf"].shape == (60, 60)
        assert np.all(info["grid"]["conf"] >= 0.5 - 1e-6)
        share = info["grad_share"]
        assert share["gradient"].sum() == pytest.approx(1.0, abs=1e-5)
        assert "prototypes" not in info
    np.testing.assert_allclose(infos[-1]["centers_xy"],
                               frame.project(dec.cluster_centers_), atol=1e-5)
    assert not np.allclose(infos[0]["xy"], infos[-1]["xy"])  # DEC moved the points
    np.testing.assert_allclose(infos[1]["xy_prev"], infos[0]["xy"])
    np.testing.assert_allclose(infos[-1]["grad"],
                               gradient_norms(rec.z[-1], dec.cluster_centers_,
                                              _p_of(dec, x), dec.alpha)[index], rtol=1e-3,
                               atol=1e-6)


def _p_of(dec, x):
    from dec_core.target import target_distribution

    return target_distribution(dec.predict_proba(x))


def test_frame_snapshots_project_centroids_through_the_first_frame():
    rng = np.random.default_rng(1)
    snaps = rng.normal(size=(4, 50, 5)).astype(np.float32)
    cents = rng.normal(size=(4, 3, 5)).astype(np.float32)
    xy, cxy, frame = frame_snapshots(snaps, cents)
    assert xy.shape == (4, 50, 2) and cxy.shape == (4, 3, 2)
    np.testing.assert_allclose(cxy[2], Frame(snaps[0]).project(cents[2]), atol=1e-5)


def test_a_job_saves_centroids_and_sends_the_map(tmp_path):
    state = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=200)
    state["model"].update(hidden=[16, 4])
    state["train"].update(pretrain_epochs=2, max_iter=40, update_interval=10)
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path, in_process=True)
    job = jobs.submit("alice" * 4, {k: state[k] for k in ("data", "model", "train")})
    assert jobs.wait(job, 120) and job.state == "done", job.error
    run = load_run(job.run_path)
    cents = run.arrays["centroids"]
    assert cents.shape == (len(job.dec), 10, 4)
    np.testing.assert_array_equal(cents[-1], run.estimator.cluster_centers_)
    info = job.step_info
    assert info["centers_trail"].shape == (len(job.dec), 10, 2)
    assert info["prototypes"].shape == (10, 64)
    assert info["xy"].shape == (200, 2) and "grid" not in info


def _info(u: int, k: int = 3, m: int = 30) -> dict:
    rng = np.random.default_rng(u)
    q = rng.dirichlet(np.ones(k), size=m)
    trail = rng.normal(size=(u + 1, k, 2))
    return {"xy": rng.normal(size=(m, 2)), "q": q, "centers_trail": trail, "update": u,
            "xy_range": ((-3.0, 3.0), (-3.0, 3.0)), "grad": rng.random(m),
            "mapping": {0: 2, 1: 0, 2: 1}, "n_classes": 3}


def test_map_figure_draws_points_in_their_clusters_colours_and_a_trail_per_centroid():
    from explorer.live_map import figure as map_figure

    info = _info(4)
    colors = map_figure.colors_for(info, 3)
    fig = map_figure.embedding_map_figure(info, colors)
    points, trails = fig.data[0], [t for t in fig.data if t.mode == "lines+markers"]
    labels = info["q"].argmax(axis=1)
    assert list(points.marker.color) == [colors[j] for j in labels]  # one trace, per-point colour
    np.testing.assert_allclose(points.marker.opacity, map_figure._opacity(info["q"].max(axis=1), 3))
    assert [t.name for t in trails] == ["cluster 0 → 2", "cluster 1 → 0", "cluster 2 → 1"]
    assert all(len(t.x) == 5 for t in trails)  # updates 0..4
    assert "at update 4" in fig.layout.title.text


def test_paced_map_moves_on_at_most_every_interval(monkeypatch):
    from types import SimpleNamespace

    from explorer.live_map import panel as panel

    clock = [100.0]
    monkeypatch.setattr(panel, "st", SimpleNamespace(session_state={}))
    monkeypatch.setattr(panel.time, "monotonic", lambda: clock[0])
    a, b, c, d = (_info(u) for u in range(4))
    assert panel.paced("t", {}, job_id="j", live=True, every_s=2) == {}  # no map yet
    assert panel.paced("t", a, job_id="j", live=True, every_s=2) is a  # the first at once
    clock[0] += 1.0
    assert panel.paced("t", b, job_id="j", live=True, every_s=2) is a  # too soon
    clock[0] += 1.5
    assert panel.paced("t", c, job_id="j", live=True, every_s=2) is c
    assert panel.paced("t", d, job_id="j", live=False, every_s=2) is d  # the end at once
    assert panel.paced("t", a, job_id="other", live=True, every_s=2) is a  # a new job


def test_a_target_equal_to_q_draws_no_pull_and_says_so():
    """Power 1 without / f_j: P = Q, so the shares are not rounding noise passed off as pull."""
    from sklearn.datasets import make_blobs

    from explorer.text.teach import grad_caption

    x, _ = make_blobs(200, n_features=4, centers=3, random_state=0)
    x = x.astype(np.float32)
    rec = MapRecorder(LiveMap(np.arange(0, 200, 2), x))
    DEC(3, dims=[4, 16, 3], pretrain_epochs=2, batch_size=32, update_interval=4, max_iter=8,
        tol=0.0, n_init=2, random_state=0, target_power=1.0,
        normalize_frequency=False).fit(x, callbacks=[rec])
    for info in rec.infos:
        share = info["grad_share"]
        assert share["p_gap"] < 1e-6 and share["gradient"].sum() == 0
        assert not info["grad"].any()
        text = grad_caption(share)
        assert text.startswith("No pull: the target P equals Q") and "hardest" not in text
    rec = MapRecorder(LiveMap(np.arange(0, 200, 2), x))
    DEC(3, dims=[4, 16, 3], pretrain_epochs=2, batch_size=32, update_interval=4, max_iter=8,
        tol=0.0, n_init=2, random_state=0).fit(x, callbacks=[rec])
    assert rec.infos[0]["grad_share"]["p_gap"] > 1e-3
    assert "pulled hardest" in grad_caption(rec.infos[0]["grad_share"])


@pytest.mark.parametrize("method", ["dec", "idec"])
def test_prototypes_say_who_trains_the_decoder_and_how_much_they_changed(method):
    from sklearn.datasets import load_digits

    from explorer.text.teach import prototypes_caption

    x = (load_digits().data[:300] / 16.0).astype(np.float32)
    rec = MapRecorder(LiveMap(np.arange(0, 300, 3), x, images=True))
    DEC(5, dims=[64, 32, 8], pretrain_epochs=2, batch_size=64, update_interval=5, max_iter=20,
        tol=0.0, n_init=2, random_state=0, method=method).fit(x, callbacks=[rec])
    first, last = rec.infos[0], rec.infos[-1]
    assert first["prototypes_change"] == 0.0
    assert last["prototypes_change"] == pytest.approx(
        float(np.abs(last["prototypes"] - first["prototypes"]).mean()), rel=1e-6)
    assert last["decoder_trained"] is (method == "idec")
    text = prototypes_caption(last["decoder_trained"], last["prototypes_change"], len(rec.infos))
    assert f"changed by {last['prototypes_change']:.3f} on average" in text
    assert ("IDEC keeps training" in text) is (method == "idec")
    assert "never trains" not in text and "sharpen as the centroids move" not in text


def test_the_map_axes_are_fixed_at_update_0_with_room_to_spread():
    from types import SimpleNamespace

    from dec_core.gradients import soft_assign
    from explorer.live_map.frame import ROOM, fixed_range, widened

    rng = np.random.default_rng(0)
    z0 = rng.normal(size=(80, 4))
    centers = rng.normal(size=(3, 4))
    live = LiveMap(np.arange(80))
    est = SimpleNamespace(alpha=1.0)

    def update(z):
        q = soft_assign(z, centers, 1.0)
        return live.update(est, z, q, q ** 2 / (q ** 2).sum(1, keepdims=True), centers)

    first = update(z0)
    xy = Frame(z0).project(np.concatenate([z0, centers]))
    want = fixed_range(xy.min(axis=0), xy.max(axis=0))
    np.testing.assert_allclose(first["xy_range"], want, rtol=1e-5)
    assert want[0, 1] - want[0, 0] == pytest.approx(ROOM * np.ptp(xy[:, 0]), rel=1e-5)
    mean = z0.mean(axis=0)
    same = update(z0)  # nothing moved: the axes stay, to the last bit
    assert same["xy_range"] == first["xy_range"] and same["xy_range_since"] == 0
    box = np.array([[0.1, 0.7], [0.3, 0.9]])  # centre +- half would give 0.1 + 3e-17
    np.testing.assert_array_equal(widened(box, [0.2, 0.4], [0.6, 0.8]), box)
    for u, spread in enumerate([1.1, 1.2, 1.3], start=2):  # DEC spreads the clusters apart
        info = update(mean + spread * (z0 - mean))
        assert info["xy_range"] == first["xy_range"] and info["xy_range_since"] == 0, u
    grown = update(mean + 4.0 * (z0 - mean))  # beyond the room left: widened, and said when
    assert grown["xy_range_since"] == 5
    (x0, x1), (y0, y1) = grown["xy_range"]
    assert (x0 <= grown["xy"][:, 0].min() and grown["xy"][:, 0].max() <= x1
            and y0 <= grown["xy"][:, 1].min() and grown["xy"][:, 1].max() <= y1)
