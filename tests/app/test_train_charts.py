"""The Train page's charts and status lines say what is true, in numbers people can read."""

import math

import pytest

from dec_core.stopping import StopRecord
from explorer.charts import train as charts
from explorer.text import teach

PRETRAIN = [{"epoch": i + 1, "stage": "end_to_end", "loss": 0.2 / (i + 1) ** 0.5}
            for i in range(30)]


def dec_rows(idec=False, terms=True):
    rows = []
    for u in range(6):
        row = {"update": u, "iteration": 60 * u, "delta_label": 0.0 if u == 0 else 0.02 / u,
               "loss": float("nan") if u == 0 else 0.05 / u}
        if terms:
            row["kl"] = float("nan") if u == 0 else 0.3 / u
            if idec:
                row["reconstruction"] = float("nan") if u == 0 else 0.02 / u
        rows.append(row)
    return rows


def tick_labels_are_numbers(axis) -> None:
    """Every tick has a label, and the label reads as its value (no bare mantissas)."""
    assert axis.tickvals and axis.ticktext and len(axis.tickvals) == len(axis.ticktext)
    for value, text in zip(axis.tickvals, axis.ticktext):
        number = float(text.replace(",", "").rstrip("%")) / (100 if text.endswith("%") else 1)
        assert math.isclose(number, value, rel_tol=1e-9), (value, text)


def test_log_axes_label_every_tick_with_its_value():
    fig = charts.pretrain_loss_figure(PRETRAIN, 30)
    assert fig.layout.yaxis.type == "log"
    tick_labels_are_numbers(fig.layout.yaxis)
    loss = charts.kl_loss_figure(dec_rows(idec=True), "idec")
    tick_labels_are_numbers(loss.layout.yaxis)
    delta = charts.delta_label_figure(dec_rows(), 1e-4, 1797)
    tick_labels_are_numbers(delta.layout.yaxis)


@pytest.mark.parametrize("lo,hi", [(0.04, 0.09), (0.04, 0.2), (1e-5, 0.3), (2.0, 3000.0),
                                   (0.011, 0.012), (0.5, 0.5)])
@pytest.mark.parametrize("percent", [False, True])
def test_log_axis_has_readable_ticks_inside_the_data(lo, hi, percent):
    axis = charts.log_axis([lo, hi], percent=percent)
    reach = 2.0 if lo == hi else 1.0001
    inside = [t for t in axis["tickvals"] if lo / reach <= t <= hi * reach]
    assert len(inside) >= 2, axis
    labels = dict(zip(axis["tickvals"], axis["ticktext"]))
    for value in axis["tickvals"]:
        text = labels[value]
        number = float(text.replace(",", "").rstrip("%")) / (100 if percent else 1)
        assert math.isclose(number, value, rel_tol=1e-6), (value, text)


def test_idec_chart_shows_the_loss_terms_apart():
    fig = charts.kl_loss_figure(dec_rows(idec=True), "idec")
    names = [t.name for t in fig.data]
    assert names[0] == "KL(P‖Q)" and names[1].startswith("L_r")
    assert "L_r + γ·KL(P‖Q)" in names[2]
    assert "IDEC" in fig.layout.title.text


def test_idec_chart_without_terms_labels_the_sum():
    fig = charts.kl_loss_figure(dec_rows(idec=True, terms=False), "idec")
    assert [t.name for t in fig.data] == ["L = L_r + γ·KL(P‖Q) (the sum)"]


def test_dec_chart_draws_kl_alone():
    fig = charts.kl_loss_figure(dec_rows(), "dec")
    assert [t.name for t in fig.data] == ["KL(P‖Q)"]
    assert list(fig.data[0].y) == [r["kl"] for r in dec_rows()[1:]]
    assert fig.layout.title.text == "DEC: clustering loss KL(P‖Q)"


def test_tol_is_said_in_points():
    # 0.01 % of 1,797 digits is 0.18 points: the run stops only when no point changes
    assert teach.tol_text(1e-4, 1797) == (
        "tol = 0.01 % (< 1 point of 1,797: stops when no point changes)")
    assert teach.tol_text(0.01, 600).endswith("(6.0 of 600 points: stops when at most 5 "
                                               "points change)")
    assert teach.tol_text(1e-3, 1000).endswith("(1 point of 1,000: stops when no point changes)")
    delta = charts.delta_label_figure(dec_rows(), 1e-4, 1797)
    assert "no point changes" in delta.layout.annotations[0].text
    assert delta.data[0].text[-1] == "7 of 1,797 points"  # 0.02 / 5 of 1,797, hovered


