"""explorer.charts.model and the Model page: counts, FLOPs, the time estimate, parsing, the drawing."""

import pytest

from explorer.charts import model as model_charts
from explorer.text import teach


@pytest.mark.parametrize("dims", [[64, 32, 10], [784, 500, 500, 2000, 10], [5, 2]])
def test_counts_match_keras(dims):
    from dec_core.autoencoder import build_autoencoder

    model, _ = build_autoencoder(dims)
    assert model_charts.param_count(dims) == model.count_params()
    assert sum(r["parameters"] for r in model_charts.layer_table(dims)) == model.count_params()


def test_flops():
    dims = [64, 32, 10]
    assert model_charts.flops_per_sample(dims) == 2 * (64 * 32 + 32 * 10) * 2
    assert model_charts.training_flops_per_sample(dims) == 3 * model_charts.flops_per_sample(dims)
    assert (sum(r["forward FLOPs"] for r in model_charts.layer_table(dims))
            == model_charts.flops_per_sample(dims))


def test_layer_table_mirrors_the_encoder():
    rows = model_charts.layer_table([64, 256, 10])
    assert [(r["in"], r["out"]) for r in rows] == [(64, 256), (256, 10), (10, 256), (256, 64)]
    assert [r["activation"] for r in rows] == ["ReLU", "linear", "ReLU", "linear"]
    assert [r["part"] for r in rows] == ["encoder", "encoder", "decoder", "decoder"]


def test_model_page_helpers_come_from_the_one_cost_model():
    from dec_core import cost

    assert model_charts.flops_per_sample is cost.flops_per_sample
    assert model_charts.numpy_matmul_gflops is cost.numpy_matmul_gflops
    assert model_charts.human_seconds is cost.human_seconds
    assert model_charts.numpy_matmul_gflops(n=128, repeats=1) > 0


@pytest.mark.parametrize("text, hidden", [
    ("500,500,2000,10", [500, 500, 2000, 10]),
    (" 32 10 ", [32, 10]),
    ("64;10", [64, 10]),
    ("10", [10]),
])
def test_parse_hidden_accepts(text, hidden):
    assert model_charts.parse_hidden(text, 64) == hidden


@pytest.mark.parametrize("text, match", [
    ("", "at least the embedding"),
    ("  , ", "at least the embedding"),
    ("500,0,10", "positive integer"),
    ("-5,10", "positive integer"),
    ("5.5,10", "whole numbers"),
    ("abc", "whole numbers"),
    ("1e3,10", "whole numbers"),
])
def test_parse_hidden_rejects(text, match):
    with pytest.raises(ValueError, match=match):
        model_charts.parse_hidden(text, 64)


def test_dot_has_every_layer():
    dot = model_charts.autoencoder_dot([64, 256, 10])
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert "embedding z" in dot and "reconstruction" in dot and "input x" in dot
    assert dot.count("->") == 4  # 5 boxes: 64, 256, 10, 256, 64
    assert "cluster_enc" in dot and "cluster_dec" in dot and "clustering layer" not in dot


def test_dot_with_clustering_head_and_no_hidden_layer():
    dot = model_charts.autoencoder_dot([64, 10], n_clusters=7, alpha=1.0)
    assert "7 centroids" in dot and "α=1" in dot
    assert dot.count("->") == 3  # 64 -> 10 -> 64, and z -> q
    assert "cluster_enc" not in dot  # no empty encoder box


def test_human_formats():
    assert model_charts.human_count(1_500_000) == "1.5 M" and model_charts.human_count(999) == "999"
    assert model_charts.human_count(2_300) == "2.3 k" and model_charts.human_count(4e9) == "4.0 G"
    assert model_charts.human_seconds(0.123) == "0.12 s"
    assert model_charts.human_seconds(5) == "5.0 s" and model_charts.human_seconds(42) == "42 s"
    assert model_charts.human_seconds(600) == "10.0 min"
    assert model_charts.human_seconds(7200) == "2.0 h"


def test_decoder_is_kept_for_idec():
    """The Model page says what happens to the decoder: dropped by DEC, kept by IDEC."""
    dec, idec = teach.clustering_phase_text("dec"), teach.clustering_phase_text("idec", 0.1)
    assert "drops the decoder" in dec and "L = KL(P‖Q)" in dec
    assert "keeps the decoder" in idec and "drops" not in idec
    assert "L = L_r + γ·KL(P‖Q) with γ = 0.1" in idec
    assert "decoder (kept by IDEC)" in model_charts.autoencoder_dot([64, 32, 10], method="idec")
    assert "decoder (pretraining only)" in model_charts.autoencoder_dot([64, 32, 10], method="dec")


def test_model_page_says_what_happens_to_the_decoder():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = str(Path(__file__).resolve().parents[2] / "pages" / "model.py")
    at = AppTest.from_file(page, default_timeout=120)
    at.session_state["train"] = {"method": "idec", "gamma": 0.1}
    at.run()
    assert not at.exception, at.exception
    text = " ".join(c.value for c in at.caption)
    assert "IDEC keeps the decoder" in text and "drops the decoder" not in text
