import io

import numpy as np
import pytest

from dec_core.datasets import (
    DATA_DIR_ENV,
    DATASETS,
    IMBALANCED_CENTERS,
    MAX_LABELS,
    imbalanced_sizes,
    load_dataset,
    stratified_subsample,
)
from tests.helpers.filebytes import npy_bytes, npz_bytes


def test_digits_default_is_offline_and_scaled():
    ds = load_dataset()
    assert ds.name == "digits" and ds.x.shape == (1797, 64) and ds.x.dtype == np.float32
    assert ds.image_shape == (8, 8)
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert ds.y.dtype == np.int64 and ds.n_classes == 10


def test_subsample_is_seeded_and_stratified():
    a = load_dataset("digits", n_samples=500, random_state=1)
    b = load_dataset("digits", n_samples=500, random_state=1)
    c = load_dataset("digits", n_samples=500, random_state=2)
    assert a.n_samples == 500
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    full = load_dataset("digits")
    share_full = np.bincount(full.y) / full.n_samples
    share_sub = np.bincount(a.y) / a.n_samples
    assert np.abs(share_full - share_sub).max() < 0.01


def test_stratified_subsample_exact_total():
    y = np.array([0] * 7 + [1] * 3 + [2] * 90)
    idx = stratified_subsample(100, 10, y, random_state=0)
    assert len(idx) == 10 and len(np.unique(idx)) == 10
    assert np.bincount(y[idx], minlength=3)[2] == 9


@pytest.mark.parametrize("name", ["blobs", "moons", "circles", "imbalanced_blobs"])
def test_synthetic_sets(name):
    ds = load_dataset(name, n_samples=300, random_state=0)
    assert ds.x.shape == (300, 2) and ds.image_shape is None
    # standardised tabular data
    np.testing.assert_allclose(ds.x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x.std(axis=0), 1, atol=1e-4)


def test_all_names_listed():
    assert {"digits", "mnist", "fashion_mnist", "blobs", "moons", "file",
            "imbalanced_blobs"} <= set(DATASETS)


def test_imbalanced_blobs_keep_their_shares_and_their_picture():
    ds = load_dataset("imbalanced_blobs")
    assert ds.x.shape == (1050, 2) and np.bincount(ds.y).tolist() == [500, 500, 50]
    assert ds.class_names == ["big A", "big B", "small"] and ds.class_name(2) == "small"
    assert "500 : 500 : 50" in ds.description
    assert np.bincount(load_dataset("imbalanced_blobs", n_samples=210).y).tolist() == [100, 100, 10]
    assert imbalanced_sizes(3) == [1, 1, 1] and sum(imbalanced_sizes(1001)) == 1001
    # a seed moves the points, not the blobs: the small one stays between the big ones
    for seed in (0, 7):
        raw = load_dataset("imbalanced_blobs", random_state=seed, scale="none")
        means = np.array([raw.x[raw.y == c].mean(axis=0) for c in range(3)])
        np.testing.assert_allclose(means, IMBALANCED_CENTERS, atol=0.4)
    with pytest.raises(ValueError, match="at least 3"):
        load_dataset("imbalanced_blobs", n_samples=2)


def test_on_imbalanced_blobs_dividing_by_f_j_grows_the_small_cluster():
    """What the /f_j switch's caption (explorer/text/teach.py) says, on seed 0 with the preset.

    One autoencoder and one k-means start; then DEC with and without / f_j.
    """
    from dec_core import DEC
    from dec_core.callbacks import Callback
    from dec_core.metrics import cluster_acc
    from dec_core.presets import estimator_params, preset_for

    data = load_dataset("imbalanced_blobs", random_state=0)
    params = estimator_params(preset_for("imbalanced_blobs"), data.n_features, data.n_classes)

    class Pretrained(Callback):
        def on_pretrain_end(self, logs=None):
            self.weights = self.model.autoencoder_.get_weights()

    grab = Pretrained()
    with_fj = DEC(random_state=0, **params).fit(data.x, data.y, callbacks=[grab])
    with_fj.autoencoder_.set_weights(grab.weights)
    without = DEC(random_state=0, **{**params, "normalize_frequency": False})
    without.fit(data.x, data.y, autoencoder=with_fj.autoencoder_)

    def small_cluster(labels) -> int:  # the size of the cluster matched to the small blob
        _, mapping = cluster_acc(data.y, labels, return_mapping=True)
        return int(np.sum(labels == next(c for c, k in mapping.items() if k == 2)))

    start = small_cluster(with_fj.kmeans_labels_)
    assert small_cluster(with_fj.labels_) > start > 50  # with / f_j it grows from k-means'
    assert 40 <= small_cluster(without.labels_) <= 60 < start  # without, it keeps its size
    assert cluster_acc(data.y, without.labels_) > 0.98 > 0.9 > cluster_acc(data.y, with_fj.labels_)


