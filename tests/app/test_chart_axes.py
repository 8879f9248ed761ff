"""Axes that stay readable in a lab: y titles within their plot, a final 0 on a log axis,
whole-number update ticks that do not crowd. (The browser test checks the titles' boxes.)"""

import math

import plotly.graph_objects as go

from explorer.charts import lesson as lesson_charts
from explorer.charts import runs as run_charts
from explorer.charts import theme
from explorer.charts import train as charts


def _title_lines_fit(fig) -> bool:
    height, top = fig.layout.height, fig.layout.margin.t
    room = height - top - theme.X_AXIS_PX
    lines = fig.layout.yaxis.title.text.split("<br>")
    return all(len(line) * theme.CHAR_EM * 13 <= room for line in lines)


def test_long_y_titles_break_into_lines_that_fit_the_plot():
    dec = [{"update": i, "iteration": 15 * i, "delta_label": d, "loss": 0.1, "kl": 0.1,
            "acc": 0.5, "nmi": 0.5, "ari": 0.4} for i, d in enumerate([0.0, 0.1, 0.02, 0.0])]
    for fig in (charts.delta_label_figure(dec, 0.001, 300),
                charts.scores_by_update_figure(dec, {"acc": 0.4, "nmi": 0.4, "ari": 0.3})):
        assert fig.layout.height == 300 and "<br>" in fig.layout.yaxis.title.text
        assert _title_lines_fit(fig)
    # words are kept whole, in order
    fig = charts.delta_label_figure(dec, 0.001, 300)
    assert fig.layout.yaxis.title.text.replace("<br>", " ") == (
        "points that changed cluster (share, log)")
    # a title that fits stays one line
    short = theme.layout(go.Figure(go.Scatter(x=[0], y=[0])).update_yaxes(title="ACC"), "t", 300)
    assert short.layout.yaxis.title.text == "ACC"


def test_runs_keep_a_final_zero_on_the_log_axis():
    hist = [{"iteration": [0, 15, 30, 45], "delta_label": [0.0, 0.1, 0.02, 0.0]},
            {"iteration": [0, 15, 30], "delta_label": [0.0, 0.2, 0.05]}]
    fig = run_charts.curves_figure(hist, ["α = 1", "α = 10"], "delta_label")
    zeros = [t for t in fig.data if t.x == (45,)]
    assert len(zeros) == 1 and zeros[0].marker.symbol == "circle-open"
    floor = zeros[0].y[0]
    axis = fig.layout.yaxis
    assert axis.type == "log" and axis.ticktext[0] == "0" and axis.tickvals[0] == floor
    assert floor < 0.02 and axis.range[0] < math.log10(floor) < axis.range[1]
    # update 0 (0 by construction, against k-means) is not drawn as "no point changed"
    assert all(0 not in t.x for t in fig.data)
    # nothing at 0: no "0" row
    plain = run_charts.curves_figure(hist[1:], ["α = 10"], "delta_label")
    assert "0" not in plain.layout.yaxis.ticktext


def test_step_by_step_update_ticks_stay_few_and_whole():
    for n, most in ((8, 9), (35, 10), (120, 10)):
        fig = lesson_charts.sharpening_figure([{"update": i, "q_conf": 0.5, "p_conf": 0.6}
                                       for i in range(n + 1)])
        axis = fig.layout.xaxis
        assert axis.dtick == int(axis.dtick) and n / axis.dtick + 1 <= most + 1
        assert axis.tickformat == "d"
    assert theme.whole_number_ticks(8)["dtick"] == 1  # every update while there are few
