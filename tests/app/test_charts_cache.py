"""The figure cache: a figure is rebuilt when its data or projector mode changed, else reused."""

from explorer.charts.cache import STORE_KEY, cached_figure
from explorer.charts.train import placeholder


def test_same_data_and_mode_reuse_the_figure_and_a_new_mode_rebuilds_it():
    store, built = {}, []

    def build(projector):
        built.append(projector)
        return object()

    first = cached_figure(store, "kl_chart", ("job", 3), build)
    assert cached_figure(store, "kl_chart", ("job", 3), build) is first
    assert built == [False]
    large = cached_figure(store, "kl_chart", ("job", 3), build, projector=True)
    assert large is not first and built == [False, True]
    assert cached_figure(store, "kl_chart", ("job", 4), build, projector=True) is not large
    assert built == [False, True, True]
    assert set(store[STORE_KEY]) == {"kl_chart"}  # one figure per chart key


def test_charts_keep_apart_under_their_keys():
    store = {}
    a = cached_figure(store, "a", (1,), lambda p: ["a", p])
    b = cached_figure(store, "b", (1,), lambda p: ["b", p])
    assert (a, b) == (["a", False], ["b", False])


def test_the_placeholder_follows_projector_mode():
    normal = placeholder("DEC: clustering loss KL(P‖Q)", "starts after pretraining")
    large = placeholder("DEC: clustering loss KL(P‖Q)", "starts after pretraining", True)
    assert large is not normal
    assert large.layout.font.size > normal.layout.font.size
    assert large.layout.height > normal.layout.height