def test_mnist_from_path_and_env(mnist_path, monkeypatch):
    ds = load_dataset("mnist", path=mnist_path, n_samples=1000)
    assert ds.x.shape == (1000, 784) and ds.image_shape == (28, 28)
    assert 0.0 <= ds.x.min() and ds.x.max() <= 1.0 and ds.n_classes == 10
    monkeypatch.setenv(DATA_DIR_ENV, str(mnist_path.parent))
    again = load_dataset("mnist", n_samples=1000)
    np.testing.assert_array_equal(ds.x, again.x)


def test_mnist_missing_offline_file_message(tmp_path):
    with pytest.raises(ValueError, match="no file"):
        load_dataset("mnist", path=tmp_path / "nothing.npz")


def test_csv_with_header_and_label_column():
    data = b"a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n"
    ds = load_dataset("file", data=data, filename="t.csv", scale="none")
    np.testing.assert_array_equal(ds.x, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(ds.y, [0, 1, 0, 1])
    assert ds.class_names == ["cat", "dog"] and ds.image_shape is None


def test_csv_without_header_no_labels(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,9\n")
    ds = load_dataset("file", path=path, scale="none", label_column="none")
    assert ds.x.shape == (3, 3) and ds.y is None


def test_csv_numeric_label_by_index():
    data = b"0,1.5,2\n1,2.5,3\n0,3.5,4\n"
    ds = load_dataset("file", data=data, filename="x.csv", label_column=0, scale="none")
    assert ds.x.shape == (3, 2)
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


def test_npy_and_npz_round_trip():
    x = np.random.default_rng(0).random((20, 5)).astype(np.float32)
    ds = load_dataset("file", data=npy_bytes(x), filename="x.npy", scale="none")
    np.testing.assert_allclose(ds.x, x)
    y = np.arange(20) % 3
    ds = load_dataset("file", data=npz_bytes(x=x, y=y), filename="x.npz", scale="none")
    np.testing.assert_allclose(ds.x, x)
    np.testing.assert_array_equal(ds.y, y)


def test_npz_images_keep_their_shape():
    x = np.random.default_rng(0).integers(0, 256, (30, 6, 6), dtype=np.uint8)
    ds = load_dataset("file", data=npz_bytes(x=x), filename="img.npz")
    assert ds.image_shape == (6, 6) and ds.x.shape == (30, 36) and ds.x.max() <= 1.0


BAD_FILES = [
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b,c\n", "no data rows"),
    ("one.csv", b"1,2,3\n", "at least 2"),
    ("ragged.csv", b"1,2,3\n4,5\n6,7,8\n", "ragged"),
    ("text.csv", b"a,b\n1,2\nx,4\n5,6\n", "non-numeric value 'x'"),
    ("nan.csv", b"1,2\nnan,4\n5,6\n", "NaN or inf"),
    ("inf.csv", b"1,2\ninf,4\n5,6\n", "NaN or inf"),
    ("labels.csv", b"a,label\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(1000)),
     f"at most {MAX_LABELS}"),
    ("five.npy", npy_bytes(np.zeros((2, 2, 2, 2, 2))), "5 dimensions"),
    ("obj.npz", npz_bytes(x=np.array([[1, "a"], [None, 2]], dtype=object)), "pickle"),
    ("obj.npy", npy_bytes(np.array([1, None], dtype=object)), "pickle"),
    ("fake.npy", b"1,2,3\n4,5,6\n", "not a .npy"),
    ("fake.npz", b"just some text", "not a .npz"),
    ("binary.csv", npy_bytes(np.zeros((3, 3))), "not a text CSV"),
    ("strings.npy", npy_bytes(np.array([["a", "b"], ["c", "d"]])), "numeric"),
    ("vector.npy", npy_bytes(np.arange(10.0)), "1-D"),
    ("weird.xlsx", b"PK\x03\x04", "unsupported file type"),
]


@pytest.mark.parametrize("filename, data, match", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_get_clear_errors(filename, data, match):
    with pytest.raises(ValueError, match=match):
        load_dataset("file", data=data, filename=filename)


def test_huge_declared_shape_is_refused_before_allocation():
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})
    data = header.getvalue()  # magic + header only: no payload was ever written
    with pytest.raises(ValueError, match="declares shape"):
        load_dataset("file", data=data, filename="huge.npy")


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "nope"}, "Unknown dataset 'nope'"),
    ({"scale": "log"}, "scale"),
    ({"n_samples": 1}, "n_samples"),
    ({"name": "file"}, "path= or data="),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_dataset(**kwargs)


