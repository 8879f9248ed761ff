"""The ``dec-explorer`` command: start the app, or run the engine's command line.

::

    dec-explorer [streamlit options] [-- script args]   start the app (``streamlit run``)
    dec-explorer run ...                                 the engine's CLI (``python -m dec_core``)

Any first word that is a command of :mod:`dec_core.cli` (``run``, ``bench``) goes to
the engine; everything else is passed to ``streamlit run`` after the app's own
settings (``.streamlit/config.toml``), so ``dec-explorer --server.port 8600`` wins
over them. The app is found with :func:`app_dir`: the repository in a checkout, the
``dec_explorer_app`` package of an installed wheel (see pyproject.toml).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

APP_PACKAGE = "dec_explorer_app"  # the wheel's copy of app.py, pages/ and .streamlit/
CONFIG = Path(".streamlit") / "config.toml"


def app_dir() -> Path:
    """The folder holding ``app.py``, ``pages/`` and ``.streamlit/config.toml``.

    The repository beside this package when it is a checkout (so a checkout runs
    its own pages), else the installed :data:`APP_PACKAGE` (read with
    :mod:`importlib.resources`).

    Raises
    ------
    FileNotFoundError
        Neither holds ``app.py`` (a broken install).
    """
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "app.py").is_file() and (checkout / "pyproject.toml").is_file():
        return checkout
    try:
        packaged = resources.files(APP_PACKAGE)
    except ModuleNotFoundError:
        packaged = None
    app = packaged / "app.py" if packaged is not None else None
    if app is not None and app.is_file():  # a namespace package: a Path once joined
        return Path(str(app)).parent
    raise FileNotFoundError(f"The app (app.py) is neither in {checkout} nor in the "
                            f"installed package {APP_PACKAGE}: reinstall dec-explorer.")


def _flag_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_flags(folder: Path) -> list[str]:
    """The app's ``.streamlit/config.toml`` as ``streamlit run`` flags.

    Streamlit reads that file only from the current folder, and an installed app
    is started from anywhere, so its settings (no file watcher, the sidebar menu,
    the upload cap, ...) travel as flags.
    """
    path = folder / CONFIG
    if not path.is_file():
        return []
    import tomllib  # Python >= 3.11

    with path.open("rb") as f:
        config = tomllib.load(f)
    return [f"--{section}.{key}={_flag_value(value)}"
            for section, table in config.items() if isinstance(table, dict)
            for key, value in table.items()]


def engine_commands() -> set[str]:
    """The subcommands of ``python -m dec_core`` (:func:`dec_core.cli.build_parser`)."""
    from dec_core.cli import build_parser

    return {name for action in build_parser()._actions
            if isinstance(action, argparse._SubParsersAction) for name in action.choices}


def streamlit_args(argv: list[str]) -> list[str]:
    """The arguments of ``streamlit`` that start the app with ``argv`` passed through."""
    folder = app_dir()
    return ["run", str(folder / "app.py"), *config_flags(folder), *argv]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``dec-explorer``; see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0] + "\n\n" + "\n".join(
            line.strip() for line in __doc__.split("::")[1].strip().splitlines()[:2]))
        print("\nSee `dec-explorer run --help` and `streamlit run --help` for the options.")
        return 0
    if argv and argv[0] in engine_commands():
        from dec_core.cli import main as engine_main

        return engine_main(argv)
    from explorer.compat import streamlit_main

    return streamlit_main(streamlit_args(argv), prog_name="dec-explorer")


if __name__ == "__main__":
    sys.exit(main())
