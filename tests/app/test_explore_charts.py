"""Figure builders and projection helpers of the Explore and Compare pages (no streamlit)."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dec_core.baselines import NAMES
from dec_core.metrics import matched_confusion_matrix
from explorer.analysis import projection
from explorer.charts import explore as explore_charts
from explorer.charts.theme import class_color, color, log_axis
from explorer.live_map.frame import frame_snapshots


@pytest.fixture
def toy():
    rng = np.random.default_rng(0)
    n = 120
    y = np.repeat(np.arange(3), n // 3)
    labels = (y + 1) % 3  # a permuted perfect clustering
    labels[:5] = 0
    emb = rng.normal(size=(n, 5)).astype(np.float32) + 4 * labels[:, None]
    return emb, y, labels


def test_sample_indices_deterministic_sorted_and_all_when_small():
    a = projection.sample_indices(10_000, 500, seed=3)
    b = projection.sample_indices(10_000, 500, seed=3)
    assert np.array_equal(a, b) and a.size == 500 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, projection.sample_indices(10_000, 500, seed=4))
    assert np.array_equal(projection.sample_indices(50, 500), np.arange(50))
    assert a.dtype == np.int64


def test_project_pca_shapes(toy):
    emb, _, _ = toy
    for dims in (2, 3):
        out = projection.project(emb, "pca", dims)
        assert out.shape == (emb.shape[0], dims) and out.dtype == np.float32
    # an embedding narrower than the output is zero-padded
    assert projection.project(emb[:, :2], "pca", 3).shape == (emb.shape[0], 3)
    with pytest.raises(ValueError, match="method"):
        projection.project(emb, "tsne")


def test_snapshot_frame_shape_and_one_frame(toy):
    emb, _, _ = toy
    snaps = np.stack([emb * s for s in (1.0, 1.5, 2.0)])
    coords, _, _ = frame_snapshots(snaps)
    assert coords.shape == (3, emb.shape[0], 2)
    # one linear frame: scaling the embedding scales its coordinates alike
    np.testing.assert_allclose(coords[2] - coords[2].mean(0), 2 * (coords[0] - coords[0].mean(0)),
                               rtol=1e-3, atol=1e-3)
    ranges = projection.axis_ranges(coords)
    assert len(ranges) == 2 and all(lo < hi for lo, hi in ranges)


def test_scatter_one_trace_per_group_with_row_indices(toy):
    emb, y, labels = toy
    idx = np.arange(0, emb.shape[0], 2)
    coords = projection.project(emb[idx], "pca", 2)
    custom = np.empty((idx.size, 4), dtype=object)
    custom[:, 0], custom[:, 1], custom[:, 2], custom[:, 3] = idx, y[idx], labels[idx], 0.9
    fig = explore_charts.scatter_embedding(coords, labels[idx], custom, title="t")
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == np.unique(labels[idx]).size
    assert sum(len(t.x) for t in fig.data) == idx.size
    rows = np.concatenate([np.asarray(t.customdata)[:, 0].astype(int) for t in fig.data])
    assert sorted(rows.tolist()) == idx.tolist()
    for t in fig.data:
        g = int(t.name)
        assert t.marker.color == color(g)
        assert set(labels[np.asarray(t.customdata)[:, 0].astype(int)]) == {g}
    assert fig.layout.xaxis.title.text == "UMAP 1" and fig.layout.title.text == "t"
    fig3 = explore_charts.scatter_embedding(projection.project(emb[idx], "pca", 3), labels[idx], custom)
    assert all(isinstance(t, go.Scatter3d) for t in fig3.data)
    big = explore_charts.scatter_embedding(coords, labels[idx], custom, webgl=True)
    assert all(isinstance(t, go.Scattergl) for t in big.data)


def test_rows_from_selection():
    sel = {"points": [{"customdata": [7, "3", 1, 0.5]}, {"customdata": [2, "1", 0, 0.9]},
                      {"customdata": [7, "3", 1, 0.5]}, {"x": 1}]}
    assert explore_charts.rows_from_selection(sel).tolist() == [2, 7]
    assert explore_charts.rows_from_selection({"selection": sel}).tolist() == [2, 7]
    assert explore_charts.rows_from_selection(None).size == 0
    assert explore_charts.rows_from_selection({"points": []}).size == 0


def test_clusters_take_the_colour_of_their_matched_class(toy):
    _, y, labels = toy
    colors, matched = explore_charts.cluster_palette(labels, y)
    assert matched == {1: 0, 2: 1, 0: 2}  # labels = (y + 1) % 3
    assert colors == {1: class_color(0), 2: class_color(1), 0: class_color(2)}
    # an empty cluster and an extra one: colours no class uses, named as unmatched
    more = labels.copy()
    more[:3] = 5
    colors, matched = explore_charts.cluster_palette(more, y, n_clusters=6)
    assert set(colors) == set(range(6))
    extra = {colors[c] for c in range(6) if c not in matched}
    assert len(extra) == 6 - len(matched)
    assert not extra & {class_color(c) for c in range(3)}
    names = explore_charts.cluster_names(range(6), matched, ["zero", "one", "two"])
    assert names[1] == "cluster 1 → zero" and names[4] == "cluster 4 (no class)"
    assert explore_charts.cluster_names([2], {}, has_labels=False) == {2: "cluster 2"}
    # without labels there are no classes: cluster j is color(j)
    assert explore_charts.cluster_palette(labels)[0] == {j: color(j) for j in range(3)}


def test_log_axis_ticks_read_as_numbers():
    axis = log_axis([0.04, 0.3, 0.9])
    assert axis["type"] == "log" and len(axis["tickvals"]) == len(axis["ticktext"])
    assert "0.05" in axis["ticktext"] and "0.1" in axis["ticktext"] and "1" in axis["ticktext"]
    for value, text in zip(axis["tickvals"], axis["ticktext"]):
        assert float(text.replace(",", "")) == pytest.approx(value)  # no bare mantissas
    wide = log_axis([1e-5, 0.5], percent=True)
    assert wide["ticktext"] == ["0.001%", "0.01%", "0.1%", "1%", "10%", "100%"]


def test_confusion_heatmap_counts_and_normalised(toy):
    _, y, labels = toy
    m, classes, clusters = matched_confusion_matrix(y, labels)
    fig = explore_charts.confusion_heatmap(m, classes, clusters, class_names=["a", "b", "c"])
    assert fig.layout.xaxis.title.text.startswith("cluster (column j: the cluster matched")
    assert fig.layout.yaxis.title.text == "true class"
    assert np.asarray(fig.data[0].z).sum() == y.size
    for j, c in enumerate(classes):  # column j faces class j, both in class j's colour
        assert class_color(c) in fig.layout.xaxis.ticktext[j]
        assert class_color(c) in fig.layout.yaxis.ticktext[j]
    mn, classes, clusters = matched_confusion_matrix(y, labels, normalize=True)
    fig = explore_charts.confusion_heatmap(mn, classes, clusters, normalize=True)
    np.testing.assert_allclose(np.asarray(fig.data[0].z).sum(axis=1), 1.0)
    assert "row-normalised" in fig.layout.title.text


def test_confusion_heatmap_with_fewer_and_more_clusters():
    """An empty column for an unmatched class, and the unmatched clusters last."""
    y, labels = np.array([0, 0, 1, 1, 1, 2, 2, 2]), np.array([5, 7, 5, 5, 5, 7, 7, 7])
    m, classes, clusters = matched_confusion_matrix(y, labels)
    fig = explore_charts.confusion_heatmap(m, classes, clusters)
    z = np.asarray(fig.data[0].z)
    assert np.trace(z) == 6
    ticks = list(fig.layout.xaxis.ticktext)
    assert "none" in ticks[0] and "5" in ticks[1] and class_color(1) in ticks[1]
    m, classes, clusters = matched_confusion_matrix([0, 0, 1, 1], [0, 3, 1, 1], n_clusters=4)
    fig = explore_charts.confusion_heatmap(m, classes, clusters)
    assert [int(c) for c in clusters] == [0, 1, 2, 3]
    assert len(fig.layout.shapes) == 1  # the dotted line before the unmatched clusters
    ticks = list(fig.layout.xaxis.ticktext)
    assert class_color(0) in ticks[0] and class_color(1) in ticks[1]
    assert not any(class_color(c) in ticks[j] for j in (2, 3) for c in (0, 1))


def test_metrics_table_and_fallbacks():
    base = {"kmeans_raw": {"acc": 0.5, "nmi": 0.4, "ari": 0.3}, "ae_kmeans": None, "dec": None}
    df = explore_charts.metrics_table(base, {"acc": 0.6, "nmi": 0.5, "ari": 0.4},
                             {"acc": 0.8, "nmi": 0.7, "ari": 0.6})
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["ACC", "NMI", "ARI"]
    assert df.loc["autoencoder + k-means", "ACC"] == 0.6 and df.loc["DEC", "ARI"] == 0.6
    assert list(df.index) == [NAMES["kmeans_raw"], NAMES["ae_kmeans"], NAMES["dec"]]
    idec = explore_charts.metrics_table(base, dec={"acc": 0.8}, method="idec")
    assert idec.loc["IDEC", "ACC"] == 0.8 and "DEC" not in idec.index
    empty = explore_charts.metrics_table({"kmeans_raw": None, "ae_kmeans": None, "dec": None})
    assert empty.isna().all().all() and len(empty) == 3
    fig = explore_charts.scores_by_method_figure(df)
    assert len(fig.data) == 3
    sizes = explore_charts.cluster_sizes_figure(np.array([0, 0, 2]), 4, y_true=np.array([1, 1, 0]))
    assert list(sizes.data[0].y) == [2, 0, 1, 0]
    hist = explore_charts.confidence_histogram(np.array([0.2, 0.5, 0.9]))
    assert len(hist.data) == 1 and hist.layout.xaxis.title.text


def test_evolution_figure_frames_and_fixed_axes(toy):
    emb, _, labels = toy
    u = 4
    snaps = np.stack([emb * (1 + 0.2 * i) for i in range(u)])
    coords, _, _ = frame_snapshots(snaps)
    lab = np.stack([labels] * u)
    fig = explore_charts.evolution_figure(coords, lab, n_clusters=3, index=np.arange(emb.shape[0]) + 100)
    assert len(fig.frames) == u
    assert all(len(f.data) == 3 for f in fig.frames) and len(fig.data) == 3
    assert sum(len(t.x) for t in fig.frames[-1].data) == emb.shape[0]
    assert fig.layout.xaxis.autorange is False and fig.layout.xaxis.range is not None
    lo, hi = fig.layout.xaxis.range
    assert lo <= coords[..., 0].min() and hi >= coords[..., 0].max()
    assert len(fig.layout.sliders[0].steps) == u
    assert min(int(i) for t in fig.data for i in t.customdata) == 100


def test_train_confusion_figure_follows_the_layout():
    """The Train page's heatmap (the Explore page's one): column j faces class j, 'none' for
    an unmatched class."""
    m, classes, clusters = matched_confusion_matrix([0, 0, 1, 1, 1, 2, 2, 2],
                                                    [5, 7, 5, 5, 5, 7, 7, 7])
    fig = explore_charts.confusion_heatmap(m, classes, clusters)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (3, 3) and np.trace(z) == 6  # two columns would collapse into one
    ticks = list(fig.layout.xaxis.ticktext)
    assert "none" in ticks[0] and ticks[1].endswith(" 5") and class_color(1) in ticks[1]
    assert all(class_color(c) in t for c, t in zip(classes, fig.layout.yaxis.ticktext))


def test_matching_notes_explain_a_cluster_matched_to_its_second_class():
    from explorer.text.teach import matching_notes

    # cluster 1: 99 ones and 80 eights; cluster 7: 150 ones -> 1 goes to 7, 8 to cluster 1
    y = np.array([1] * 99 + [8] * 80 + [1] * 150 + [8] * 5)
    labels = np.array([1] * 179 + [7] * 155)
    assert matching_notes(y, labels) == [
        "cluster 1 holds 99 points of class 1 and 80 of class 8; the matching gives it 8 "
        "because cluster 7 took class 1 (150 points), and each class gets one cluster."]
    assert matching_notes(y, labels, ["zero", "one", "2", "3", "4", "5", "6", "7", "eight"])[0] \
        .startswith("cluster 1 holds 99 points of class one and 80 of class eight")
    assert matching_notes(y, np.where(y == 1, 0, 1)) == []  # each cluster gets its largest class


def test_matching_notes_quote_the_confusion_matrix():
    """Every number a note quotes is a count of the contingency table."""
    import re

    from dec_core.metrics import cluster_acc, contingency
    from explorer.text.teach import matching_notes

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.integers(0, 4, 200)
        labels = np.where(rng.random(200) < 0.5, y, rng.integers(0, 4, 200))
        counts, clusters, classes = contingency(y, labels)
        _, mapping = cluster_acc(y, labels, return_mapping=True)
        for note in matching_notes(y, labels, limit=10):
            c, n_top, top, n_cls, cls, other, n_other = map(int, re.match(
                r"cluster (\d+) holds (\d+) points of class (\d+) and (\d+) of class (\d+); "
                r"the matching gives it \d+ because cluster (\d+) took class \d+ \((\d+) points",
                note).groups())
            assert mapping[c] == cls and mapping[other] == top and n_top > n_cls
            assert counts[c, top] == n_top and counts[c, cls] == n_cls
            assert counts[other, top] == n_other
