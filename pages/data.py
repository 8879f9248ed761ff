"""Data: pick a data set (or upload one), subsample and scale it, and look at it."""

import pandas as pd
import streamlit as st

from explorer import previews
from explorer.data import check_upload
from explorer.plots import image_grid
from explorer.theme import color
from explorer.ui import bind, current_dataset, init_page, shown, store

init_page()

NAMES = {
    "digits": "Digits 8x8 (built in, 1,797 images)",
    "mnist": "MNIST 28x28 (70,000 images)",
    "fashion_mnist": "Fashion-MNIST 28x28 (70,000 images)",
    "blobs": "Blobs (synthetic, convex)",
    "moons": "Two moons (synthetic, non-convex)",
    "circles": "Circles (synthetic, non-convex)",
    "file": "Upload a file (CSV / NPY / NPZ)",
}

st.title("Data")
data = st.session_state["data"]


if shown("data_options"):
    left, right = st.columns([2, 3])
    with left:
        st.selectbox("Data set", list(NAMES), format_func=NAMES.get, key=bind("data", "name"),
                     help="Digits needs nothing else and trains in seconds. MNIST and "
                          "Fashion-MNIST need the network or DEC_DATA_DIR. Synthetic sets show "
                          "where k-means-style clustering struggles (moons, circles).")
        name = store("data", "name")
        synthetic = name in ("blobs", "moons", "circles")
        st.number_input("Points to generate" if synthetic else "Subsample size (0 = all)",
                        0, 100_000, step=100, key=bind("data", "n_samples"),
                        help="A seeded, class-stratified subsample keeps training quick; "
                             "MNIST is 70,000 images, 5,000-10,000 train in a minute or two. "
                             "For synthetic sets, how many points to draw (0 = default).")
        store("data", "n_samples")
        st.selectbox("Scaling", ["auto", "minmax", "standard", "none"], key=bind("data", "scale"),
                     help="auto: pixels to [0, 1], tabular columns standardised (mean 0, sd 1). "
                          "minmax maps each column to [0, 1].")
        store("data", "scale")
        st.number_input("Seed", 0, 10**6, key=bind("data", "seed"),
                        help="Seed of the subsample and of synthetic data.")
        store("data", "seed")
        if synthetic:
            if data.get("noise") is None:
                data["noise"] = {"blobs": 1.0, "moons": 0.08, "circles": 0.05}[name]
            st.slider("Noise", 0.0, 3.0 if name == "blobs" else 0.5, key=bind("data", "noise"),
                      step=0.01, help="Spread of the points: blob std, or jitter of moons and "
                                      "circles. More noise, harder clusters.")
            store("data", "noise")
        if name == "file":
            st.text_input("Label column (CSV)", key=bind("data", "label_column"),
                          help="auto takes a column named label / y / target / class, or a last "
                               "column of text; none means no labels; or give a column name or "
                               "index.")
            store("data", "label_column")
            up = st.file_uploader("CSV, NPY or NPZ file", type=["csv", "tsv", "txt", "npy", "npz"],
                                  help="CSV with or without header; .npy (n, d) or (n, h, w); "
                                       ".npz with keys x (and y). Files are never unpickled.")
            if up is not None:
                content = up.getvalue()
                current = st.session_state.get("upload")
                if current is None or current["bytes"] != content or current["name"] != up.name:
                    ds_new, problem = check_upload(up.name, content, data)
                    if problem:
                        st.session_state["upload_error"] = f"{up.name}: {problem}"
                    else:
                        st.session_state["upload"] = {"name": up.name, "bytes": content}
                        st.session_state["upload_error"] = ""
            if st.session_state.get("upload_error"):
                st.error(st.session_state["upload_error"]
                         + (" The previous upload stays selected." if st.session_state.get("upload")
                            else ""))
    with right:
        preview_box = st.container()
else:
    preview_box = st.container()

with preview_box:
    try:
        ds = current_dataset()
    except ValueError as err:
        st.error(str(err))
        if data["name"] in ("mnist", "fashion_mnist"):
            st.info("Offline? Set the environment variable DEC_DATA_DIR to a folder holding "
                    f"{data['name']}.npz in the Keras layout (x_train, y_train, x_test, y_test), "
                    "e.g. `DEC_DATA_DIR=../shared/data streamlit run app.py`, or upload the "
                    ".npz with 'Upload a file'.")
        st.stop()
    m = st.columns(4)
    m[0].metric("Samples", f"{ds.n_samples:,}")
    m[1].metric("Features (d)", f"{ds.n_features:,}")
    m[2].metric("Classes", ds.n_classes if ds.n_classes is not None else "no labels")
    m[3].metric("Image", f"{ds.image_shape[0]}x{ds.image_shape[1]}" if ds.image_shape else "tabular")
    st.caption(ds.description)
    if ds.image_shape is not None:
        imgs, titles, classes = previews.sample_images(ds, per_class=6)
        st.plotly_chart(image_grid(imgs, titles=titles, border_colors=[color(c) for c in classes],
                                   ncols=12, title="Sample images (framed in their class colour)"),
                        key="data_grid")
    else:
        names = [f"feature {j}" for j in range(ds.n_features)]
        if ds.n_features >= 2:
            a, b = st.columns(2)
            fx = a.selectbox("x axis", range(ds.n_features), format_func=names.__getitem__,
                             key="data_fx", help="Feature on the horizontal axis.")
            fy = b.selectbox("y axis", range(ds.n_features), index=1,
                             format_func=names.__getitem__, key="data_fy",
                             help="Feature on the vertical axis.")
            st.plotly_chart(previews.feature_scatter(ds, fx, fy), key="data_scatter")
        table = pd.DataFrame(ds.x[:200], columns=names)
        if ds.y is not None:
            table.insert(0, "label", ds.y[:200])
        st.dataframe(table, height=240, width="stretch")
    if ds.y is not None:
        st.plotly_chart(previews.class_balance_figure(ds), key="data_balance")