def test_finish_banner_is_written_for_people():
    converged = StopRecord("converged", update=6, iteration=360, delta_label=0.0, n_changed=0,
                           n_samples=1797, tol=1e-4, max_iter=3000)
    text = teach.stop_text(converged, banner=True)
    assert text == ("converged: 0 of 1,797 points changed cluster at the last update "
                    "(tol 0.01 %)")
    text = teach.stop_text(StopRecord("max_iter", max_iter=3000, tol=1e-4), 1797, banner=True)
    assert "3,000 batches" in text and "max_iter=" not in text
    assert "delta_label" not in teach.stop_text(StopRecord("converged", delta_label=0.001,
                                                           tol=0.01), None, banner=True)


def test_a_target_equal_to_q_is_said_in_every_stop_wording():
    """Power 1 without / f_j: the banner says there was nothing to learn, per method."""
    record = StopRecord("converged", update=1, delta_label=0.0, n_changed=0, n_samples=1797,
                        tol=1e-4, target_is_q=True, method="dec")
    text = teach.stop_text(record.as_dict(), banner=True)
    assert text.startswith("converged: 0 of 1,797 points changed cluster")
    assert text.endswith("the target P equals Q (power 1, no / f_j), so KL(P‖Q) = 0 and its "
                         "gradient is zero: there was nothing to learn, and nothing moved")
    idec = StopRecord("max_iter", max_iter=3000, target_is_q=True, method="idec")
    assert "nothing moved" not in teach.stop_text(idec)
    assert teach.stop_text(idec).endswith("only the reconstruction term L_r trained the encoder")
    assert "equals Q" not in teach.stop_text(StopRecord("converged", delta_label=0.0, tol=0.1))


def test_stop_text_reads_records_as_dicts_and_shows_old_texts_as_they_are():
    """One owner of the wording: a record (or its JSON dict) into words; a text without a
    record (a run saved by an older version, a job's own message) is never parsed."""
    record = StopRecord("converged", delta_label=0.004, n_changed=7, n_samples=1797, tol=0.005)
    assert teach.stop_text(record.as_dict()) == teach.stop_text(record) == (
        "converged: 7 of 1,797 points changed cluster at the last update, below tol = 0.5 %")
    old = "converged: delta_label=0.00400 < tol=0.005"
    assert teach.stop_text(old, 1797) == old
    assert teach.stop_text("interrupted by a restart at update 3") == (
        "interrupted by a restart at update 3")
    assert teach.stop_text("stopped by request").startswith("stopped by you")
    assert teach.stop_text("", state="stopped", banner=True) == (
        "stopped by you; the model keeps what it had learned")
    assert teach.stop_text(None) == ""
    diverged = StopRecord("diverged", update=2, first_batch=10, last_batch=15,
                          learning_rate=0.01)
    assert teach.stop_text(diverged) == diverged.reason
    assert "lower learning_rate (now 0.01)" in diverged.reason
    with pytest.raises(ValueError, match="kind"):
        StopRecord("finished")


def test_placeholder_is_built_once():
    a = charts.placeholder("DEC: clustering loss KL(P‖Q)", "starts after pretraining")
    assert charts.placeholder("DEC: clustering loss KL(P‖Q)", "starts after pretraining") is a


def test_no_change_is_drawn_as_zero_not_as_a_tiny_share():
    """An update with no point changed is not drawn at a tiny share (say "0.001 %") with
    only the hover saying "0 points": it has its own "0" row and marker, off the line."""
    rows = [*dec_rows(), {"update": 6, "iteration": 360, "delta_label": 0.0}]
    fig = charts.delta_label_figure(rows, 1e-4, 1797)
    line, zero = fig.data
    assert line.y[-1] is None and line.connectgaps is False
    assert zero.name == "no point changed" and list(zero.x) == [360]
    axis = fig.layout.yaxis
    assert axis.ticktext[0] == "0" and axis.tickvals[0] == zero.y[0]
    assert zero.y[0] < min(v for v in line.y if v is not None) / 2
    assert zero.text[0] == "0 of 1,797 points"
    # every other tick still reads as its value
    rest = type("Axis", (), {"tickvals": axis.tickvals[1:], "ticktext": axis.ticktext[1:]})
    tick_labels_are_numbers(rest)
    assert math.log10(zero.y[0]) > axis.range[0]  # inside the drawn range
