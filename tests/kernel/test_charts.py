"""Every chart module draws with the one theme of kernel.charts."""

from __future__ import annotations

import altair as alt

from cxpilot.kernel import charts


def _chart() -> alt.Chart:
    return alt.Chart(alt.Data(values=[{"a": 1, "b": "x"}])).mark_bar().encode(x="a:Q", y="b:N")


def test_finish_applies_the_theme_and_keeps_the_chart():
    spec = charts.finish(_chart())
    assert spec["mark"] == {"type": "bar"}
    assert spec["data"] == {"values": [{"a": 1, "b": "x"}]}
    config = spec["config"]
    assert config["font"] == charts.FONT
    assert config["view"]["stroke"] is None
    assert config["axis"] == {"labelFontSize": 11, "titleFontSize": 12}
    assert config["legend"] == {"labelFontSize": 11, "titleFontSize": 12}
    assert config["header"] == {"labelFontSize": 12}


def test_label_limit_widens_axis_and_legend_labels_only():
    config = charts.finish(_chart(), label_limit=260)["config"]
    assert config["axis"]["labelLimit"] == config["legend"]["labelLimit"] == 260
    assert "labelLimit" not in config["header"]


def test_the_chart_modules_use_the_theme():
    from cxpilot.analytics import charts as dashboard
    from cxpilot.maturity import charts as maturity
    from cxpilot.verbatims import charts as verbatims

    for module in (dashboard, maturity, verbatims):
        assert module.finish is charts.finish
        assert not hasattr(module, "FONT")
    row = {"campaign": "2025", "date": "2025-01-01", "score": 50.0, "level_label": "Defined"}
    history = maturity.history_spec([row])
    assert history["config"] == charts.finish(_chart())["config"]
