def test_a_change_of_a_percentage_is_in_points():
    from cxpilot.analytics.charts import change_label

    label = change_label({"delta": -7.2, "significant": False}, "csat")
    assert label.startswith("−7.2 pts") and "%" not in label
