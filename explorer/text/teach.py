"""Every sentence the app teaches: formulas, captions, stop reasons and explanations.

No streamlit and no figures here (those are :mod:`explorer.charts`): a page or a
panel calls a function below for its words. Numbers in them come from the
arguments (the run on screen), from :mod:`dec_core.presets` or from the app's
defaults (:data:`explorer.session.state.TRAIN_DEFAULTS`), never typed twice.
Sections follow the pages; the job states' wording is :mod:`explorer.text.states`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from dec_core.baselines import N2D_NEIGHBORS
from dec_core.cost import WARN_SECONDS, human_bytes, human_seconds
from dec_core.gradients import student_t_kernel
from dec_core.presets import IDEC_GAMMA, METHOD_OPTIMIZER, VARIANTS, default_n_clusters
from dec_core.selection import K_MAX
from dec_core.stopping import StopRecord
from explorer.analysis.lesson import gaussian_crossing, sharpen_row
from explorer.live_map.frame import PULL_SHARE
from explorer.session.state import TRAIN_DEFAULTS

DIGITS_SAMPLES = 1797  # the built-in default data set, for the stop rule's example

# The two objectives in plain text (chart legends, the settings' help and labels).
KL = "KL(P‖Q)"
IDEC_FORMULA = "L = L_r + γ·KL(P‖Q)"

SWITCH_CAPTIONS: dict[str, str] = {
    "target_power": "Raising q to a power above 1 makes confident points more confident; 2 is "
                    "the paper's square, 1 gives no sharpening at all.",
    # measured by scripts/fj_imbalance.py (dec_core/presets.py, KINDS["imbalanced_blobs"]);
    # tests/engine/test_datasets.py pins the direction on seed 0
    "normalize_frequency": "Dividing by f_j pulls the clusters towards equal sizes: the bigger "
                           "a cluster, the smaller its targets. See it on Imbalanced blobs "
                           "(Data page; 500 : 500 : 50 points): with / f_j the small blob's "
                           "cluster took in points of the big ones and ended with 196-340 "
                           "points; without it, 46-50, and ACC rose from 0.72-0.86 to 0.99 "
                           "(seeds 0-2). Watch the chart Cluster sizes f_j.",
}


def target_text(target_power: float = 2.0, normalize_frequency: bool = True) -> str:
    """The target a run trains towards, in a few words: ``"p ∝ q^2 / f_j"``.

    Examples
    --------
    >>> target_text(3.0, False)
    'p ∝ q^3 (no / f_j)'
    """
    text = f"p ∝ q^{float(target_power):g}"
    return text + (" / f_j" if normalize_frequency else " (no / f_j)")


def percent(share: float) -> str:
    """A share as a percentage with enough digits to read it: ``0.0001`` -> ``"0.01 %"``.

    Parameters
    ----------
    share : float
        A fraction of 1.

    Returns
    -------
    str
    """
    v = float(share) * 100
    if abs(v) >= 10:
        return f"{v:.0f} %"
    return np.format_float_positional(v, precision=2, fractional=False, trim="-") + " %"


def tol_text(tol: float, n_samples: int | None = None) -> str:
    """What ``tol`` means for this data, in points as well as a share.

    DEC stops when the share of points that changed cluster since the last
    target update falls below ``tol``. With ``n`` points the smallest change
    is one point (``1/n``), so a ``tol`` at or below it means "no point changed".

    Examples
    --------
    >>> tol_text(0.0001, 1797)
    'tol = 0.01 % (< 1 point of 1,797: stops when no point changes)'
    """
    text = f"tol = {percent(tol)}"
    if not n_samples or tol <= 0:
        return text + (" (runs to the iteration limit)" if tol <= 0 else "")
    limit = tol * n_samples  # stop when fewer than this many points change
    if limit <= 1:
        size = "< 1 point" if limit < 1 else "1 point"
        return text + f" ({size} of {n_samples:,}: stops when no point changes)"
    most = math.ceil(limit) - 1
    return text + (f" ({limit:,.1f} of {n_samples:,} points: stops when at most "
                   f"{most:,} point{'s' if most != 1 else ''} change{'' if most != 1 else 's'})")


def stop_text(stop, n_samples: int | None = None, *, banner: bool = False,
              state: str | None = None) -> str:
    """Why a run ended, written for people: the one owner of this wording.

    Parameters
    ----------
    stop : dec_core.stopping.StopRecord, dict, str or None
        The estimator's ``stop_record_`` (or its ``as_dict()``, as in
        ``history_["stop"]`` and a job's ``view()["stop"]``). A str is a
        ``stop_reason_`` or a job message without a record (a run saved by an
        older version): it is shown as it is, never parsed.
    n_samples : int, optional
        Number of points, to turn shares into points when the record lacks it.
    banner : bool, default=False
        The Train and Learn pages' end-of-run banner: says what to do next.
        False: a short clause (the Explore page's "Training ...").
    state : str, optional
        The job's state; ``"stopped"`` with no record nor text reads as a stop request.

    Returns
    -------
    str

    Examples
    --------
    >>> from dec_core.stopping import StopRecord
    >>> stop_text(StopRecord("max_iter", max_iter=3000))
    'reached the iteration limit (3,000 batches) before converging'
    """
    if isinstance(stop, StopRecord):
        stop = stop.as_dict()
    if isinstance(stop, str) or not stop:
        text = (stop or "").strip()
        if text != "stopped by request" and (text or state != "stopped"):
            return text
        stop = {"kind": "stopped"}
    text = _stop_words(stop, n_samples, banner)
    if stop.get("target_is_q"):
        return text + "; " + target_is_q_text(stop.get("method") or "dec")
    return text


def target_is_q_text(method: str = "dec") -> str:
    """What a run whose target P equals Q learnt: the one wording (Train, Step by step, stops).

    With ``target_power = 1`` and no division by f_j, ``p_ij = q_ij``: KL(P‖Q)
    is 0 and so is its gradient (:func:`dec_core.gradients.embedding_gradient`
    is a sum of ``p_ij − q_ij`` terms).

    Examples
    --------
    >>> target_is_q_text()[:42]
    'but the target P equals Q (power 1, no / f'
    """
    text = ("but the target P equals Q (power 1, no / f_j), so KL(P‖Q) = 0 and its gradient "
            "is zero: ")
    if method == "idec":
        return text + ("the clustering term had nothing to teach, and only the reconstruction "
                       "term L_r trained the encoder")
    return text + "there was nothing to learn, and nothing moved"


def _stop_words(stop: dict, n_samples: int | None, banner: bool) -> str:
    """:func:`stop_text` of a record (a dict), without the target's remark."""
    kind = stop.get("kind")
    n = stop.get("n_samples") or n_samples
    if kind == "converged":
        delta, tol = float(stop["delta_label"]), float(stop["tol"])
        if banner and not n:
            return f"converged: fewer points than tol = {percent(tol)} changed cluster"
        n_changed = stop.get("n_changed")
        changed = (f"{round(delta * n) if n_changed is None else n_changed:,} of {int(n):,} "
                   "points" if n else percent(delta) + " of the points")
        text = f"converged: {changed} changed cluster at the last update"
        return text + (f" (tol {percent(tol)})" if banner else f", below tol = {percent(tol)}")
    if kind == "max_iter":
        text = f"reached the iteration limit ({int(stop['max_iter']):,} batches) before converging"
        return text + ("; raise Max iterations or tol to change that" if banner else "")
    if kind == "stopped":
        return "stopped by you" + ("; the model keeps what it had learned" if banner else "")
    return str(stop.get("reason") or kind or "")


def idec_loss_latex(gamma: float = IDEC_GAMMA) -> str:
    """IDEC's objective as LaTeX, the one text every page shows.

    ``L_r`` is the squared reconstruction error averaged over the ``n``
    samples and the ``d`` features (Keras' ``"mse"``, as in the authors' code
    and :class:`dec_core.DEC`).
    """
    return (r"L = L_r + \gamma\,\mathrm{KL}(P\,\|\,Q),\qquad "
            r"L_r = \frac{1}{n\,d}\sum_i \big\| x_i - g\big(f(x_i)\big)\big\|^2,"
            rf"\qquad \gamma = {float(gamma):g}")


def loss_panel(method: str = "dec", gamma: float = IDEC_GAMMA) -> tuple[str, str, str]:
    """The loss panel for DEC or IDEC: ``(title, latex, explanation)``.

    Parameters
    ----------
    method : {"dec", "idec"}, default="dec"
    gamma : float, default=:data:`dec_core.presets.IDEC_GAMMA`
        IDEC's coefficient of the clustering loss.

    Returns
    -------
    tuple of str
    """
    if method == "idec":
        return (
            "5 · Loss: IDEC keeps the decoder",
            idec_loss_latex(gamma),
            "IDEC (Guo et al., 2017) keeps training the decoder: the reconstruction loss "
            "$L_r$ keeps weight 1 and the clustering loss is scaled by $\\gamma$ "
            f"({IDEC_GAMMA:g} in the paper), so the embedding keeps the data's structure "
            "while it is pulled towards the clusters. Plain DEC drops the decoder and "
            "minimises only $\\mathrm{KL}(P\\|Q)$.",
        )
    return (
        "5 · Loss: KL(P‖Q)",
        r"L = \mathrm{KL}(P\,\|\,Q) = \sum_i \sum_j p_{ij} \log \frac{p_{ij}}{q_{ij}}",
        "Gradient steps on $L$ move the encoder and the centroids so that Q comes closer to "
        "the sharper P; the decoder is dropped. IDEC (Guo et al., 2017) keeps it and "
        "minimises $L = L_r + \\gamma\\,\\mathrm{KL}(P\\|Q)$ with "
        f"$\\gamma = {IDEC_GAMMA:g}$, $L_r$ the reconstruction loss.",
    )


def panels(method: str = "dec", gamma: float | None = None, tol: float | None = None,
           n_samples: int | None = None) -> list[tuple[str, str, str]]:
    """The six formula panels ``(title, latex, explanation)``, in order.

    Parameters
    ----------
    method : {"dec", "idec"}, default="dec"
        Which loss panel 5 shows.
    gamma : float, optional
        IDEC's coefficient of the clustering loss (default: the app's).
    tol : float, optional
        The stop threshold in use; the app's default is always named too.
    n_samples : int, optional
        Number of points, to say what ``tol`` means in points (default: the
        1,797 digits of the default data set).

    Returns
    -------
    list of tuple of str
    """
    default_tol = float(TRAIN_DEFAULTS["tol"])
    gamma = IDEC_GAMMA if gamma is None else float(gamma)
    n = int(n_samples or DIGITS_SAMPLES)
    tol = default_tol if tol is None else float(tol)
    stop = (f"*tol* ({percent(default_tol)} by default)" if tol == default_tol
            else f"*tol* (here {percent(tol)}; {percent(default_tol)} by default)")
    where = f"{n:,} points" if n_samples else f"the {n:,} digits"
    return [
        (
            "1 · Pretrain an autoencoder",
            r"\min_{\theta,\phi}\; \frac{1}{n}\sum_{i=1}^{n} \big\| x_i - g_\phi\!\big(f_\theta(x_i)\big)\big\|^2",
            "The encoder $f_\\theta$ squeezes each sample into a short code $z_i = f_\\theta(x_i)$ "
            "(10 numbers by default); the decoder $g_\\phi$ must rebuild the input from it. "
            "What survives the bottleneck is what the data has in common, so similar samples get "
            "similar codes. Adding noise to the input (a denoising autoencoder) makes the codes "
            "sturdier.",
        ),
        (
            "2 · Place the centroids with k-means",
            r"\min_{\mu_1..\mu_k} \sum_{i} \min_j \| z_i - \mu_j \|^2",
            "k-means in the 10-d embedding gives the starting centroids $\\mu_j$. DEC will move "
            "them, and the encoder, together.",
        ),
        (
            "3 · Soft assignment Q (Student's t)",
            r"q_{ij} = \frac{\left(1 + \|z_i - \mu_j\|^2/\alpha\right)^{-\frac{\alpha+1}{2}}}"
            r"{\sum_{j'} \left(1 + \|z_i - \mu_{j'}\|^2/\alpha\right)^{-\frac{\alpha+1}{2}}}",
            "Each point gets a probability of belonging to each cluster: close to a centroid means "
            "high $q_{ij}$. The heavy-tailed Student's t (with $\\alpha = 1$ degree of freedom) "
            "keeps far points from being ignored.",
        ),
        (
            "4 · Target distribution P (sharpened Q)",
            r"p_{ij} = \frac{q_{ij}^2 / f_j}{\sum_{j'} q_{ij'}^2 / f_{j'}}, \qquad f_j = \sum_i q_{ij}",
            "Squaring $q$ makes confident assignments more confident; dividing by the soft "
            "cluster size $f_j$ normalises each centroid's share, so that large clusters do "
            "not distort the embedding (the paper's reason); it also pulls the clusters "
            "towards equal sizes. P is recomputed on "
            "all the data every *update interval* batches and held fixed in between: the model "
            "learns from its own high-confidence guesses (self-training).",
        ),
        loss_panel(method, gamma),
        (
            "6 · Stop rule",
            r"\delta = \frac{1}{n}\sum_i \mathbb{1}\!\left[c_i^{(t)} \neq c_i^{(t-1)}\right] < \mathrm{tol},"
            r"\qquad c_i = \arg\max_j q_{ij}",
            "At each target update, count the share of points whose cluster changed. When it "
            f"falls below {stop}, the clusters have settled and training stops. On {where}, "
            f"one point is {percent(1 / n)}"
            + (", so this tol means: stop when no point changes cluster." if tol * n <= 1
               else f", so it means: fewer than {math.ceil(tol * n):,} points changed."),
        ),
    ]


# ----- Step by step (the Learn page) -----
def kernel_caption(alpha: float, q, f, power: float, normalize_frequency: bool) -> str:
    """What the kernel explorer shows, with its numbers: the question a student asks next.

    Every comparison is computed from the values it quotes (the kernel at
    distances 1 and 3, the Gaussian's, the crossing, the paper's α = 1).
    """
    a = float(alpha)
    near, far = float(student_t_kernel(1.0, a)), float(student_t_kernel(3.0, a))
    g_near, g_far = float(np.exp(-0.5)), float(np.exp(-4.5))
    cross = gaussian_crossing(a)
    ratio = far / g_far
    text = (f"At α = {a:g} the kernel is {near:.2f} at distance 1 (a Gaussian: {g_near:.2f}) "
            f"and {far:.3f} at distance 3, {ratio:.1f}× a Gaussian's {g_far:.3f}: below the "
            f"Gaussian up to a distance of {cross:.1f}, above it beyond"
            + (": far points keep a say in q." if ratio >= 2
               else ": close to a Gaussian, far points barely count."))
    if a != 1.0:
        paper = float(student_t_kernel(3.0, 1.0))
        text += (f" The paper's α = 1 gives {paper:.3f} at distance 3: this α keeps far points "
                 + ("more" if far > paper else "less") + " in play than α = 1.")
    p = sharpen_row(q, f, power, normalize_frequency)
    q0, p0 = float(np.asarray(q)[0]), float(p[0])
    text += f" Here q₀ = {q0:.2f} becomes p₀ = {p0:.2f}"
    if p0 > q0:
        return text + ": the target pulls the point further into cluster 0."
    if normalize_frequency and float(np.asarray(f)[0]) > float(np.asarray(f)[1:].max()):
        return text + ": cluster 0 is big, and dividing by f_j holds it back."
    return text + ": no sharpening towards cluster 0."


LEARN_INTRO = ("Run DEC one target update at a time and watch the target P sharpen the soft "
               "assignment Q. Data and model come from the Data and Model pages; training "
               "settings from the Train page. Click a point on the map to follow it.")
"""The Step-by-step page's title help."""

LEARN_START_HINT = ("Press **Start in step mode**. The autoencoder is pretrained first (the Train "
                    "page's settings; a pretrained one is reused when nothing changed), then DEC "
                    "waits for you before every update.")
"""What the Step-by-step page says before its first job."""

LEARN_NEXT_HINT = "Press **Step** for one more update, or **Play** to run on."


def step_pretraining_text(epochs_done: int, epochs: int) -> str:
    """The progress bar's words while a step-mode job pretrains (before its first update)."""
    return (f"Pretraining the autoencoder: epoch {epochs_done} of {epochs} — step mode "
            "starts after k-means.")


def map_range_text(info: dict) -> str:
    """The map's axes in words: fixed since update 0, or since the update that widened them."""
    since = int(info.get("xy_range_since", 0) or 0)
    if since == 0:
        return " The axes are fixed at update 0, with room for the clusters to spread."
    return (f" The axes were fixed at update 0 and widened at update {since}, when points "
            "left them.")


def switches_pending_text(used: dict) -> str:
    """When the job shown trains towards another target than the switches now say."""
    return (f"The job shown uses {target_text(**used)}; the switches apply at the next "
            "**Start in step mode**.")


PROTOTYPES_BARELY = 0.02
"""Mean absolute pixel change (pixels in [0, 1]) under which the prototypes "barely" changed."""


def prototypes_caption(decoder_trained: bool, change: float | None = None,
                       update: int | None = None) -> str:
    """What the decoded centroids (the prototypes) are, and how much they changed.

    Parameters
    ----------
    decoder_trained : bool
        True under IDEC, which keeps training the decoder (plain DEC drops it).
    change : float, optional
        Mean absolute pixel change (pixels in [0, 1]) since update 0.
    update : int, optional
        The update drawn.

    Returns
    -------
    str
    """
    if decoder_trained:
        text = ("Each centroid μ_j decoded by the decoder, which IDEC keeps training with "
                "the reconstruction loss L_r: what the cluster 'means'. A prototype changes "
                "when its centroid moves and when the decoder learns.")
    else:
        text = ("Each centroid μ_j decoded by the pretrained decoder, which DEC leaves as "
                "pretraining left it: what the cluster 'means'. A prototype changes only "
                "when its centroid moves.")
    if change is None or not update:
        return text
    text += (f" Since update 0 the pixels changed by {change:.3f} on average (on a 0–1 "
             "scale)")
    return text + (": barely." if change < PROTOTYPES_BARELY else ".")


def pretrain_placeholder(phase: str, pretrain_epochs: int, reused: bool,
                         active: bool = True, clustered: bool = False) -> str:
    """The pretraining chart's words while it has no point yet: only what has happened.

    Parameters
    ----------
    phase : str
        The job's phase (``"queued"``, ``"loading"``, ``"pretraining"``, ...).
    pretrain_epochs : int
        Epochs the worker will run (0 until it has loaded the data).
    reused : bool
        Whether the worker said it starts from an autoencoder it already has.
    active : bool, default=True
        Whether the job is queued or running.
    clustered : bool, default=False
        Whether k-means or DEC has run (the job has their rows).

    Returns
    -------
    str
        "skipped" only once k-means or DEC began with no epoch run: until the
        worker has picked its autoencoder, a run that will use the shipped one
        looks like one that skips pretraining.
    """
    if reused:
        return "the autoencoder was reused; its pretraining curve was not recorded"
    if not pretrain_epochs and (clustered or phase in ("kmeans", "dec", "saving")):
        return "pretraining skipped (0 epochs): DEC starts from the untrained autoencoder"
    if not active:
        return "no pretraining epoch was recorded before the run ended"
    if phase in ("queued", "loading"):
        return "loading the data and choosing the autoencoder…"
    return "waiting for the first epoch…"


LEARN_BUTTON_HELP = {
    "start": "Pretrain and run k-means as usual, then pause before every DEC update.",
    "step": ("Compute exactly one more target update (P), then train update-interval batches "
             "towards it."),
    "play": ("Run the updates one after another, at the chosen speed, until Pause or until the "
             "stop rule fires."),
    "pause": "Hold after the current update.",
    "stop": "End training; the model so far is saved.",
}
"""The help of Step by step's buttons, by button."""

LEARN_SPEED_HELP = ("Seconds each update stays on screen while playing. Every update is drawn: "
                    "the next one is computed only after the page showed this one.")
CHANGED_LABELS_HELP = "Share of points whose cluster changed since the previous update."
POINT_MODE_HELP = ("Which sample to inspect when none is pinned: q is its current soft "
                   "assignment, p the target it is pulled towards. \"p farthest from q\" is "
                   "the row with the largest Σ_j |p_ij − q_ij|.")
PIN_HELP = ("Keep this sample's q and p bars (and its place on the map) across steps, so the "
            "class can follow one point. Clicking a point on the map pins it too.")
TARGET_SWITCHES_HEADING = "**Target switches** (they apply at the next **Start in step mode**)"
LOCKSTEP_LINK = "See a switch's two settings side by side, update by update: Lockstep"


# ----- The live map (Train, Step by step, Lockstep) -----
FRAME_TEXT = ("Frame fixed at the k-means start (PCA of the embedding at update 0): every "
              "later update and every centroid goes through the same linear map, so movement "
              "on screen is movement in z. Opacity follows each point's confidence max_j q_ij; "
              "× marks the centroids μ_j, the lines their path over the updates.")
"""Under the map: what its frame is, and what opacity, crosses and lines show."""

REPLAY_TEXT = ("Replay: every target update this run made, in the same fixed frame. Drag the "
               "slider, or press Play to show one update after another at the chosen pace; "
               "none is skipped.")
"""The replay slider's help."""


def pull_caption(arrow: Mapping | None, row: int) -> str:
    """How the chosen point's arrow is scaled, and what its length means, in numbers."""
    if arrow is None:
        return (f"No arrow on point #{row}: no pull at this update (every ∂L/∂z_i is 0 "
                "when the target P equals Q).")
    rel = arrow["norm"] / arrow["median"] if arrow["median"] > 0 else float("inf")
    plane = arrow["in_plane"] / arrow["norm"] if arrow["norm"] > 0 else 0.0
    return (f"Red arrow: the pull −∂L/∂z_i on point #{row} (the paper's eq. 4), through the "
            f"same frame, drawn {arrow['scale']:.3g}× its length. One scale for every point "
            f"and update of the run: at update {arrow['since']} the strongest pull spanned "
            f"{PULL_SHARE:.0%} of the map's width. "
            f"|∂L/∂z_i| = {arrow['norm']:.3g}, {rel:.1f}× the median point's; "
            f"{plane:.0%} of it lies in the map's plane.")


def grad_caption(share: Mapping) -> str:
    """What the class is seeing in :func:`explorer.live_map.figure.grad_share_figure`, in a few sentences."""
    edges = np.asarray(share["edges"])
    g, p = np.asarray(share["gradient"], float), np.asarray(share["points"], float)
    gap = share.get("p_gap")
    if g.sum() <= 0:
        return ("No pull: the target P equals Q everywhere"
                + (f" (the largest |p_ij − q_ij| is {gap:.0e}, float rounding)" if gap else "")
                + ", so every |∂L/∂z_i| is zero and no point is pulled.")
    ratio = np.where(p > 0, g / np.maximum(p, 1e-12), 0.0)
    top = int(np.argmax(ratio))
    cut = edges[-3]
    return (
        f"Points with confidence {edges[top]:.2f}–{edges[top + 1]:.2f} are {p[top]:.0%} of the "
        f"data and give {g[top]:.0%} of the gradient: per point, they are pulled hardest. "
        f"The most confident points (max q ≥ {cut:.2f}) are {p[-2:].sum():.0%} of the data "
        f"and give {g[-2:].sum():.0%}. A red bar taller than its grey one means those points "
        "pull more than their number. The pull on z_i is |∂L/∂z_i| = (α+1)/α · "
        "|Σ_j (p_ij − q_ij)(z_i − μ_j) / (1 + ‖z_i − μ_j‖²/α)| (the paper's eq. 4): large "
        "where the sharpened target p differs from q, zero where p = q.")


ARROWS_HELP = "A line from each point's position at the previous update to where it is now."
POINT_SIZE_HELP = ("Opacity always follows the confidence. Size can show it too, or each "
                   "point's weight in the loss: the norm of the gradient of KL(p_i‖q_i) with "
                   "respect to its code z_i.")
REPLAY_PLAY_HELP = ("Show the updates one after another at the chosen pace, from the first "
                    "(or from where the slider stands).")
REPLAY_SPEED_HELP = ("How long each update stays on screen while the replay plays (Step by "
                     "step's paces).")
LOCKSTEP_MAPS_CAPTION = ("Both maps go through the same fixed frame (PCA of the shared k-means "
                         "start) with the same axes, and show the same target update (a run "
                         "that stopped earlier stays at its last one).")


def data_space_caption(highlight: int | None = None) -> str:
    """The caption under the data-space map; ``highlight`` is the ringed point's row."""
    # no colour word for the ring: its colour is the theme's, named nowhere in words
    return ("The same points where they live, coloured by cluster: DEC's clusters as regions "
            "of the plane. Each background spot is pushed through the encoder and assigned "
            "to the nearest centroid by the Student's t kernel; strong colour = confident, "
            "pale = unsure."
            + (f" The ring is point #{int(highlight)}, the one chosen on the map."
               if highlight is not None else ""))


# ----- Lockstep page -----
def lockstep_refusal(reason: str, fixed: list[str] | None = None) -> str:
    """Why two runs cannot play in lockstep (:func:`explorer.analysis.lockstep.refusal`).

    Parameters
    ----------
    reason : {"no_settings", "start", "kmeans", "same"}
        A run without the app's settings; settings that change the start; the same
        settings but another k-means start; nothing that differs.
    fixed : list of str, optional
        With ``"start"``: the settings that differ (``"train.seed"``).
    """
    if reason == "no_settings":
        return ("One of these runs was saved without the app's settings, so whether it "
                "starts where the other does cannot be told.")
    if reason == "start":
        return ("These two runs do not share their start (data, network, seed, "
                "pretraining and autoencoder must be the same; only DEC settings such as "
                "the target's power, /f_j or α may differ). They differ in "
                f"{', '.join(fixed or [])}.")
    if reason == "kmeans":
        return ("These runs have the same settings for their start, but their k-means "
                "starts differ (e.g. one autoencoder was pretrained on another machine "
                "or library version), so they cannot be shown in one frame.")
    return ("These two runs have the same settings: lockstep shows what one setting "
            "changes (e.g. the target's power, /f_j or α).")


LOCKSTEP_JOBS_GONE = ("This pair's jobs are gone (the server restarted without them); start a "
                      "new pair.")


def lockstep_pair_help(pair_help: str) -> str:
    """A pair button's help: what the pair shows, then where its settings come from."""
    return (pair_help + " Both runs train now, from the settings of the Data, Model and "
                        "Train pages.")


# ----- Model page -----
MODEL_INTRO = ("A symmetric dense autoencoder d → hidden → embedding z → hidden → d, with ReLU "
               "inside and linear embedding and output layers; then DEC's clustering layer on z.")

MODEL_PRESET_HELP = {
    "Fast": "quick to train on a CPU; a good default for teaching demos.",
    "DEC paper": "the paper's network (Xie et al., 2016); slow on a CPU for big data.",
    "Tiny": "one small hidden layer; a first look in seconds.",
}
"""What each network preset is for, by the start of its name
(:data:`explorer.session.state.MODEL_PRESETS`)."""

HIDDEN_SIZES_HELP = ("Comma-separated layer widths from the first hidden layer to the "
                     "embedding, e.g. 500,500,2000,10; the decoder mirrors them. Usually 1-4 "
                     "hidden layers of 64-2000 units and an embedding of 2-20 (10 in the "
                     "paper). Press Enter to apply.")

DIAGRAM_CAPTION = ("Encoder in blue, the embedding z in red, decoder in green; box heights "
                   "follow the layer widths. ")

ALPHA_HELP = ("The shape of the soft assignment q_ij ∝ (1 + ||z_i - μ_j||² / α)^(-(α+1)/2). "
              "1, the paper's choice, gives heavy tails; a large alpha approaches a Gaussian "
              "kernel. Usually 1 (range 0.1-10).")


def preset_help(name: str, hidden_text: str) -> str:
    """A network preset button's help: its sizes and what it is for."""
    return f"Hidden sizes {hidden_text}: " + next(
        (v for k, v in MODEL_PRESET_HELP.items() if name.startswith(k)), "")


def model_cost_caption(dims: list[int], n_samples: int, batch: int, gflops: float) -> str:
    """How the Model page's time estimates are made, with this machine's numbers."""
    from dec_core import cost

    overhead = cost.STEP_OVERHEAD_S + cost.LAYER_OVERHEAD_S * 2 * (len(dims) - 1)
    return (f"Training costs ≈ 3 x forward = "
            f"{cost.human_count(cost.training_flops_per_sample(dims))} FLOPs per sample. "
            f"**Estimates**, for {n_samples:,} samples in batches of {batch}: this machine "
            f"multiplies float32 matrices at {gflops:.0f} GFLOP/s (NumPy, measured once); a "
            f"step costs its FLOPs at {cost.EFFICIENCY:.0%} of that rate plus about "
            f"{overhead * 1e3:.1f} ms of framework overhead (dec_core.cost). Expect the real "
            "time within a factor of about 1.5 (a busy server is slower).")


def clustering_phase_text(method: str = "dec", gamma: float = IDEC_GAMMA) -> str:
    """What happens to the decoder after pretraining, for DEC or IDEC.

    Parameters
    ----------
    method : {"dec", "idec"}, default="dec"
    gamma : float, default=:data:`dec_core.presets.IDEC_GAMMA`
        IDEC's coefficient of the clustering loss.

    Returns
    -------
    str
        One sentence (markdown) for the Model page.
    """
    if method == "idec":
        return ("The pretraining loss compares the reconstruction x̂ with x. **IDEC keeps the "
                "decoder**: it trains encoder, decoder and clustering layer together on "
                f"L = L_r + γ·KL(P‖Q) with γ = {float(gamma):g}, so the reconstruction loss "
                "L_r keeps the embedding faithful to the data.")
    return ("The pretraining loss compares the reconstruction x̂ with x. **DEC then drops the "
            "decoder** and refines the encoder with the clustering layer on L = KL(P‖Q) "
            "(IDEC, set on the Train page, keeps it).")



# ------------------------------------------------------------------ surprises, answered
KL_RISE_TEXT = (
    "Each point is the mean KL(P‖Q) per batch over the batches between two target updates, "
    "drawn at the update that ends them: one point per update, the batches inside are not "
    "drawn. The curve can rise before it falls: at every update P is recomputed from Q, "
    "sharper than the last, so the next interval trains towards a target farther from Q.")


def kl_caption(target_power: float = 2.0, normalize_frequency: bool = True) -> str:
    """The caption under the KL chart, true for the run's target.

    With power 1 and no division by f_j, P equals Q: KL(P‖Q) is 0 and the
    chart only shows floating-point rounding, so the rise-and-fall sentence
    would be false there.
    """
    if float(target_power) == 1.0 and not normalize_frequency:
        return ("Each point is the mean KL(P‖Q) per batch between two target updates. Here P "
                "equals Q (power 1, no / f_j), so KL(P‖Q) is 0: what the chart draws is "
                "floating-point rounding, not learning.")
    if float(target_power) > 1.0:
        return KL_RISE_TEXT
    # power <= 1 does not sharpen: only the division by f_j (or a flattening) moves P from Q
    how = ("reweighted by the cluster sizes f_j" if float(target_power) == 1.0
           else "flatter than Q (power below 1)")
    return ("Each point is the mean KL(P‖Q) per batch over the batches between two target "
            "updates, drawn at the update that ends them: one point per update, the batches "
            f"inside are not drawn. At every update P is recomputed from Q, {how}, so each "
            "interval trains towards a new target.")
NONCONVEX = ("moons", "circles")


def acc_ceiling_text(y, n_clusters: int) -> str | None:
    """Why ACC stays low with fewer clusters than classes, with the number (else None)."""
    if y is None:
        return None
    from dec_core.metrics import max_acc

    n_classes = len(np.unique(np.asarray(y)))
    k = int(n_clusters)
    if k >= n_classes:
        return None
    return (f"With k = {k} clusters for {n_classes} classes, ACC can be at most "
            f"{max_acc(y, k):.3f}: it matches each cluster to one class, so at best the "
            f"{k} largest classes count (about k / classes = {k / n_classes:.2f} when they "
            "are balanced).")


def nonconvex_text(dataset: str) -> str | None:
    """What to expect of DEC on the non-convex 2-D sets (else None)."""
    if dataset not in NONCONVEX:
        return None
    shapes = "two moons" if dataset == "moons" else "rings"
    return (f"What DEC gets wrong on {dataset}: its clusters are k-means-like (each point goes "
            f"to the nearest centroid in the embedding), so they cut the {shapes} with a line "
            "instead of following their shapes; the points on the wrong side of the cut are "
            "what ACC misses. Compare methods' N2D row (UMAP, then a Gaussian mixture) follows "
            "the shapes.")


def nonconvex_result_text(dataset: str, acc: float, n_samples: int) -> str | None:
    """After a run on a non-convex set: what the cut cost, in points (else None).

    Parameters
    ----------
    dataset : str
    acc : float
        The run's ACC.
    n_samples : int

    Returns
    -------
    str or None
    """
    if dataset not in NONCONVEX:
        return None
    wrong = round((1.0 - float(acc)) * int(n_samples))
    shapes = "moon" if dataset == "moons" else "ring"
    if wrong == 0:
        return f"ACC {acc:.3f}: every point is in its own {shapes}'s cluster, no cut went wrong."
    return (f"ACC {acc:.3f}: {wrong:,} of {int(n_samples):,} points ({percent(1 - acc)}) are not "
            f"in the cluster matched to their own {shapes}: there the cut goes across the "
            f"{shapes}s instead of between them.")


# ----- Train page -----
TRAIN_IDLE_TEXT = (
    "Press **Start** to train DEC on the current data and model. Charts appear here live. "
    "Training runs on the server, not in this tab: switch pages, refresh or close the tab and "
    "it goes on. If the server restarts, the job is kept: it shows here as interrupted, and "
    "**Resume** continues it from its last checkpoint.")
NO_TRAINING_TEXT = "No training yet: press **Start** to train on the current data and model."
NO_LABELS_TEXT = "No true labels: ACC / NMI / ARI cannot be computed for this data."

# Estimator parameters as Train's settings panel names them (the shipped-autoencoder note).
SETTING_LABELS = {"pretrain": "Scheme", "pretrain_epochs": "Epochs", "layer_epochs":
                  "Epochs per layer", "pretrain_batch_size": "Batch size", "pretrain_optimizer":
                  "Optimizer", "pretrain_lr": "Learning rate", "pretrain_schedule":
                  "Learning-rate schedule", "pretrain_noise": "Input noise",
                  "random_state": "Seed", "momentum": "Momentum"}


def shipped_difference_text(d: dict) -> str:
    """One way the settings differ from the shipped autoencoder's record, in words.

    ``d`` is one entry of :func:`dec_core.pretrained.mismatch` (``key``, ``value``,
    ``recorded``).
    """
    def dims(v):
        return "d-" + "-".join(str(h) for h in v[1:]) if v else "none"

    if d["key"] == "dims":
        return f"the network is {dims(d['value'])}, it was pretrained as {dims(d['recorded'])}"
    label = SETTING_LABELS.get(d["key"], d["key"])
    if d["key"] == "pretrain_steps":  # the record ran every epoch
        return (f"{label} {d['value']:,} stops pretraining before its epochs end; the shipped "
                "one ran them all")
    return f"{label} is {d['value']}, it was pretrained with {d['recorded']}"


def shipped_mismatch_text(differ: list[dict], data_name: str) -> tuple[str, str] | None:
    """Why Start will pretrain live although the shipped autoencoder was chosen.

    Returns ``("info", words)`` when the data are not the ones it was pretrained
    on, ``("warning", words)`` when a setting differs, None when it fits.
    """
    if differ and differ[-1]["key"] == "data":
        recorded, value = differ[-1]["recorded"], differ[-1]["value"]
        return "info", (f"The shipped autoencoder was pretrained on the built-in digits (all "
                        f"{recorded[0]:,} images), so it cannot serve {data_name} "
                        f"({value[0]:,} × {value[1]}): Start pretrains live.")
    if differ:
        return "warning", ("**The shipped autoencoder does not fit these settings**, so Start "
                           "pretrains live (slower, and a result of its own): "
                           + "; ".join(map(shipped_difference_text, differ))
                           + ". Settings → Reset to defaults brings it back.")
    return None


def cost_text(est, gflops: float, reuse: bool, update_budget: int | None) -> str:
    """Train's estimate before Start, from a :func:`dec_core.cost.estimate` ``est``.

    ``reuse``: the shipped autoencoder serves, so pretraining is skipped;
    ``update_budget``: the most rows the target updates embed in all.
    """
    pre = ("skipped: the shipped autoencoder" if reuse else
           f"≈ {human_seconds(est.pretrain_seconds)} ({est.pretrain_steps:,} steps"
           + (f", the step budget stops it after {est.pretrain_epochs_run} of "
              f"{est.pretrain_epochs} epochs" if est.capped else "") + ")")
    widened = (f"; a target update every {est.update_interval:,} batches instead of "
               f"{est.update_interval_asked:,}, so that the updates embed at most "
               f"{update_budget:,} rows in all"
               if est.update_interval > est.update_interval_asked else "")
    return (f"**Estimated cost** on this server ({gflops:.0f} GFLOP/s matmul): pretraining {pre} "
            f"· k-means ≈ {human_seconds(est.kmeans_seconds)} · DEC ≈ "
            f"{human_seconds(est.dec_expected_seconds)} (at most "
            f"{human_seconds(est.dec_seconds)}, {est.dec_steps:,} batches{widened}) · **total ≈ "
            f"{human_seconds(est.total_seconds)}** · peak memory ≈ "
            f"{human_bytes(est.peak_bytes)}. An estimate from the FLOP count: expect the "
            "real time within about 1.5x; a busy server is slower, and the ETA then follows "
            "the measured speed.")


def over_budget_text(total_seconds: float) -> str:
    """The warning above the one-click fixes of a run estimated past ``WARN_SECONDS``."""
    return (f"This run is estimated at **{human_seconds(total_seconds)}**, more than "
            f"{human_seconds(WARN_SECONDS)}. Start it anyway, or make it fit:")


def stale_text(what: str, state: str, active: bool) -> str:
    """Words for a job made with other settings than the current ones.

    ``what`` names its data and k (e.g. ``"moons, k = 2"``); ``state`` and
    ``active`` are the job's.
    """
    if active:
        return (f"This run was started with other settings ({what}); your changes apply to "
                "the next Start.")
    if state == "interrupted":  # not a stale result: Resume goes on with its own settings
        return (f"The interrupted run used other settings ({what}): **Resume** goes on with "
                "them; Start trains anew with the current ones.")
    return (f"From the previous run: {what}. The settings have changed since; press Start "
            "to train with the current ones.")


TRAIN_BUTTON_HELP = {
    "start": "Pretrain the autoencoder, run k-means in its embedding, then DEC.",
    "stop": "Stop now; the model keeps what it has learned and is saved.",
    "resume": ("Continue the interrupted training from its last checkpoint; it ends with the "
               "result an uninterrupted run gives."),
}
"""The help of Train's Start, Stop and Resume."""

FIT_HELP = {
    "both": ("Sets the step budget (Settings) and a stratified subsample (Data page): neither "
             "alone fits."),
    "steps": "Sets the step budget (Settings) so the estimate fits.",
    "rows": "A stratified subsample (Data page) whose estimate fits.",
}
"""The help of the one-click fixes of a run over budget."""

EXPORT_CAPTION = "Export — each chart also saves as PNG from its camera icon."
EXPORT_HELP = {
    "charts": "All training charts, interactive.",
    "labels": "index, cluster and true label of every sample.",
    "notebook": ("A Jupyter notebook (.ipynb) that reproduces this run with dec_core: the "
                 "data, this config, fit, the scores, the confusion matrix and a map of the "
                 "embedding."),
    "model": "The Keras model x -> (q, x_hat), with its ClusteringLayer.",
}
"""The help of a run's downloads (Train and Runs; the config's: :func:`config_help`)."""


def config_help(file_name: str) -> str:
    """The CLI config download's help, naming the file it saves."""
    return f"Reproduce this run headless: python -m dec_core run --config {file_name}"


def reused_autoencoder_text(source: str) -> str:
    """The caption of a run whose autoencoder was not pretrained here (``source`` says whence)."""
    return f"Autoencoder: {source}; its pretraining curve is drawn as recorded."


# ----- Train page: the settings panel -----
AUTOENCODER_CHOICES = {"shipped": "use the shipped pretrained autoencoder (skip to DEC)",
                       "live": "pretrain live"}
METHOD_LABELS = {"dec": f"DEC: L = {KL}", "idec": f"IDEC: {IDEC_FORMULA}"}
VARIANT_CUSTOM = "your own combination of the settings below."

_D = TRAIN_DEFAULTS  # the defaults the help quotes, never typed in
_DEC_SGD, _IDEC_SGD = METHOD_OPTIMIZER["dec"], METHOD_OPTIMIZER["idec"]
SETTING_HELP: dict[str, str] = {
    "autoencoder": (
        "The shipped autoencoder (assets/digits.npz, built by `python -m dec_core.pretrained "
        "build`) was pretrained on the built-in digits with the default network and "
        "pretraining settings and seed 0: it is used only when all of them match, and its "
        "recorded loss curve is drawn. Otherwise, or with 'pretrain live', pretraining runs "
        f"now. Default: {AUTOENCODER_CHOICES[_D['autoencoder']]}."),
    "pretrain": ("End to end trains the whole autoencoder at once (DEC-keras). Layer-wise "
                 "trains one denoising layer pair at a time with dropout 0.2, then fine-tunes "
                 "(the paper's way; slower)."),
    "pretrain_epochs": ("Passes over the data for end-to-end (fine-tuning) training. "
                        f"Default {_D['pretrain_epochs']}; 0 skips pretraining."),
    "pretrain_steps": ("The most gradient steps (batches) pretraining runs: the epochs stop "
                       "once this many batches ran, so big data stays bounded. Default "
                       f"{_D['pretrain_steps']:,}; the estimate below Start says what it costs."),
    "layer_epochs": f"Greedy layer-wise epochs for each layer pair. Default {_D['layer_epochs']}.",
    "pretrain_batch_size": (f"Samples per gradient step. Default {_D['pretrain_batch_size']}; "
                            "MNIST-sized data likes 256."),
    "pretrain_optimizer": ("Adam needs little tuning; SGD with momentum 0.9 is the reference's "
                           f"choice (lr ~1 with its init). Default {_D['pretrain_optimizer']}."),
    "pretrain_lr": f"Default {_D['pretrain_lr']:g} (Adam). Adam: 1e-4 to 3e-3. SGD: 0.01 to 1.",
    "pretrain_schedule": ("cosine decays the learning rate to 0 over the epochs (steadier end "
                          "points); constant keeps it fixed (the reference's choice). Default "
                          f"{_D['pretrain_schedule']}."),
    "pretrain_noise": ("Std of Gaussian noise added to inputs while pretraining (a denoising "
                       f"autoencoder). Default {_D['pretrain_noise']:g}, tuned on digits "
                       "(docs/benchmarks.md); 0 trains a plain autoencoder."),
    "method": (f"DEC drops the decoder and minimises {KL}. IDEC (Guo et al. 2017) keeps it and "
               f"minimises {IDEC_FORMULA}, where L_r is the reconstruction's mean squared "
               "error, so the embedding keeps the data's local structure. Default "
               f"{METHOD_LABELS[_D['method']]}."),
    "gamma": (f"Coefficient of the clustering loss in {IDEC_FORMULA}; the reconstruction loss "
              f"has weight 1. The IDEC paper uses {IDEC_GAMMA:g} (default {_D['gamma']:g})."),
    "update_interval": ("Batches between recomputing the target P on all data. The paper uses "
                        f"140 for MNIST; default {_D['update_interval']}."),
    "max_iter": ("Upper bound on DEC batches; tol usually stops earlier. "
                 f"Default {_D['max_iter']:,}."),
    "batch_size": (f"Samples per DEC step. Default {_D['batch_size']}; the paper uses 256 "
                   "for MNIST."),
    "learning_rate": ("SGD of the clustering phase. DEC: the paper's "
                      f"{_DEC_SGD['learning_rate']:g} with momentum "
                      f"{_DEC_SGD['momentum']:g}; IDEC: "
                      f"{_IDEC_SGD['learning_rate']:g} with momentum {_IDEC_SGD['momentum']:g} "
                      "(its authors' setting, docs/benchmarks.md), set when you pick IDEC."),
    "seed": "Random seed for weights, shuffling and k-means.",
    "augment": ("DEC-DA (Guo et al. 2018): 1 means random rotations in ±10°, scales in [0.9, "
                "1.1] and sub-pixel shifts of up to 10% of the side, in pretraining and "
                "clustering; ranges scale linearly; 0 is off."),
    "centroid_init": ("k-means in the embedding (the paper), or N2D's clusters: UMAP of the "
                      "embedding to k dimensions and a Gaussian mixture there; each centroid is "
                      "its cluster's mean in the embedding. The first UMAP of a worker compiles "
                      "code (~20 s)."),
    "n_restarts": ("Whole fits with different seeds (this many times the time); the kept one "
                   "is chosen without labels by the criterion."),
    "restart_criterion": "How the kept restart is chosen (labels are never used).",
}
"""The help of each Train setting, by its key in ``st.session_state['train']``."""


def tol_help(n_samples: int | None = None) -> str:
    """The help of the tolerance, with the share in points of ``n_samples`` rows."""
    return ("Stop when fewer than this share of points change cluster between two target "
            f"updates. Default {tol_text(_D['tol'], n_samples)}.")


def variant_help(square: bool) -> str:
    """The help of the variant box; ``square`` rows can take DEC-DA's augmentation."""
    return ("What each adds (measured on digits and 10k MNIST in docs/benchmarks.md): "
            + " ".join(f"**{spec['label']}**: {spec['help']}" for spec in VARIANTS.values())
            + (" DEC-DA needs square images (8x8, 28x28)." if not square else "")
            + " Default: DEC, the paper's method.")


# ----- Data page -----
DATA_INTRO = (
    "What DEC will cluster. The true labels never enter training. They are used in two "
    "places: the number of clusters defaults to the number of classes (choose another on the "
    "Model page), and after training they score the clusters (ACC, NMI, ARI) and colour the "
    "charts.")
FLATTENED_IMAGES = ("DEC sees each sample as a row of d numbers; images are flattened row by "
                    "row, so it knows nothing of neighbouring pixels.")


def data_dir_hint(name: str, folder) -> str:
    """Where MNIST / Fashion-MNIST are read from when they could not be loaded.

    ``folder`` is the server's ``DEC_DATA_DIR`` (None when unset).
    """
    where = (f"DEC_DATA_DIR is `{folder}`; put `{name}.npz` there" if folder else
             "Offline? Start the app with the environment variable DEC_DATA_DIR set to a "
             f"folder holding `{name}.npz`")
    return (f"{where} in the Keras layout (arrays x_train, y_train, x_test, y_test), e.g. "
            "`DEC_DATA_DIR=../shared/data streamlit run app.py`; or upload that .npz with "
            "'Upload a file'.")


LABEL_COLUMN_HELP = ("Which CSV column holds the true labels; it is taken out of the features. "
                     "auto-detect takes a column named label / y / target / class, or a last "
                     "column of text. Labels only score the clusters; at most 256 classes.")
UPLOAD_HELP = ("CSV: one sample per row, with or without a header, numbers only except an "
               "optional label column. NPY: an array (n, d) or images (n, h, w). NPZ: keys x "
               "(and y), or the Keras layout x_train/y_train/x_test/y_test. Never unpickled.")
CLASSES_HELP = "Distinct true labels; with n_clusters = 0 DEC looks for this many."
IMAGE_HELP = ("Height x width when each row is an image; no: a table of numbers (a short "
              "word: a metric's value never wraps, it is cut).")


def features_help(n_features: int) -> str:
    """The help of the Features metric."""
    return (f"d = {n_features:,}, the input width of the autoencoder (the Model page starts "
            "from it).")


# ----- k sweep (Data, Train, Model and Explore pages) -----
NO_STRUCTURE = "no more structure than noise"
"""The verdict's words when the sweep finds none (every page says it the same way)."""

CACHED_SPACE = ("the embedding of the autoencoder a training job already pretrained on "
                "these data with these settings")
"""Where the sweep ran when the job cache held an autoencoder for these data and settings."""

SWEEP_HEADING = "How many clusters, and are they real?"
SWEEP_RERUNNING = "Running the k sweep again, in the autoencoder training pretrained"

PRETRAIN_OFFER_TEXT = (
    "The button starts a training run with these settings (follow it on the Train page). "
    "Once its pretraining ends the autoencoder is cached, this sweep re-runs in its "
    "embedding, and later runs with these settings reuse it.")
"""What the pretraining button does, in words beside it."""


def sweep_intro_text(cost: str, by_itself: bool) -> str:
    """What the k sweep does and costs, before it runs (``cost``: :func:`sweep_cost_text`)."""
    return ("DEC returns as many clusters as you ask for, whether or not the data hold "
            f"any. The k sweep clusters the embedding with k-means for k = 2 ... {K_MAX} and "
            "plots the silhouette, the stability of resampled fits and a Gaussian "
            "mixture's BIC against k, then compares the data with a uniform reference "
            f"of the same shape (the gap statistic). It costs {cost}."
            + (" It runs by itself for an uploaded file." if by_itself else ""))


def sweep_cost_text(n_samples: int, n_features: int, width: int) -> str:
    """What the sweep will cost and on how many rows, before it runs."""
    from dec_core.cost import human_seconds, sweep_seconds
    from dec_core.selection import SWEEP_ROWS

    seconds = human_seconds(sweep_seconds(n_samples, n_features, width))
    rows = (f"a seeded subsample of {SWEEP_ROWS:,} of the {n_samples:,} rows"
            if n_samples > SWEEP_ROWS else f"all {n_samples:,} rows")
    return f"about {seconds} on this machine, on {rows}"


def pretrain_offer(sw: dict) -> str | None:
    """The label of the Data page's button that pretrains an autoencoder for the sweep.

    None when the sweep ran in an autoencoder's embedding (nothing to offer);
    else the same cost :func:`space_text` quotes (``sw["pretrain_seconds"]``).
    """
    from dec_core.cost import human_seconds

    if sw.get("pretrain_seconds") is None:
        return None
    return f"Pretrain an autoencoder (~{human_seconds(sw['pretrain_seconds'])})"


def pretraining_text(same_settings: bool) -> str:
    """The sweep panel's words while the owner's training job runs (no second one is offered).

    ``same_settings``: whether that job pretrains the autoencoder this sweep would
    run in (:func:`explorer.analysis.k_sweep.job_pretrains_for`).
    """
    if same_settings:
        return ("A training run with these data and settings is under way (Train page): "
                "when its pretraining ends, its autoencoder is cached and this sweep re-runs "
                "in its embedding.")
    return ("A training run with other data or settings is under way (Train page); "
            "pretraining one for these can start when it ends.")


def suggestion_text(sw: dict) -> str:
    """Why the suggested k: from the silhouette curve, with the figures shown."""
    k = sw["suggested_k"]
    j = sw["ks"].index(k)
    sil, stab = sw["silhouette"], sw["stability"]
    top = max(range(len(sil)), key=sil.__getitem__)
    if sw["rule"] == "peak":
        why = f"the highest silhouette ({sil[j]:.2f}); every larger k separates worse"
    elif sil[top] - sil[j] < 0.005:
        why = (f"the highest silhouette ({sil[j]:.2f}), though others come within 0.005 of "
               f"it (from {min(sil):.2f} to {max(sil):.2f} over k = {sw['ks'][0]} ... "
               f"{sw['ks'][-1]})")
    else:
        why = (f"the knee of the silhouette curve ({sil[j]:.2f} at k = {k}; the curve goes on "
               f"to {sil[top]:.2f} at k = {sw['ks'][top]}): past it, more clusters separate "
               "only a little better")
    agree = (f"Fits on resampled data agree with ARI {stab[j]:.2f} at k = {k}"
             + (" (1 = the same clusters every time)." if stab[j] >= 0.8 else
                ": different samples give noticeably different clusters."))
    text = f"**Suggested k = {k}**: {why}. {agree}"
    if sw["structure"] == "none":
        text += f" With {NO_STRUCTURE}, this k is a cut like any other."
    return text


def structure_text(sw: dict) -> str:
    """The verdict, "structure found" or "no more structure than noise", with its numbers."""
    gap, s, ks = sw["gap"]["gap"], sw["gap"]["s"], sw["gap"]["ks"]
    b = max(range(len(gap)), key=gap.__getitem__)
    if sw["structure"] == "none":
        split = max(range(1, len(gap)), key=gap.__getitem__)
        figures = (f"Gap(1) = {gap[0]:.2f} is the highest; the best split, k = {ks[split]}, "
                   f"reaches {gap[split]:.2f}" if b == 0 else
                   f"Gap(1) = {gap[0]:.2f}, and the best split, Gap({ks[b]}) = {gap[b]:.2f}, "
                   f"is within its standard error ({s[b]:.2f})")
        return (f"**These data have {NO_STRUCTURE}.** Against a uniform reference of the same "
                f"shape (the gap statistic), no split gains over one cluster: {figures}. DEC "
                "will still return k clusters; they are cuts through one cloud, not groups.")
    return (f"**Structure found.** Against a uniform reference of the same shape (the gap "
            f"statistic), Gap({ks[b]}) = {gap[b]:.2f} exceeds Gap(1) = {gap[0]:.2f} by more "
            f"than its standard error ({s[b]:.2f}): the data split better than noise does.")


def space_text(sw: dict) -> str:
    """Which rows the sweep ran on, and, when in no autoencoder's embedding, what one costs."""
    from dec_core.cost import human_seconds

    rows = (f"a seeded subsample of {sw['n_used']:,} of the {sw['n_total']:,} rows"
            if sw["n_used"] < sw["n_total"] else f"all {sw['n_total']:,} rows")
    text = f"Computed on {sw['space']}, {rows}, in {sw['seconds']:.1f} s."
    if sw.get("pretrain_seconds") is not None:
        text += (" Pretraining an autoencoder for these data and settings would cost about "
                 f"{human_seconds(sw['pretrain_seconds'])}: Start on the Train page does it, "
                 "and a sweep after it runs in its embedding, the space DEC clusters in.")
    return text


def no_structure_warning(k_setting: int, n_classes: int | None,
                         where: str = "(Data page)") -> str:
    """Train's and Explore's sentence when the sweep found no structure.

    ``k_setting`` is the Model page's ``n_clusters`` (0: the default); ``where``
    names the sweep: the Data page's, or Explore's own "on this run's data".
    """
    from dec_core.presets import default_n_clusters

    k = default_n_clusters(k_setting, n_classes)
    return (f"The k sweep {where} found {NO_STRUCTURE} in these data. DEC still returns "
            f"{k} clusters, but they are cuts through one cloud, not groups.")


def header_clusters(k_setting: int, n_classes: int | None, sw: dict | None, *,
                    bold: bool = False) -> str:
    """Where k comes from, for Train's header and the Model page.

    Parameters
    ----------
    k_setting : int
        The Model page's ``n_clusters`` (0: the default).
    n_classes : int or None
        The data's true classes (None: no labels, or not loaded).
    sw : dict or None
        The session's sweep on these data.
    bold : bool, default=False
        Write the number of clusters in bold (Markdown).
    """
    from dec_core.presets import default_n_clusters

    k = default_n_clusters(k_setting, n_classes)
    words = (f"**{k}**" if bold else f"{k}") + " cluster" + ("s" if k != 1 else "")
    if sw is not None and k == sw["suggested_k"]:
        return f"{words} (the k sweep's suggestion)"
    other = "" if sw is None else f"; the k sweep suggests {sw['suggested_k']}"
    if k_setting:
        return f"{words} (set on the Model page{other})"
    if n_classes:
        return f"{words} (as many as the labels' classes{other})"
    return (f"{words}: the default without labels; the Data page's k sweep suggests one"
            if sw is None else f"{words}: the default without labels; the k sweep suggests "
            f"{sw['suggested_k']}")


# ----- Explore page -----
CONFUSION_CAPTION = (
    "Each cluster is matched to one class (Hungarian algorithm). Column *j* holds the cluster "
    "matched to class *j*, so the diagonal holds the matched points: they are the ACC. A "
    "**none** column means no cluster is matched to that class; clusters matched to no class "
    "(more clusters than classes, or empty ones) come last, after the dotted line. The "
    "squares are the colours of the map and the galleries.")
GALLERY_CAPTION = (
    "Confidence is a sample's largest soft assignment q (its cluster's share). The most "
    "confident members show what a cluster stands for; the least confident are the "
    "borderline cases DEC is unsure about.")
SCORES_CAPTION = (
    "ACC: accuracy after matching clusters to classes (Hungarian). NMI: normalised mutual "
    "information. ARI: adjusted Rand index (0 = chance).")


def confidence_range_text(k: int) -> str:
    """Where a confidence (max q) can lie with ``k`` clusters."""
    return (f"With {k} clusters, a sample's confidence is at least 1/{k} = {1 / k:.2f} "
            "(no preference) and at most 1 (fully in one cluster).")


def evolution_caption(explained, with_centroids: bool) -> str:
    """How to read the evolution animation: one frame fixed at the k-means start.

    ``explained``: the share of update 0's embedding variance on each of the two axes.
    """
    return ("The frame is fixed once, at the k-means start: a PCA of the tracked points' "
            f"embedding at update 0 (its two axes hold {explained[0]:.0%} and "
            f"{explained[1]:.0%} of that embedding's variance). Every later update"
            + (" and every centroid" if with_centroids else "")
            + " goes through the same linear map, so movement on screen is movement in the "
            "embedding, and update 0 looks as clustered as k-means left it. Press Play or drag "
            "the slider: DEC pulls the points towards the centroids"
            + (" (×, with their path)" if with_centroids else "")
            + " while the centroids themselves move."
            + ("" if with_centroids else " This run was saved before centroids were "
               "recorded, so they are not drawn."))


def matching_notes(y_true, labels, class_names: list[str] | None = None,
                   limit: int = 3) -> list[str]:
    """Why a cluster is matched to a class that is not its largest, from the matrix's counts.

    The Hungarian matching (:func:`dec_core.metrics.cluster_acc`) gives each class
    one cluster so that the matched points are as many as possible; a cluster can
    thus be matched to its second class when another cluster holds more of its
    first. One sentence per such cluster (the ``limit`` with the most points of
    their largest class first).

    Returns
    -------
    list of str
        E.g. ``"cluster 1 holds 99 points of class 1 and 80 of class 8; the
        matching gives it 8 because cluster 7 took class 1 (150 points)..."``.
    """
    from dec_core.datasets import class_name
    from dec_core.metrics import cluster_acc, contingency

    counts, clusters, classes = contingency(y_true, labels)
    _, mapping = cluster_acc(y_true, labels, return_mapping=True)
    row = {int(c): i for i, c in enumerate(clusters.tolist())}
    col = {int(c): j for j, c in enumerate(classes.tolist())}
    owner = {cls: c for c, cls in mapping.items()}  # class -> the cluster matched to it
    found = []
    for c, cls in mapping.items():
        counts_c = counts[row[c]]
        top = int(classes[int(np.argmax(counts_c))])
        if top == cls or counts_c[col[top]] == counts_c[col[cls]]:
            continue
        other = owner[top]  # always matched: else giving c the class top would match more
        found.append((int(counts_c[col[top]]), (
            f"cluster {c} holds {int(counts_c[col[top]]):,} points of class "
            f"{class_name(class_names, top)} and {int(counts_c[col[cls]]):,} of class "
            f"{class_name(class_names, cls)}; the matching gives it "
            f"{class_name(class_names, cls)} because cluster {other} took class "
            f"{class_name(class_names, top)} ({int(counts[row[other], col[top]]):,} points), "
            "and each class gets one cluster.")))
    found.sort(key=lambda t: -t[0])
    return [text for _, text in found[:limit]]


PROJECTION_HELP = ("UMAP keeps neighbourhoods (its first run compiles code, ~20 s); PCA is a "
                   "fast linear view.")
COLOR_BY_HELP = ("Each class has one colour on every page (as on the Data page). A cluster "
                 "takes the colour of the class it is matched to (Hungarian), and its legend "
                 "entry says which: 'cluster 3 → 1'.")
POINTS_SHOWN_HELP = "UMAP on many points is slow; the sample is fixed per seed."
MAP_3D_CAPTION = ("Drag to rotate, scroll to zoom. Selection works in the 2-D view: turn 3-D "
                  "off to pick samples.")
SELECTION_HINT = ("Draw a box or a lasso around points (tools at the top right of the chart), "
                  "or click a point, to see those samples here. Double-click clears it.")
NO_CONFUSION_TEXT = "This data set has no true labels, so there is no confusion matrix."
NO_SNAPSHOTS_TEXT = ("This run has no embedding snapshots (they are recorded by the Train "
                     "page).")


def explore_header_text(name: str, on: str, method: str, n: int, k: int, dims: int,
                        stop: str | None) -> str:
    """What the run on Explore is: ``method`` put ``n`` samples in ``k`` clusters.

    ``on`` is ``" on <data set>"`` or empty; ``stop`` is :func:`stop_text`'s words.
    """
    return (f"**{name}**{on}: {method} put {n:,} samples in {k} clusters, through a "
            f"{dims}-d embedding." + (f" Training {stop}." if stop else ""))


def umap_pending_text(n_points: int) -> str:
    """The wait line while Explore's UMAP of ``n_points`` points computes."""
    return (f"Showing **PCA** while UMAP of {n_points:,} points computes (the first UMAP on "
            "this server also compiles code, ~20 s)")


def evolution_sampled_text(recorded: int, shown: int) -> str:
    """The caption when the evolution shows ``shown`` of ``recorded`` updates."""
    return f"{recorded} updates recorded; {shown} evenly spaced ones are shown."


# ----- Check stability (Explore page) -----
def stability_intro_text(dissolved: float, stable: float) -> str:
    """What Check stability does, with Hennig's (2007) thresholds on the best-match Jaccard."""
    return ("Is this clustering a property of the data, or of one random start? Check "
            "stability trains the same settings from other seeds and, for each cluster here, "
            "finds its best match in each new run (Jaccard index: shared rows over rows in "
            f"either). Hennig (2007): a mean at most {dissolved:g} means the cluster does not "
            f"survive; {stable:g} or more, it is stable.")


def stability_cost_text(seconds_each: float, seed: int, n: int) -> str:
    """The check's cost before it starts, from the run's own estimate (dec_core.cost).

    ``seed`` is the run's training seed; the check trains seeds ``seed + 1 ... seed + n``.
    """
    from dec_core.cost import human_seconds

    seeds = [str(int(seed) + i) for i in range(1, int(n) + 1)]
    named = ", ".join(seeds[:-1]) + " and " + seeds[-1] if len(seeds) > 1 else seeds[0]
    return (f"{n} more runs of these settings with seed{'s' if n > 1 else ''} {named} (this "
            f"run's: {int(seed)}), about {human_seconds(seconds_each)} each (about "
            f"{human_seconds(n * seconds_each)} in all when they run one after the other)")


def stability_summary_text(result: dict, dissolved: float, stable: float) -> str:
    """The ARIs and the clusters that do and don't survive, in words from the figures.

    ``result`` is :func:`explorer.analysis.stability.compare`'s; ``dissolved`` and
    ``stable`` the thresholds it flagged the clusters with.
    """
    ari = ", ".join(f"{a:.2f}" for a in result["ari"])
    words = f"ARI of this run against the reseeded runs: {ari}"
    if not math.isnan(result["ari_between"]):
        words += f"; between the reseeded runs: {result['ari_between']:.2f}"
    words += " (1 = the same partition)."
    k = len(result["mean_jaccard"])
    gone, kept = result["dissolved"], result["stable"]
    if gone:
        names = ", ".join(str(c) for c in gone)
        words += (f" {len(gone)} of {k} clusters do not survive reseeding "
                  f"(cluster{'s' if len(gone) > 1 else ''} {names}: best-match Jaccard ≤ "
                  f"{dissolved:g} on average)")
    else:
        words += f" Every cluster has a best match with Jaccard above {dissolved:g} on average"
    words += f"; {len(kept)} of {k} are stable (≥ {stable:g})."
    return words


def stability_flag_text(result: dict, dissolved: float) -> str:
    """Above Explore's tabs, once checked: the clusters that don't survive reseeding, or that
    every one does."""
    if result["dissolved"]:
        names = ", ".join(str(c) for c in result["dissolved"])
        one = len(result["dissolved"]) == 1
        return (f"Check stability: cluster{'' if one else 's'} {names} do{'es' if one else ''}"
                f" not survive reseeding (best-match Jaccard ≤ {dissolved:g}): see the "
                "Stability tab.")
    return (f":material/verified: Check stability: every cluster survives reseeding "
            f"(best-match Jaccard above {dissolved:g}); "
            f"{len(result['stable'])} of {len(result['sizes'])} are stable.")


STABILITY_NO_SETTINGS = ("This run was saved without the app's settings, so it cannot be "
                         "retrained here.")
STABILITY_UPLOAD_AGAIN = ("This run clustered an uploaded file: upload it again on the Data "
                          "page to check its stability.")
STABILITY_BUTTON_HELP = "Queues two training jobs; they run in the background like any Start."
STABILITY_RUNNING = ("The reseeded runs train in the background (see Runs); you can keep "
                     "exploring meanwhile.")


# ----- Compare page -----
COMPARE_NO_RUN = (
    "No run to compare yet. Train a model on the **Train** page (or open a saved run on "
    "the **Runs** page); this page then sets it beside k-means, IDEC and N2D on the same "
    "data and the same pretrained autoencoder.")
COMPARE_INTRO = (
    "All five cluster **the same samples** into the same number of clusters $k$. "
    "The four deep methods also share **one pretrained autoencoder** "
    "$f_\\theta$ (encoder) — they differ only in what they do with its embedding "
    "$z_i = f_\\theta(x_i)$.")
KMEANS_OBJECTIVE_LATEX = r"\min_{\mu}\ \sum_i \min_j \lVert x_i - \mu_j \rVert^2"
COMPARE_AE_KMEANS = ("**2. Autoencoder + k-means** — the same k-means, on the embedding $z_i$ "
                     "of the pretrained autoencoder. This is DEC's starting point.")
COMPARE_DEC = ("**3. DEC** (Xie et al., 2016) — starts from (2), then trains encoder and "
               "centroids together to match a sharpened target $P$ of the soft "
               "assignments $Q$ (Student's $t$):")
DEC_OBJECTIVE_LATEX = (r"q_{ij} \propto \Big(1 + \tfrac{\lVert z_i-\mu_j\rVert^2}{\alpha}\Big)"
                       r"^{-\frac{\alpha+1}{2}},\quad p_{ij} \propto \frac{q_{ij}^2 / f_j}"
                       r"{\sum_{j'} q_{ij'}^2 / f_{j'}},\quad L = \mathrm{KL}(P\,\|\,Q)")
COMPARE_IDEC = ("**4. IDEC** (Guo et al., 2017) — DEC that keeps the decoder $g$: the "
                "reconstruction loss keeps weight 1 and the clustering loss is scaled by "
                "$\\gamma$, so the embedding cannot drift away from the data while it is "
                "pulled towards the clusters:")
COMPARE_N2D = ("**5. N2D** (McConville et al., 2020) — no self-training: UMAP "
               f"(`n_neighbors={N2D_NEIGHBORS}`, `min_dist=0`) learns the *local manifold* of the "
               "pretrained embedding in $k$ dimensions, and a Gaussian mixture with full "
               "covariances clusters it.")
COMPARE_SCORES = ("**Scores** — ACC matches clusters to classes one to one (Hungarian) and "
                  "counts the matched share; NMI and ARI compare the partitions and ignore "
                  "the cluster numbers. All are 1 for a perfect clustering; ARI is about 0 "
                  "for a random one. The colours use the same matching: each class keeps its "
                  "colour on every page, and a cluster takes the colour of the class it is "
                  "matched to, so the same colour means the same class in every panel.")
COMPARE_SEED_HELP = (
    "Random seed of k-means on raw data, N2D (UMAP and the mixture) and the 2-D views. "
    "DEC and IDEC keep the seed they were trained with.")
COMPARE_FRAME_HELP = (
    "One shared 2-D map of the pretrained embedding for every panel, so panels differ "
    "only in their colours. UMAP keeps neighbourhoods (computed by Compute k-means "
    "and N2D; PCA is shown until then); PCA is a fast linear view.")
COMPARE_TIME_HELP = (
    "Seconds of the method's own step. The deep methods also share the "
    "autoencoder pretraining, not counted here; a variant's row is its "
    "whole fit, pretraining included.")
COMPARE_CLUSTERS_HELP = "Non-empty clusters: a method can leave some of the k empty."
COMPARE_NOT_PRETRAINED = (
    "This run was saved without the pretrained embedding (an older run), so N2D and "
    "the 2-D views use its final DEC embedding instead.")


def compare_kmeans_text(n_init: int) -> str:
    """The explainer's line on k-means on raw data (``n_init`` restarts)."""
    return (f"**1. k-means on raw data** — no network: k-means ({n_init} "
            "restarts) on the pixels / features, minimising")


def compare_variants_text(variants: dict) -> str:
    """The explainer's list of DEC variants, ``{name: {"label", "help"}}``."""
    return ("**Variants of DEC** (rows below the five; each a background job on this "
            "run's data and settings, time = the whole fit, since a variant can change "
            "pretraining):\n"
            + "\n".join(f"- **{v['label']}** — {v['help']}" for v in variants.values()))


def compare_compute_help(n_init: int) -> str:
    """The help of "Compute k-means and N2D"."""
    return (f"Run k-means on the raw data ({n_init} restarts) and N2D (UMAP to k "
            "dimensions + Gaussian mixture) on the pretrained embedding, and a UMAP 2-D "
            "view, in the background: the page stays usable. Seconds on digits; the "
            "first UMAP of the server compiles code (~20 s). Results are kept.")


def compare_train_button(companion: str, gamma: float, can_train: bool) -> tuple[str, str]:
    """``(label, help)`` of the button that trains the run's DEC / IDEC companion."""
    if companion == "idec":
        label = f"Train IDEC (γ = {gamma:g})"
        text = ("Train IDEC (Guo et al., 2017) as a background job: the same model, with "
                "the decoder kept during clustering, minimising L = L_r + γ·KL(P‖Q) "
                f"(γ = {gamma:g}). Data, autoencoder and every other setting "
                "are this run's, so the pretrained autoencoder is reused when it is still "
                "in this server's cache (then only the clustering phase runs).")
    else:
        label = "Train DEC"
        text = ("This run is IDEC; train plain DEC (L = KL(P‖Q), the decoder dropped) "
                "with every other setting the same, as a background job that reuses the "
                "pretrained autoencoder when cached.")
    return label, text + ("" if can_train else
                          " Upload the run's file again on the Data page first.")


def compare_variants_help(variants: dict) -> str:
    """The help of "Train the variants", ``{name: {"label", "help"}}``."""
    return ("Train each DEC variant not trained yet on this run's data and settings, as "
            "background jobs (queued, one after another): "
            + " ".join(f"**{v['label']}**: {v['help']}" for v in variants.values())
            + " Each row's time is its whole fit.")


def compare_pretrain_note(seconds: float, pretrained_here: bool, source: str | None,
                          max_fit: int) -> str:
    """The caption under the scores: what the time column counts.

    Parameters
    ----------
    seconds : float
        The run's pretraining time.
    pretrained_here : bool
        Whether the run pretrained its autoencoder (it has a pretraining history).
    source : {"live", "shipped", "cached"} or None
        Where the run's autoencoder came from (``extra["autoencoder"]``).
    max_fit : int
        The rows N2D's UMAP is fitted on at most.
    """
    pre = (f"the autoencoder pretraining they share took {seconds:.1f} s"
           if pretrained_here and source in (None, "live")
           else "this run started from the shipped pretrained autoencoder "
                "(assets/digits.npz), so none pretrained here" if source == "shipped"
           else "this run reused an autoencoder pretrained by an earlier run")
    return (f"Highlighted: the best value of each score. Time is each method's own step on "
            f"this server; {pre}. N2D's UMAP is fitted on at most {max_fit:,} points.")


def compare_map_caption(shown: int, n: int, frame: str, pretrained: bool, has_labels: bool,
                        reference: str) -> str:
    """The caption of the 2-D panels: what places the points and what colours them."""
    where = "pretrained" if pretrained else "final"
    return (f"{shown:,} of {n:,} points, placed by a {frame} map of the {where} embedding; "
            "only the colours change between panels. "
            + ("Each class keeps its colour (as on the Data and Explore pages); a cluster "
               "takes the colour of the class it is matched to (hover a point: "
               "'cluster 3 → 1')." if has_labels else
               f"No labels: clusters take the colour of the {reference} cluster they "
               "overlap most."))


def compare_header_text(name: str, on: str, n: int, k: int, dims: int, method: str,
                        gamma: float | None = None) -> str:
    """What the run on Compare is; ``gamma`` is an IDEC run's (None for others)."""
    gamma_note = f" with γ = {gamma:g}" if gamma is not None else ""
    return (f"**{name}**{on}: {n:,} samples in {k} clusters, a {dims}-d embedding. This run "
            f"is **{method}**{gamma_note}.")


def compare_reused_text(method: str, run_name: str) -> str:
    """The companion row came from an earlier run with the same settings."""
    return f"{method}: using the run trained earlier with the same settings ({run_name})."


def compare_no_labels_text(method: str) -> str:
    """Why Compare's scores are agreement with the run's own ``method`` clusters."""
    return ("This data has no true labels, so ACC cannot be computed: NMI and ARI are measured "
            f"against this run's clusters ({method}) instead — agreement, not accuracy.")


def compare_pca_text(umap_state: str) -> str:
    """Why the map is PCA although UMAP is chosen.

    ``umap_state`` is ``"computing"``, ``"absent"`` (never asked for) or ``"failed"``.
    """
    why = {"computing": "it is being computed",
           "absent": "press **Compute k-means and N2D** to compute it",
           "failed": "it failed"}[umap_state]
    return f"Showing **PCA**, although UMAP is selected: {why}."


# ----- The pages' own words (Data, Model, Train's header, Runs, Lockstep, Explore) -----
DATASET_NAMES = {
    "digits": "Digits 8x8 (built in, 1,797 images)",
    "mnist": "MNIST 28x28 (70,000 images)",
    "fashion_mnist": "Fashion-MNIST 28x28 (70,000 images)",
    "blobs": "Blobs (synthetic, convex)",
    "moons": "Two moons (synthetic, non-convex)",
    "circles": "Circles (synthetic, non-convex)",
    "imbalanced_blobs": "Imbalanced blobs (synthetic, 10 : 10 : 1)",
    "file": "Upload a file (CSV / NPY / NPZ)",
}
"""The Data page's data sets, in menu order, with their menu names."""
DATASET_HELP = ("Digits needs nothing else and trains in seconds. MNIST and Fashion-MNIST read "
                "DEC_DATA_DIR (or download). Synthetic sets show where k-means-style clustering "
                "struggles (moons, circles), and what the division by the cluster size f_j does "
                "(imbalanced blobs: one blob a tenth the size of the others).")
SCALE_HELP = ("auto: pixels to [0, 1], tabular columns standardised (mean 0, sd 1). minmax maps "
              "each column (images: all pixels) to [0, 1]; standard gives each column mean 0 "
              "and sd 1; none keeps the raw values.")
SEED_HELP = ("Seed of the subsample and of synthetic data (any integer, 0-1,000,000); the same "
             "seed gives the same samples.")
UPLOAD_PROMPT = "Choose a CSV, NPY or NPZ file to preview it here."


def subsample_help(points: Mapping[str, int]) -> str:
    """The Data page's sample size help; ``points``: each synthetic set's default size."""
    return ("A seeded, class-stratified subsample keeps training quick: 2,000-10,000 samples "
            "train in a minute or two on a CPU; MNIST has 70,000. For synthetic sets, how many "
            f"points to draw (0 = {points['blobs']:,} blobs, {points['moons']:,} moons or "
            f"circles, {points['imbalanced_blobs']:,} imbalanced blobs). At least 2 (3 for "
            "imbalanced blobs).")


def noise_help(name: str, default: float) -> str:
    """The noise slider's help for synthetic set ``name`` (default noise ``default``)."""
    spread = ("the std of each blob (usually 0.5-2)" if name.endswith("blobs")
              else "the jitter of the points (usually 0.02-0.2)")
    return f"Spread of the points: {spread}; default {default}. More noise, harder clusters."


def load_failed_text(err: Exception) -> str:
    """The Data page's error for a loader failure that is not a bad setting."""
    return f"The data could not be loaded: {type(err).__name__}: {err}"


def model_no_data_text(err: Exception) -> str:
    """The Model page's error when the data set cannot be loaded."""
    return f"The data set cannot be loaded, so the input width d is unknown: {err}"


MODEL_NO_DATA_HINT = "Pick a data set that loads on the Data page."
PARAMETERS_HELP = ("Weights and biases of the encoder and the decoder (the clustering layer "
                   "adds k x embedding size centroids).")
FLOPS_HELP = ("One forward pass through encoder and decoder, 2 FLOPs per weight. A training step "
              "costs about 3x.")
ALPHA_PAPER_NOTE = "The paper keeps α = 1 and does not tune it."


def hidden_error_text(error: str, valid: str) -> str:
    """A bad hidden-sizes entry: why, and the sizes that stay in use."""
    return f"{error} The last valid sizes stay in use: {valid}."


def epoch_time_help(est, batch: int) -> str:
    """Help of the Model page's time per epoch (``est``: :func:`dec_core.cost.estimate`)."""
    return (f"{est.steps_per_epoch:,} steps of {batch} samples at "
            f"{est.pretrain_step_seconds * 1e3:.2f} ms each: see the note below.")


def pretrain_time_help(est, train: Mapping) -> str:
    """Help of the Model page's pretraining time, with the step budget when it cuts in."""
    cut = (f", stopped by the step budget of {int(train['pretrain_steps']):,} after "
           f"{est.pretrain_epochs_run}" if est.capped else "")
    return (f"{est.pretrain_steps:,} gradient steps: {est.pretrain_epochs} epochs (set on the "
            f"Train page){cut}. The Train page shows the whole run's estimate before Start.")


def n_clusters_help(n_labels: int | None) -> str:
    """Help of the Model page's k input."""
    return ("k, the number of centroids, usually 2-50. 0 uses the number of true labels "
            f"({n_labels or f'none here, so {default_n_clusters(0, None)}'}). At most the number "
            "of samples.")


def header_text(data: Mapping, model: Mapping, n_classes: int | None,
                sw: dict | None) -> str:
    """Train's header: the data, the network and where k comes from."""
    n_txt = f"{data['n_samples']:,} samples" if data["n_samples"] else "all samples"
    return (f"**{data['name']}** ({n_txt}) · autoencoder d-"
            + "-".join(str(h) for h in model["hidden"]) + " · "
            + header_clusters(int(model["n_clusters"]), n_classes, sw)
            + " · change them on the Data and Model pages.")


RUNS_JOBS_NOTE = ("Jobs keep running when you leave or refresh; the Train page shows the latest "
                  "one live.")
RUNS_NONE_YET = ("No saved runs yet. Every training you start on the Train page is saved here "
                 "when it finishes or you stop it (even if you close the tab).")
RUNS_SELECT_HINT = ("Select one run to open or download it, or several to compare them side by "
                    "side.")
RUNS_LOCKSTEP_HELP = ("The two maps side by side, update by update, in one frame, with one "
                      "replay.")


def runs_differ_text(differ: list[str]) -> str:
    """The runs table's caption: the settings its columns show besides the data."""
    return ("Besides the data, the table shows the settings in which the listed runs differ: "
            f"{', '.join(differ)}.")


def runs_named_text(same: list[str]) -> str:
    """Side by side: how the selected runs are named (by the settings in which they differ)."""
    return ("Each run is named by what differs between the selected runs"
            + (f" ({', '.join(same)})." if same else "; these have the same settings."))


LOCKSTEP_INTRO = ("Two runs with the same start (data, network, seed, autoencoder: the same "
                  "k-means centroids), one DEC setting apart, at the same target update in one "
                  "frame.")
LOCKSTEP_NO_PAIR = ("No pair yet: start one above, or select two runs on the **Runs** page and "
                    "press **Play in lockstep**.")
EXPLORE_NO_RUN = ("No run to explore yet. Train a model on the **Train** page, or open a saved "
                  "run on the **Runs** page.")
EXPLORE_NO_EMBEDDING = ("This run was saved without its embedding (the data was not given to "
                        "save_run), so there is nothing to explore.")