@pytest.mark.parametrize("raw, x, y", [
    (b"1 2  3\n4 5 6\n", [[1, 2, 3], [4, 5, 6]], None),                      # white space
    (b'"a","b","label"\n"1","2","x"\n"3","4","y"\n', [[1, 2], [3, 4]], ["x", "y"]),  # quotes
    (b"\xef\xbb\xbfa;b\r\n1;2\r\n\r\n3;4\r\n", [[1, 2], [3, 4]], None),        # BOM, CRLF
    (b"1,2\n \n3,4\n", [[1, 2], [3, 4]], None),                               # blank line
    (b"1,2,3\n4,5,6\n7,8,z\n", [[1, 2], [4, 5], [7, 8]], ["3", "6", "z"]),     # late text
])
def test_csv_layouts(raw, x, y):
    ds = load_dataset("file", data=raw, filename="t.csv", scale="none")
    np.testing.assert_array_equal(ds.x, x)
    assert (ds.y is None) == (y is None)
    if y is not None:
        assert [ds.class_name(c) for c in ds.y] == y


def test_csv_ragged_row_beside_a_text_label():
    with pytest.raises(ValueError, match="line 3 has 4 fields, expected 3"):
        load_dataset("file", data=b"a,b,label\n1,2,x\n3,4,5,y\n", filename="t.csv")


def test_over_limit_csv_is_refused_before_parsing():
    from dec_core.readers import FileTooLarge

    # Row 50 is not a number: parsing would stop there with another message.
    raw = b"a,b,label\n" + b"1,2,x\n" * 49 + b"oops,2,x\n" + b"1,2,y\n" * 50
    with pytest.raises(FileTooLarge, match="100 rows x 2 columns = 200 values") as info:
        load_dataset("file", data=raw, filename="t.csv", max_cells=199)
    assert (info.value.n_rows, info.value.n_cols, info.value.limit) == (100, 2, 199)
    with pytest.raises(ValueError, match="non-numeric value 'oops'"):
        load_dataset("file", data=raw, filename="t.csv", max_cells=200)
    with pytest.raises(ValueError, match="more than the 10 allowed"):
        load_dataset("file", data=npy_bytes(np.zeros((4, 4))), filename="x.npy", max_cells=10)


def test_class_name():
    from dec_core.datasets import class_name

    assert class_name(["cat", "dog"], 1) == "dog" and class_name(["cat"], np.int64(0)) == "cat"
    assert class_name(None, 3) == "3" and class_name(["cat"], 5) == "5"


def test_csv_with_a_5000_column_header_reads_its_rows():
    # A bug: the header alone fills the sniffed sample (64 KB); the rows were lost
    from dec_core.readers import SAMPLE_BYTES, csv_layout

    header = ",".join(f"feature_{i:04d}" for i in range(5000))
    rows = "\n".join(",".join("0.5" for _ in range(5000)) for _ in range(4))
    raw = (header + "\n" + rows + "\n").encode()
    assert len(header) > 0.9 * SAMPLE_BYTES
    layout = csv_layout(raw)
    assert layout.width == 5000 and layout.header[-1] == "feature_4999"
    assert len(layout.sample) >= 1
    ds = load_dataset("file", data=raw, filename="wide.csv", scale="none")
    assert ds.x.shape == (4, 5000) and ds.y is None
