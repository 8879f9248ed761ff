"""AppTest: the Data and Model pages; bad uploads through the page's loader; data_charts."""

import io
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dec_core.datasets import load_dataset
from explorer.charts import data as data_charts
from explorer.data import check_upload
from explorer.session.state import DATA_DEFAULTS
from tests.helpers.filebytes import npy_bytes, npz_bytes

ROOT = Path(__file__).resolve().parents[2]
DATA_PAGE = str(ROOT / "pages/data.py")
MODEL_PAGE = str(ROOT / "pages/model.py")


npy, npz = npy_bytes, npz_bytes


def huge_header() -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": (10**7, 10**6)})
    return buf.getvalue()


def data_page(**data) -> AppTest:
    at = AppTest.from_file(DATA_PAGE, default_timeout=60)
    at.session_state["data"] = {**DATA_DEFAULTS, **data}
    return at


BAD = [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n \n", "empty"),
    ("header.csv", b"a,b,c\n", "no data rows"),
    ("one-row.csv", b"1,2,3\n", "at least 2"),
    ("ragged.csv", b"1,2,3\n4,5\n", "ragged"),
    ("text.csv", b"1,2\nx,4\n", "non-numeric"),
    ("nan.csv", b"1,2\nnan,4\n5,6\n", "NaN or inf"),
    ("inf.csv", b"1,2\n-inf,4\n5,6\n", "NaN or inf"),
    ("labels.csv", b"a,label\n" + b"".join(b"%d,c%d\n" % (i, i) for i in range(1000)),
     "1,000 distinct values"),
    ("five.npy", npy(np.zeros((2, 2, 2, 2, 2))), "5 dimensions"),
    ("vector.npy", npy(np.arange(5.0)), "1-D"),
    ("object.npz", npz(x=np.array([[1, None]], dtype=object)), "pickle"),
    ("object.npy", npy(np.array([[1, None]], dtype=object)), "pickle"),
    ("strings.npy", npy(np.array([["a", "b"], ["c", "d"]])), "numeric values are required"),
    ("liar.npy", b"this is text, not numpy", "not a .npy"),
    ("liar.npz", b"\x93NUMPY but not a zip", "not a .npz"),
    ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text CSV"),
    ("huge.npy", huge_header(), "declares shape"),
    ("data.xlsx", b"PK\x03\x04", "unsupported file type"),
]


@pytest.mark.parametrize("name, content, match", BAD, ids=[b[0] for b in BAD])
def test_bad_upload_gets_a_reason(name, content, match):
    ds, problem = check_upload(name, content, dict(DATA_DEFAULTS))
    assert ds is None and match in problem


def test_good_uploads_load():
    x = np.random.default_rng(0).random((20, 4)).astype(np.float32)
    for name, content in [("x.npy", npy(x)), ("x.npz", npz(x=x, y=np.arange(20) % 2)),
                          ("x.csv", b"1,2\n3,4\n5,6\n")]:
        ds, problem = check_upload(name, content, dict(DATA_DEFAULTS))
        assert problem is None and ds.n_samples >= 3


@pytest.mark.parametrize("name, content, match", [BAD[0], BAD[4], BAD[9], BAD[11], BAD[14]],
                         ids=["empty", "ragged", "five-d", "object", "liar"])
def test_data_page_shows_error_for_broken_stored_upload(name, content, match):
    at = data_page(name="file")
    at.session_state["upload"] = {"name": name, "bytes": content}
    at.run()
    assert not at.exception
    assert any(match in e.value for e in at.error)
    at.selectbox(key="data.name").set_value("digits").run()  # still usable
    assert not at.exception and not at.error and at.metric[0].value == "1,797"


def test_file_without_upload_asks_for_one():
    at = data_page(name="file").run()
    assert not at.exception and not at.error
    assert any("Choose a CSV" in i.value for i in at.info)


