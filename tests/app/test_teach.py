"""explorer.text.teach: the sentences the app teaches, checked against the numbers they quote."""

import re

import numpy as np
import pytest

from dec_core.gradients import student_t_kernel
from explorer.analysis import lesson
from explorer.text import teach


@pytest.mark.parametrize("alpha", lesson.KERNEL_ALPHA_CHOICES)
def test_the_kernel_caption_says_only_what_its_numbers_show(alpha):
    q, f = lesson.example_row()
    text = teach.kernel_caption(alpha, q, f, 2.0, True)
    near, far = student_t_kernel(1.0, alpha), student_t_kernel(3.0, alpha)
    assert f"the kernel is {near:.2f} at distance 1 (a Gaussian: {np.exp(-0.5):.2f})" in text
    assert f"{far:.3f} at distance 3, {far / np.exp(-4.5):.1f}× a Gaussian's" in text
    cross = float(re.search(r"up to a distance of ([\d.]+)", text).group(1))
    d = np.linspace(0.05, 8, 400)
    below = student_t_kernel(d, alpha) < np.exp(-d**2 / 2)
    assert below[d < cross - 0.1].all() and not below[d > cross + 0.1].any()
    if alpha != 1.0:  # the comparison with the paper's alpha follows the two numbers
        word = "more" if far > student_t_kernel(3.0, 1.0) else "less"
        assert f"keeps far points {word} in play than α = 1" in text


def test_a_small_alpha_is_not_said_to_keep_far_points_more_than_the_papers():
    """At α = 0.1 the kernel at distance 3 (0.084) is below α = 1's (0.100)."""
    text = teach.kernel_caption(0.1, *lesson.example_row(), 2.0, True)
    assert "a small α keeps far points in play" not in text
    assert "less in play than α = 1" in text


def test_the_prototypes_caption_names_the_decoder_per_method_and_quantifies_the_change():
    dec = teach.prototypes_caption(False, 0.004, 18)
    assert "DEC leaves as pretraining left it" in dec and "changed by 0.004" in dec
    assert dec.endswith(": barely.")
    idec = teach.prototypes_caption(True, 0.05, 3)
    assert "IDEC keeps training" in idec and "pretrained decoder" not in idec
    assert idec.endswith("changed by 0.050 on average (on a 0–1 scale).")
    assert "changed by" not in teach.prototypes_caption(False, 0.0, 0)  # update 0: no change yet


def test_the_kl_caption_describes_the_chart_it_sits_under():
    """The chart has one point per target update (the interval's mean): no sawtooth inside."""
    from explorer.charts import train as train_charts

    rows = [{"update": u, "iteration": 60 * u, "loss": 0.1 + 0.01 * u, "kl": 0.1 + 0.01 * u,
             "delta_label": 0.01} for u in range(1, 6)]
    fig = train_charts.kl_loss_figure(rows)
    assert [len(t.x) for t in fig.data] == [len(rows)]
    assert list(fig.data[0].x) == [r["iteration"] for r in rows]
    assert "one point per update" in teach.KL_RISE_TEXT
    assert "jumps up at an update and then falls" not in teach.KL_RISE_TEXT


def test_moons_are_not_said_to_fail_but_what_the_cut_costs_is_counted():
    before = teach.nonconvex_text("moons")
    assert "fail" not in before and "cut the two moons" in before
    assert teach.nonconvex_result_text("moons", 0.865, 1000) == (
        "ACC 0.865: 135 of 1,000 points (14 %) are not in the cluster matched to their own "
        "moon: there the cut goes across the moons instead of between them.")
    assert "no cut went wrong" in teach.nonconvex_result_text("circles", 1.0, 500)
    assert teach.nonconvex_result_text("digits", 0.9, 1797) is None


@pytest.mark.parametrize("phase, epochs, reused, active, clustered, said", [
    ("queued", 0, False, True, False, "loading the data"),
    ("loading", 0, False, True, False, "loading the data"),  # shipped or skipped: not known
    ("loading", 200, False, True, False, "loading the data"),
    ("pretraining", 200, False, True, False, "waiting for the first epoch"),
    ("kmeans", 0, False, True, False, "pretraining skipped (0 epochs)"),
    ("finished", 0, False, False, True, "pretraining skipped (0 epochs)"),
    ("finished", 0, False, False, False, "no pretraining epoch was recorded"),  # ended early
    ("finished", 0, True, False, True, "the autoencoder was reused"),
])
def test_the_pretraining_placeholder_claims_only_what_happened(phase, epochs, reused, active,
                                                                clustered, said):
    text = teach.pretrain_placeholder(phase, epochs, reused, active, clustered)
    assert text.startswith(said)


def test_the_kl_caption_is_true_when_the_target_equals_q():
    # power 1 without / f_j: p = q, so no "P sharper than the last" and no rise to explain
    pq = teach.kl_caption(1.0, False)
    assert "KL(P‖Q) is 0" in pq and "sharper" not in pq and "can rise" not in pq
    assert teach.kl_caption(2.0, True) == teach.KL_RISE_TEXT
    assert "sharper" not in teach.kl_caption(1.0, True)  # / f_j alone reweights, no sharpening
    assert "reweighted by the cluster sizes" in teach.kl_caption(1.0, True)
    assert "can rise" not in teach.kl_caption(1.0, True)
    assert "flatter than Q" in teach.kl_caption(0.5, True)
