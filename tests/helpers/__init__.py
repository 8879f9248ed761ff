"""Helpers the tests share: a real browser and server (``browser``), a small saved run
(``fake_run``), in-memory NPY / NPZ files (``filebytes``). Fixtures live in the
``conftest.py`` files: ``tests/conftest.py`` for every test."""