def test_a_count_past_five_digits_is_shortened_and_exact_in_its_help():
    """A metric's value is cut, never wrapped: "740,740" read "740,..." at 1280 px."""
    x = np.random.default_rng(0).integers(0, 9, size=(123_456, 2))
    csv = "a,b\n" + "\n".join(f"{a},{b}" for a, b in x) + "\n"
    at = data_page(name="file")
    at.session_state["upload"] = {"name": "big.csv", "bytes": csv.encode()}
    at.run()
    assert not at.exception and not at.error
    samples = at.metric[0]
    assert samples.value == "123.5 k" and "n = 123,456" in samples.help
    assert at.metric[1].value == "2"


def test_good_upload_previews_and_label_column():
    x = np.random.default_rng(0).random((50, 3))
    csv = "a,b,c,label\n" + "".join(f"{r[0]},{r[1]},{r[2]},{i % 2}\n" for i, r in enumerate(x))
    at = data_page(name="file")
    at.session_state["upload"] = {"name": "ok.csv", "bytes": csv.encode()}
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["50", "3", "2", "no"]
    assert at.selectbox(key="data_fx").options == ["a", "b", "c"]  # names from the header
    assert at.selectbox(key="data.label_column").options == [
        "auto-detect", "none (no labels)", "a", "b", "c", "label"]
    at.selectbox(key="data.label_column").set_value("none").run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric][:3] == ["50", "4", "none"]
    assert at.session_state["data"]["label_column"] == "none"


def test_headerless_csv_label_by_index():
    rows = "".join(f"{i},{i % 3},{i * 2}\n" for i in range(30))
    at = data_page(name="file", label_column="1")  # as a link carries it
    at.session_state["upload"] = {"name": "plain.csv", "bytes": rows.encode()}
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric][:3] == ["30", "2", "3"]


def test_unlabeled_image_upload():
    imgs = np.random.default_rng(0).integers(0, 256, (30, 8, 8)).astype(np.uint8)
    at = data_page(name="file")
    at.session_state["upload"] = {"name": "imgs.npy", "bytes": npy(imgs)}
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["30", "64", "none", "8x8"]
    assert not [s for s in at.selectbox if s.key == "data.label_column"]  # CSV only
    assert len(at.get("plotly_chart")) == 1  # images; no class balance without labels


