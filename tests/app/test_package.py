"""The installable app: a wheel, installed in a fresh venv outside the checkout, runs.

``pip wheel . --no-deps`` (of a copy of the checkout, so no stale ``build/`` of the
tree leaks in), then an install with ``--no-deps`` into a new venv in a temporary
folder. The venv borrows the dependencies already installed for the tests through
a ``.pth`` file (like ``--system-site-packages``, but for this interpreter's own
site-packages), so TensorFlow is not downloaded again; a ``.pth`` line adds a folder
to ``sys.path`` without running that folder's ``.pth`` files, so the checkout's
editable install stays out, and the venv's own site-packages come first.

Then, from that venv and a folder outside the checkout (no ``PYTHONPATH``):
``dec-explorer`` serves the app headless (``/_stcore/health`` answers ``ok`` and the
page's script runs), and the shipped autoencoder loads from the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.browser import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.package

# What the wheel must carry besides dec_core/ and explorer/ (pyproject.toml maps them).
PACKAGE_DATA = ["dec_core/assets/digits.npz", "dec_core/assets/digits.json",
                "dec_core/assets/icon.svg", "dec_explorer_app/app.py",
                "dec_explorer_app/.streamlit/config.toml", "dec_explorer_app/pages/train.py"]
NO_INDEX = ("No matching distribution", "Could not find a version", "Network is unreachable",
            "Failed to establish a new connection", "Temporary failure in name resolution")


def _copy_checkout(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    "runs", "test-artifacts", "bench-results", ".pytest_cache",
                                    ".ruff_cache", "tests", "docs", "scripts")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _build_wheel(src: Path, out: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        text = done.stdout + done.stderr
        if any(s in text for s in NO_INDEX):  # no registry for the build backend
            again = subprocess.run(cmd + ["--no-build-isolation"], capture_output=True,
                                   text=True, timeout=600)
            if again.returncode != 0:
                pytest.skip("no package registry and no local wheel tooling (setuptools>=77): "
                            + again.stderr.strip().splitlines()[-1])
        else:
            pytest.fail(f"pip wheel failed:\n{text}")
    wheels = list(out.glob("dec_explorer-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True,
                   timeout=120)
    python = path / "bin" / "python"
    site = subprocess.run([str(python), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (Path(site) / "_dec_explorer_test_deps.pth").write_text("\n".join(ours) + "\n")
    return python


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``(python, bin_dir, env, cwd)`` of a fresh venv with the built wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(_copy_checkout(tmp / "src"), tmp / "dist")
    names = set(__import__("zipfile").ZipFile(wheel).namelist())
    missing = [n for n in PACKAGE_DATA if n not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert not any(n.startswith(("tests/", "docs/", "scripts/")) for n in names)
    python = _fresh_venv(tmp / "venv")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DEC_RUNS_DIR=str(tmp / "runs"), PYTHONNOUSERSITE="1")
    cwd = tmp / "elsewhere"
    cwd.mkdir()
    return python, python.parent, env, cwd


def test_installed_app_serves_and_uses_the_shipped_autoencoder(installed):
    python, bindir, env, cwd = installed
    site = str(python.parents[1])
    # The engine, the app and the shipped autoencoder come from the venv, not the checkout.
    check = (
        "import dec_core, explorer, sys\n"
        "from dec_core import pretrained\n"
        "from explorer.launch import app_dir\n"
        "from explorer.session.state import DATA_DEFAULTS, MODEL_DEFAULTS, TRAIN_DEFAULTS, dec_params\n"
        "from dec_core.datasets import load_dataset\n"
        "data = load_dataset(DATA_DEFAULTS['name'])\n"
        "params = dec_params(MODEL_DEFAULTS, TRAIN_DEFAULTS, data.n_features, data.n_classes)\n"
        "shipped = pretrained.find(data.x, params)\n"
        "assert shipped is not None, 'the default settings do not pick the shipped autoencoder'\n"
        "print(dec_core.__file__, explorer.__file__, pretrained.ASSETS, app_dir(), sep='\\n')\n"
    )
    done = subprocess.run([str(python), "-c", check], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    paths = done.stdout.strip().splitlines()[-4:]
    assert all(p.startswith(site) for p in paths), (paths, site)
    assert not any(p.startswith(str(ROOT)) for p in paths)

    # `dec-explorer run --help` is the engine's CLI.
    cli = subprocess.run([str(bindir / "dec-explorer"), "run", "--help"], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and "--pretrain-epochs" in cli.stdout, cli.stderr

    # `dec-explorer` serves the app headless; extra arguments pass through to streamlit.
    port = free_port()
    log = cwd / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(bindir / "dec-explorer"), "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1"], cwd=cwd, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    try:
        health, deadline = None, time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    health = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", log.read_text()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    # The installed app's script and its first page run (Streamlit's AppTest, no browser).
    page = (
        "from streamlit.testing.v1 import AppTest\n"
        "from explorer.launch import app_dir\n"
        "at = AppTest.from_file(str(app_dir() / 'app.py'), default_timeout=120).run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "print('titles:', [t.value for t in at.title])\n"
    )
    done = subprocess.run([str(python), "-c", page], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "titles: [" in done.stdout
