"""The k-sweep criteria (dec_core.selection), each against its definition on tiny data."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import make_blobs

from dec_core import selection as S


def _blobs(n=240, centers=3, d=2, std=0.4, seed=0):
    x, y = make_blobs(n, n_features=d, centers=centers, cluster_std=std, random_state=seed)
    return x, y


def test_within_dispersion_is_the_pooled_pairwise_sum_over_twice_the_size():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(13, 3))
    labels = np.array([0, 1, 2] * 4 + [1])
    expected = 0.0
    for c in range(3):
        part = x[labels == c]
        pair_sum = ((part[:, None, :] - part[None, :, :]) ** 2).sum()  # D_r
        expected += pair_sum / (2 * len(part))
    assert S.within_dispersion(x, labels) == pytest.approx(expected, rel=1e-12)


def test_silhouette_matches_a_brute_force_computation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(11, 2))
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    dist = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    s = []
    for i in range(len(x)):
        own = (labels == labels[i]) & (np.arange(len(x)) != i)
        a = dist[i, own].mean()
        b = min(dist[i, labels == c].mean() for c in set(labels) - {labels[i]})
        s.append((b - a) / max(a, b))
    assert S.silhouette(x, labels) == pytest.approx(np.mean(s), rel=1e-10)
    assert S.silhouette(x, labels, distances=dist) == pytest.approx(np.mean(s), rel=1e-10)


def test_gmm_bic_with_one_component_is_minus_two_log_likelihood_plus_p_log_n():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 3)) @ np.array([[1.0, 0.3, 0], [0, 1.0, 0.2], [0, 0, 0.5]])
    mean, cov = x.mean(axis=0), np.cov(x, rowvar=False, bias=True)  # the MLE
    log_l = multivariate_normal(mean, cov).logpdf(x).sum()
    d = x.shape[1]
    p = d + d * (d + 1) / 2  # means and a full covariance; one component has no weights
    assert S.gmm_bic(x, 1) == pytest.approx(-2 * log_l + p * np.log(len(x)), rel=1e-4)


def test_stability_is_one_on_separated_blobs_and_low_on_noise():
    x, _ = _blobs()
    assert S.stability(x, 3) == pytest.approx(1.0)
    noise = np.random.default_rng(3).uniform(size=(240, 2))
    assert S.stability(noise, 6) < 0.9


def test_stability_is_the_mean_ari_over_pairs_of_subsample_fits(monkeypatch):
    # the subsample fits replaced by fixed labellings: the result is their mean pairwise ARI
    from sklearn.metrics import adjusted_rand_score

    labellings = iter([np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 1, 1, 1, 2]),
                       np.array([1, 1, 0, 0, 2, 2])])

    class Fixed:
        def predict(self, x):
            return next(labellings)

    monkeypatch.setattr(S, "fit_kmeans", lambda *a, **k: Fixed())
    a, b, c = [0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 2], [1, 1, 0, 0, 2, 2]
    expected = np.mean([adjusted_rand_score(a, b), adjusted_rand_score(a, c),
                        adjusted_rand_score(b, c)])
    assert S.stability(np.zeros((6, 1)), 3, n_fits=3) == pytest.approx(expected)


def test_uniform_reference_fills_the_pca_box_of_the_data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 2)) @ np.array([[3.0, 1.0], [0.0, 0.2]]) + 5
    ref = S.uniform_reference(x, np.random.default_rng(0))
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    rot, ref_rot = (x - mean) @ vt.T, (ref - mean) @ vt.T
    assert ref.shape == x.shape
    assert (ref_rot >= rot.min(axis=0) - 1e-9).all() and (ref_rot <= rot.max(axis=0) + 1e-9).all()
    # uniform in the box: each rotated coordinate's spread is that of a uniform over it
    width = rot.max(axis=0) - rot.min(axis=0)
    assert ref_rot.std(axis=0) == pytest.approx(width / np.sqrt(12), rel=0.15)


def test_gap_at_one_cluster_is_the_mean_reference_log_dispersion_minus_the_datas():
    x, _ = _blobs(n=90)
    n_refs = 4
    gap = S.gap_statistic(x, [1], n_refs=n_refs, seed=7)
    rng = np.random.default_rng(7)  # the same draws, in the same order
    ref = [np.log(((r - r.mean(axis=0)) ** 2).sum())
           for r in (S.uniform_reference(x, rng) for _ in range(n_refs))]
    log_w1 = np.log(((x - x.mean(axis=0)) ** 2).sum())
    assert gap.log_w[0] == pytest.approx(log_w1)
    assert gap.ref_log_w[0] == pytest.approx(np.mean(ref))
    assert gap.gap[0] == pytest.approx(np.mean(ref) - log_w1)
    assert gap.s[0] == pytest.approx(np.std(ref) * np.sqrt(1 + 1 / n_refs))


def _gap(values, s):
    ks = list(range(1, len(values) + 1))
    return S.Gap(ks=ks, log_w=[0.0] * len(ks), ref_log_w=list(values), gap=list(values),
                 s=list(s))


def test_gap_rules_on_a_hand_built_curve():
    g = _gap([0.50, 0.52, 0.90, 0.95, 0.94], [0.05] * 5)
    # the global rule: the smallest k within one s of the highest gap (k=4: 0.95 - 0.05)
    assert S.gap_global_choice(g) == 3
    assert S.structure_verdict(g) == "found"
    falling = _gap([0.60, 0.58, 0.57, 0.55], [0.01] * 4)
    assert S.gap_global_choice(falling) == 1 and S.structure_verdict(falling) == "none"


def test_knee_is_the_point_furthest_above_the_chord_or_the_peak():
    ks = list(range(2, 9))
    # rises steeply to k=4, then creeps up: the knee is 4, not the maximum at 8
    assert S.knee(ks, [0.1, 0.3, 0.5, 0.52, 0.53, 0.54, 0.55]) == 4
    # a sharp peak at 5: the knee is the peak
    assert S.knee(ks, [0.2, 0.3, 0.4, 0.8, 0.3, 0.2, 0.1]) == 5
    assert S.suggest_k(ks, [0.2, 0.3, 0.4, 0.8, 0.3, 0.2, 0.1]) == (5, "peak")
    assert S.suggest_k(ks, [0.1, 0.3, 0.5, 0.52, 0.53, 0.54, 0.55]) == (4, "knee")
    # a peak that a later k nearly matches (within PEAK_MARGIN) is a plateau: the knee
    assert S.suggest_k(ks, [0.1, 0.3, 0.5, 0.52, 0.56, 0.55, 0.545]) == (4, "knee")
    # a clear peak after a straight rise is the peak, though the knee reading gives less
    assert S.suggest_k([2, 3, 4, 5], [0.448, 0.606, 0.726, 0.605]) == (4, "peak")
    # falling from the start: the first k
    assert S.knee(ks, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]) == 2


def test_sweep_finds_the_blobs_and_no_structure_in_noise():
    corners = [[0, 0, 0], [5, 0, 0], [0, 5, 0], [0, 0, 5]]
    x, _ = make_blobs(300, n_features=3, centers=corners, cluster_std=0.6, random_state=1)
    sw = S.sweep(x, k_max=8)
    assert sw.ks == list(range(2, 9))
    assert (sw.suggested_k, sw.structure) == (4, "found")
    assert len(sw.silhouette) == len(sw.bic) == len(sw.stability) == 7
    assert sw.gap.ks == list(range(1, 9))
    noise = np.random.default_rng(5).standard_normal((300, 4))
    assert S.sweep(noise, k_max=8).structure == "none"


def test_sweep_subsamples_large_data_and_bounds_k_by_n():
    x = np.random.default_rng(6).normal(size=(50, 2))
    sw = S.sweep(x, max_rows=20, k_max=30)
    assert (sw.n_used, sw.n_total) == (20, 50)
    assert sw.ks[-1] == 19  # n - 1 for the subsample
    with pytest.raises(ValueError, match="n_samples=2"):
        S.k_range(2)


def test_best_match_jaccard_by_hand():
    a = np.array([0, 0, 0, 1, 1, 2])
    b = np.array([5, 5, 6, 6, 6, 6])
    # cluster 0 = {0,1,2}: best is 5 = {0,1}: 2/3; cluster 1 = {3,4}: 6 = {2,3,4,5}: 2/4;
    # cluster 2 = {5}: 6: 1/4
    out = S.best_match_jaccard(a, [b, a])
    np.testing.assert_allclose(out, [[2 / 3, 0.5, 0.25], [1.0, 1.0, 1.0]])


def test_encode_is_the_encoder_half_of_the_keras_autoencoder():
    keras = pytest.importorskip("keras")
    from dec_core.autoencoder import build_autoencoder

    model, encoder = build_autoencoder([5, 7, 3], init="glorot_uniform")
    x = np.random.default_rng(8).normal(size=(4, 5)).astype(np.float32)
    expected = np.asarray(encoder(keras.ops.convert_to_tensor(x)))
    np.testing.assert_allclose(S.encode(model.get_weights(), x, 2), expected, rtol=1e-5,
                               atol=1e-6)


def test_sweep_space_uses_the_shipped_autoencoder_on_default_digits_only():
    from dec_core.datasets import load_dataset
    from dec_core.presets import estimator_params, preset_for
    from dec_core.pretrained import load

    ds = load_dataset("digits")
    params = {**estimator_params(preset_for("digits"), ds.n_features, ds.n_classes),
              "random_state": 0}
    z, space = S.sweep_space(ds.x, params)
    assert space == "the shipped autoencoder's embedding"
    np.testing.assert_allclose(z, S.encode(load().weights, ds.x, 4), rtol=1e-6)
    z2, space2 = S.sweep_space(ds.x, {**params, "random_state": 1})  # another autoencoder
    assert z2.shape == (1797, 10) and "principal components" in space2


def test_knee_of_a_curve_rising_ever_faster_is_its_peak():
    # no point above the chord from the first to the highest: the peak (k=4), not the first k
    assert S.knee([2, 3, 4, 5], [0.54, 0.63, 0.74, 0.61]) == 4


def test_sweep_space_takes_a_given_autoencoder_after_the_shipped_one():
    from dec_core.datasets import load_dataset
    from dec_core.presets import estimator_params, preset_for
    from dec_core.pretrained import load

    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    weights = [rng.normal(size=(6, 5)), np.zeros(5), rng.normal(size=(5, 2)), np.zeros(2),
               rng.normal(size=(2, 5)), np.zeros(5), rng.normal(size=(5, 6)), np.zeros(6)]
    z, space = S.sweep_space(x, {"dims": [6, 5, 2]}, (weights, "a cached one"))
    assert space == "a cached one"
    np.testing.assert_allclose(z, S.encode(weights, x, 2))
    # where the shipped autoencoder fits, it comes first
    ds = load_dataset("digits")
    params = {**estimator_params(preset_for("digits"), ds.n_features, ds.n_classes),
              "random_state": 0}
    shipped = load().weights
    assert S.sweep_space(ds.x, params, (shipped, "a cached one"))[1] == (
        "the shipped autoencoder's embedding")
