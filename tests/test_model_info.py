import pytest

from explorer import model_info as mi


def test_counts_match_keras():
    from dec_core.autoencoder import build_autoencoder

    dims = [64, 32, 10]
    model, _ = build_autoencoder(dims)
    assert mi.param_count(dims) == model.count_params()
    assert mi.flops_per_sample(dims) == 2 * (64 * 32 + 32 * 10) * 2


def test_estimate_scales_with_data_and_rate():
    dims = [784, 500, 500, 2000, 10]
    one = mi.seconds_per_epoch(dims, 1000, gflops=100)
    assert mi.seconds_per_epoch(dims, 2000, gflops=100) == pytest.approx(2 * one)
    assert mi.seconds_per_epoch(dims, 1000, gflops=200) == pytest.approx(one / 2)
    assert mi.matmul_gflops(n=256, repeats=1) > 0


def test_dot_has_every_layer():
    dot = mi.autoencoder_dot([64, 256, 10])
    assert dot.startswith("digraph") and "embedding z" in dot and "reconstruction" in dot
    assert dot.count("->") == 4  # 5 boxes: 64, 256, 10, 256, 64


def test_human_count():
    assert mi.human_count(1_500_000) == "1.5 M" and mi.human_count(999) == "999"