def test_data_page_default_and_switch():
    at = AppTest.from_file(DATA_PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["1,797", "64", "10", "8x8"]
    assert len(at.get("plotly_chart")) == 2  # image grid and class balance
    at.selectbox(key="data.name").set_value("blobs").run()
    assert not at.exception and at.session_state["data"]["name"] == "blobs"
    assert at.metric[3].value == "no" and len(at.dataframe) == 1
    assert [m.value for m in at.metric][:3] == ["1,500", "2", "5"]
    assert len(at.get("plotly_chart")) == 2  # scatter and class balance


def test_noise_follows_the_synthetic_set():
    at = data_page(name="blobs").run()
    assert at.slider(key="data.noise").value == 1.0
    at.slider(key="data.noise").set_value(2.5).run()
    at.selectbox(key="data.name").set_value("moons").run()
    assert not at.exception
    assert at.session_state["data"]["noise"] == pytest.approx(0.08)
    assert at.slider(key="data.noise").max == 0.5


def test_mnist_offline_explains_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DEC_DATA_DIR", str(tmp_path))  # a folder without mnist.npz
    at = data_page(name="mnist").run()
    assert not at.exception
    assert at.error and any("DEC_DATA_DIR" in i.value and "mnist.npz" in i.value
                            for i in at.info)


def test_model_page_validates_and_presets():
    at = AppTest.from_file(MODEL_PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert [m.label for m in at.metric] == ["Parameters", "FLOPs per sample",
                                            "Est. time per epoch", "Est. pretraining"]
    assert at.metric[0].value == "438.3 k"  # digits: 64-256-256-512-10 and back
    for bad, match in [("500,0,10", "positive integer"), ("5.5,10", "whole numbers"),
                       ("", "embedding size"), ("-3,10", "positive integer")]:
        at.text_input(key="model_hidden_text").set_value(bad).run()
        assert not at.exception
        assert at.error and match in at.error[0].value, bad
        assert at.session_state["model"]["hidden"] == [256, 256, 512, 10]  # kept
    paper = next(b for b in at.button if "paper" in b.label)
    paper.click().run()
    assert at.session_state["model"]["hidden"] == [500, 500, 2000, 10]
    assert not at.error and at.text_input(key="model_hidden_text").value == "500,500,2000,10"
    at.text_input(key="model_hidden_text").set_value("32, 10").run()
    assert at.session_state["model"]["hidden"] == [32, 10] and not at.error
    assert at.metric[0].value == mi_count([64, 32, 10])


def test_model_page_clusters_and_outside_changes():
    at = AppTest.from_file(MODEL_PAGE, default_timeout=60).run()
    assert any("**10** clusters" in c.value for c in at.caption)
    at.number_input(key="model.n_clusters").set_value(4).run()
    assert at.session_state["model"]["n_clusters"] == 4
    assert any("**4** clusters" in c.value for c in at.caption)
    at.session_state["model"]["hidden"] = [64, 10]  # e.g. a run loaded on another page
    at.run()
    assert at.text_input(key="model_hidden_text").value == "64,10"


def mi_count(dims) -> str:
    from explorer.charts import model as model_charts

    return model_charts.human_count(model_charts.param_count(dims))


# ---------------------------------------------------------------------------
# preview helpers


def test_preview_figures():
    ds = load_dataset("digits", n_samples=200)
    fig = data_charts.image_preview_figure(ds)
    assert fig.layout.title.text.startswith("Sample images")
    labels = [a.text for a in fig.layout.annotations]
    assert labels == [f"<b>{c}</b>" for c in range(10)]  # one row per class
    assert len(fig.data[1].hovertext) == 120 and fig.data[1].hovertext[0].startswith("class 0")
    bars = data_charts.class_balance_figure(ds)
    assert list(bars.data[0].marker.color[:2]) == ["#1f77b4", "#ff7f0e"]
    assert bars.layout.xaxis.title.text == "class" and bars.layout.yaxis.title.text == "samples"
    moons = load_dataset("moons", n_samples=100)
    assert "-0.00" not in data_charts.value_summary(moons) and "mean 0.00" in data_charts.value_summary(moons)
    scatter = data_charts.feature_scatter(moons, 0, 1, names=["u", "v"])
    assert len(scatter.data) == 2 and scatter.layout.xaxis.title.text == "u"
    unlabeled = load_dataset("file", data=npy(np.random.default_rng(0).random((30, 4, 4))),
                             filename="imgs.npy")
    assert "no labels" in data_charts.image_preview_figure(unlabeled).layout.title.text


@pytest.mark.parametrize("raw, header", [
    (b"a,b,label\n1,2,x\n", ["a", "b", "label"]),
    (b"a;b\n1;2\n", ["a", "b"]),
    (b"1,2,3\n4,5,6\n", None),
    (b"", None),
    (b"\x89PNG\x00", None),
])
def test_csv_header(raw, header):
    assert data_charts.csv_header(raw) == header


def test_feature_names():
    header = ["a", "label", "b"]
    assert data_charts.feature_names(header, 2, "auto", True) == ["a", "b"]
    assert data_charts.feature_names(header, 3, "none", False) == header
    assert data_charts.feature_names(["a", "b", "kind"], 2, "auto", True) == ["a", "b"]
    assert data_charts.feature_names(None, 2, "auto", True) == ["feature 0", "feature 1"]
    assert data_charts.feature_names(header, 2, 0, True) == ["label", "b"]  # a column index
    assert data_charts.feature_names(header, 2, "1", True) == ["feature 0", "feature 1"]


def test_data_page_says_where_labels_are_used():
    at = AppTest.from_file(DATA_PAGE, default_timeout=60).run()
    text = " ".join(c.value for c in at.caption)
    assert "never used" not in text
    assert "number of clusters defaults to the number of classes" in text
    assert "score the clusters" in text


def test_label_column_choice_reads_the_file_as_the_loader_does():
    rows = "".join(f"{i} {i % 3} {i * 2}\n" for i in range(30))  # white-space separated
    at = data_page(name="file")
    at.session_state["upload"] = {"name": "plain.txt", "bytes": rows.encode()}
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="data.label_column").options == [
        "auto-detect", "none (no labels)", "column 0", "column 1", "column 2"]
    assert [m.value for m in at.metric][:2] == ["30", "3"]


def test_over_limit_upload_is_refused_from_its_shape(monkeypatch):
    monkeypatch.setenv("DEC_MAX_UPLOAD_CELLS", "100")
    # a bad value at row 40: refused for its size before the parser gets there
    raw = b"a,b,label\n" + b"1,2,x\n" * 39 + b"oops,2,x\n" + b"1,2,y\n" * 20
    ds, problem = check_upload("big.csv", raw, dict(DATA_DEFAULTS))
    assert ds is None
    assert problem == ("The upload holds 60 rows x 2 columns = 120 values; this server "
                       "accepts at most 100 (DEC_MAX_UPLOAD_CELLS).")


def test_new_data_set_brings_its_preset_but_keeps_changed_settings(monkeypatch, tmp_path):
    from dec_core.presets import DIGITS, IMAGES, TABULAR

    monkeypatch.setenv("DEC_DATA_DIR", str(tmp_path))  # MNIST missing: the page says so
    at = data_page()
    at.session_state["model"] = {"hidden": list(DIGITS["dims"]), "n_clusters": 0, "alpha": 1.0}
    at.session_state["train"] = {**state_train(), "pretrain_epochs": 7}
    at.run()
    at.selectbox(key="data.name").set_value("mnist").run()
    assert not at.exception
    assert at.session_state["model"]["hidden"] == IMAGES["dims"]
    assert at.session_state["train"]["pretrain_batch_size"] == IMAGES["pretrain_batch_size"]
    assert at.session_state["train"]["pretrain_epochs"] == 7  # the user's own choice stays
    at.selectbox(key="data.name").set_value("blobs").run()
    assert at.session_state["model"]["hidden"] == TABULAR["dims"]
    assert at.session_state["train"]["pretrain_batch_size"] == TABULAR["pretrain_batch_size"]
    assert at.session_state["train"]["pretrain_noise"] == TABULAR["pretrain_noise"]
    assert at.session_state["train"]["pretrain_epochs"] == 7


def state_train() -> dict:
    from explorer.session.state import TRAIN_DEFAULTS

    return dict(TRAIN_DEFAULTS)


def test_the_flattened_images_note_is_only_for_images():
    note = "images are flattened"
    at = data_page(name="digits").run()
    assert not at.exception and any(note in c.value for c in at.caption)
    at = data_page(name="moons").run()
    assert not at.exception and not any(note in c.value for c in at.caption)


def test_model_page_says_what_fewer_clusters_than_classes_allow():
    from dec_core.metrics import max_acc

    at = AppTest.from_file(MODEL_PAGE, default_timeout=60)
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 3, "alpha": 1.0}
    at.run()
    assert not at.exception
    y = load_dataset("digits").y
    assert any(f"ACC can be at most {max_acc(y, 3):.3f}" in c.value for c in at.caption)
    at.number_input(key="model.n_clusters").set_value(10).run()
    assert not any("ACC can be at most" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["digits", "blobs"])
def test_data_page_figures_follow_projector_mode(name):
    """Projector mode turned on after the page was drawn redraws its figures in large type."""
    import json

    from explorer.charts.theme import PROJECTOR, PROJECTOR_KEY

    at = data_page(name=name).run()
    assert not at.exception, at.exception

    def title_sizes() -> dict:
        return {c.key: json.loads(c.proto.spec)["layout"]["title"].get("font", {}).get("size")
                for c in at.get("plotly_chart")}

    before = title_sizes()
    assert len(before) == 2 and PROJECTOR["title"] not in before.values()
    at.session_state[PROJECTOR_KEY] = True
    at.run()
    assert not at.exception, at.exception
    assert title_sizes() == dict.fromkeys(before, PROJECTOR["title"])
