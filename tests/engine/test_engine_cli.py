"""The CLI's IDEC switches reach the estimator."""

from dec_core.cli import build_parser, resolve_config
from dec_core.presets import DEC_KEYS


def test_method_and_gamma_flags():
    args = build_parser().parse_args(["run", "--dataset", "digits", "--method", "idec",
                                      "--gamma", "0.2"])
    config = resolve_config(args)
    assert (config["method"], config["gamma"]) == ("idec", 0.2)
    assert {"method", "gamma"} <= set(DEC_KEYS)


def test_gamma_help_names_the_clustering_loss():
    text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "--method {dec,idec}" in text
    assert "coefficient of the clustering loss" in " ".join(text.split())


def test_package_exports_the_divergence_warning():
    import dec_core
    from dec_core.estimator import DivergenceWarning

    assert dec_core.DivergenceWarning is DivergenceWarning
    assert issubclass(DivergenceWarning, UserWarning)
