"""AppTest: the Data and Model pages, and bad uploads through the page's loader."""

import io
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.data import check_upload
from explorer.state import DATA_DEFAULTS

ROOT = Path(__file__).resolve().parents[1]


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def huge_header() -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": (10**7, 10**6)})
    return buf.getvalue()


BAD = [
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b,c\n", "no data rows"),
    ("one-row.csv", b"1,2,3\n", "at least 2"),
    ("ragged.csv", b"1,2,3\n4,5\n", "ragged"),
    ("text.csv", b"1,2\nx,4\n", "non-numeric"),
    ("nan.csv", b"1,2\nnan,4\n5,6\n", "NaN or inf"),
    ("inf.csv", b"1,2\n-inf,4\n5,6\n", "NaN or inf"),
    ("labels.csv", b"a,label\n" + b"".join(b"%d,c%d\n" % (i, i) for i in range(1000)),
     "distinct values"),
    ("five.npy", npy(np.zeros((2, 2, 2, 2, 2))), "5 dimensions"),
    ("object.npz", npz(x=np.array([[1, None]], dtype=object)), "pickle"),
    ("liar.npy", b"this is text, not numpy", "not a .npy"),
    ("liar.npz", b"\x93NUMPY but not a zip", "not a .npz"),
    ("huge.npy", huge_header(), "declares shape"),
]


@pytest.mark.parametrize("name, content, match", BAD, ids=[b[0] for b in BAD])
def test_bad_upload_gets_a_reason(name, content, match):
    ds, problem = check_upload(name, content, dict(DATA_DEFAULTS))
    assert ds is None and match in problem


@pytest.mark.parametrize("name, content, match", BAD[:4] + BAD[8:11],
                         ids=[b[0] for b in BAD[:4] + BAD[8:11]])
def test_data_page_shows_error_and_stays_usable(name, content, match):
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    at.session_state["data"] = {**DATA_DEFAULTS, "name": "file"}
    at.session_state["upload"] = {"name": name, "bytes": content}
    at.run()
    assert not at.exception
    assert any(match in e.value for e in at.error)
    at.selectbox(key="data.name").set_value("digits").run()  # still usable
    assert not at.exception and at.metric[0].value == "1,797"


def test_good_upload_previews():
    x = np.random.default_rng(0).random((50, 3))
    csv = "a,b,c,label\n" + "".join(f"{r[0]},{r[1]},{r[2]},{i % 2}\n" for i, r in enumerate(x))
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    at.session_state["data"] = {**DATA_DEFAULTS, "name": "file"}
    at.session_state["upload"] = {"name": "ok.csv", "bytes": csv.encode()}
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric][:3] == ["50", "3", "2"]


def test_data_page_default_and_switch():
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180).run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["1,797", "64", "10", "8x8"]
    assert len(at.get("plotly_chart")) == 2  # image grid and class balance
    at.selectbox(key="data.name").set_value("blobs").run()
    assert not at.exception and at.session_state["data"]["name"] == "blobs"
    assert at.metric[3].value == "tabular" and len(at.dataframe) == 1


def test_mnist_offline_explains_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DEC_DATA_DIR", str(tmp_path))  # a folder without mnist.npz
    import keras

    def no_network(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    at.session_state["data"] = {**DATA_DEFAULTS, "name": "mnist"}
    at.run()
    assert not at.exception
    assert at.error and any("DEC_DATA_DIR" in i.value for i in at.info)


def test_model_page_validates_and_presets():
    at = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=180).run()
    assert not at.exception
    assert at.metric[0].label == "Parameters"
    at.text_input(key="model_hidden_text").set_value("500,0,10").run()
    assert at.error and "dims" in at.error[0].value
    assert at.session_state["model"]["hidden"] == [256, 256, 512, 10]  # kept
    at.text_input(key="model_hidden_text").set_value("5.5,10").run()
    assert at.error and "whole numbers" in at.error[0].value
    paper = next(b for b in at.button if "paper" in b.label)
    paper.click().run()
    assert at.session_state["model"]["hidden"] == [500, 500, 2000, 10]
    assert not at.error
    at.text_input(key="model_hidden_text").set_value("32, 10").run()
    assert at.session_state["model"]["hidden"] == [32, 10]
