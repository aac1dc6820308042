"""The VoC dashboard and its drill-down to the verbatims, through HTTP, over a small warehouse
(DuckDB, or PostgreSQL in the second pass)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from urllib.parse import parse_qs, urlparse

import pyarrow as pa
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cxpilot.analytics import charts, dashboard, selectors
from cxpilot.analytics.metrics import metric_groups
from cxpilot.warehouse.ingest import load_arrow
from tests.hostile import HOSTILE, HOSTILE_ESCAPED

pytestmark = pytest.mark.warehouse

# website NPS: January 30 (50 P / 20 D of 100), February 0 (30 / 30): a significant drop;
# March 1 (31 / 30): a change that is noise. The store has ten answers (too few to read).
WEBSITE = {
    "2025-01": [10] * 50 + [8] * 30 + [3] * 20,
    "2025-02": [9] * 30 + [7] * 40 + [0] * 30,
    "2025-03": [9] * 31 + [7] * 39 + [0] * 30,
}
STORE = {"2025-01": [10] * 6 + [2] * 4}


def _rows() -> list[dict]:
    rows = []
    for touchpoint, months, channel in (("website", WEBSITE, "web"), ("store", STORE, "store")):
        for month, scores in months.items():
            for i, score in enumerate(scores):
                rows.append(
                    {
                        "response_id": f"{touchpoint}-{month}-{i:03d}",
                        "customer_id": f"c{i % 40}",
                        "touchpoint": touchpoint,
                        "timestamp": f"{month}-{1 + i % 27:02d} {8 + i % 10:02d}:{i % 60:02d}:00",
                        "metric": "nps",
                        "score": score,
                        "source": "s",
                        "channel": channel,
                        "language": "en" if i % 4 == 0 else "fr",
                        # every fifth answer has a comment; one of them is hostile
                        "verbatim": (
                            (
                                HOSTILE
                                if (touchpoint, month, i) == ("website", "2025-02", 7)
                                else None
                            )
                            or (f"{touchpoint} {month} comment {i}" if i % 5 == 0 else None)
                        ),
                    }
                )
    # a CES answer, so the metric selector has something else to show
    rows.append(
        {
            "response_id": "ces-1",
            "customer_id": "c1",
            "touchpoint": "call_centre",
            "timestamp": "2025-03-10 09:00:00",
            "metric": "ces",
            "score": 6,
            "source": "s",
            "channel": "phone",
            "language": "fr",
            "verbatim": "easy call",
        }
    )
    return rows


def _table(rows: list[dict]) -> pa.Table:
    table = pa.Table.from_pylist(rows)
    index = table.column_names.index("timestamp")
    return table.set_column(index, "timestamp", table.column("timestamp").cast(pa.timestamp("us")))


@pytest.fixture
def data(org):
    rows = _rows()
    load_arrow(table="responses", data=_table(rows))
    customers = [
        {"customer_id": f"c{i}", "source": "s", "segment": "families" if i < 20 else "young"}
        for i in range(40)
    ]
    load_arrow(table="customers", data=pa.Table.from_pylist(customers))
    return rows


PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}
dashboard_date = dt.date.fromisoformat
PERIOD_END = dashboard_date("2025-03-31")


def _spec(body: str, name: str) -> dict:
    match = re.search(rf'<script id="spec-{name}" type="application/json">(.*?)</script>', body)
    assert match, f"no spec {name}"
    return json.loads(match.group(1))


def _dataset(spec: dict) -> list[dict]:
    (values,) = spec["datasets"].values()
    return values


def _table_rows(body: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert table, f"no table {table_id}"
    return re.findall(r"<tr[ >].*?</tr>", table.group(0), re.S)[1:]  # without the header


def _links(row_html: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', row_html)]


# --- The dashboard -------------------------------------------------------------------------


def test_dashboard_shows_each_touchpoint_with_its_stage_score_interval_and_n(data, lead):
    response = lead.get(reverse("voc_dashboard"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    expected = {
        r["touchpoint"]: r
        for r in metric_groups(
            metric="nps", by=["touchpoint", "stage"], start=dashboard_date("2025-01-01")
        )
    }
    rows = _table_rows(body, "table-stage")
    assert len(rows) == 2
    website = next(r for r in rows if 'data-touchpoint="website"' in r)
    store = next(r for r in rows if 'data-touchpoint="store"' in r)
    # website over the quarter: 111 promoters, 80 detractors of 300 → NPS 10.3
    assert expected["website"]["n"] == 300 and expected["website"]["score"] == pytest.approx(
        10.3333
    )
    assert ">Website<" in website and ">Buy<" in website
    assert ">10.3<" in website and ">300<" in website
    low, high = expected["website"]["ci_low"], expected["website"]["ci_high"]
    assert f"{charts.number(low, 'nps')} – {charts.number(high, 'nps')}" in website
    # the store's ten answers are too few to read: greyed in the table and in the chart
    assert 'class="small-sample"' in store and "too few answers" in store
    cells = {c["touchpoint_key"]: c for c in _dataset(_spec(body, "stage"))}
    assert cells["store"]["small_sample"] is True and cells["website"]["small_sample"] is False
    assert cells["website"]["stage"] == "Buy" and cells["website"]["n"] == 300
    # every stage of the journey is a column, in journey order
    params = {p["name"]: p["value"] for p in _spec(body, "stage")["params"]}
    assert params["stage_columns"] == ["Discover", "Buy", "Support"]


def test_significant_marker_only_where_the_change_is_significant(data, lead):
    body = lead.get(reverse("voc_dashboard"), PERIOD).content.decode()
    rows = {
        re.search(r'data-period="([^"]+)"', r).group(1): r for r in _table_rows(body, "table-trend")
    }
    assert list(rows) == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert "significant-marker" in rows["2025-02-01"] and "▼" in rows["2025-02-01"]
    assert "significant-marker" not in rows["2025-01-01"]  # nothing before to compare with
    assert "significant-marker" not in rows["2025-03-01"]  # +1: noise
    assert "not significant" in rows["2025-03-01"]
    # the chart draws its markers from the rows flagged significant, and only those
    spec = _spec(body, "trend")
    flagged = {d["period"]: d["significant"] for d in _dataset(spec)}
    assert flagged == {"2025-01": False, "2025-02": True, "2025-03": False}
    markers = [
        layer
        for layer in spec["layer"]
        if any(t.get("filter") == "datum.significant === true" for t in layer.get("transform", []))
    ]
    assert len(markers) == 1 and markers[0]["mark"]["type"] == "point"
    # per touchpoint too: the website drops in February; the store is never tested
    trends = _dataset(_spec(body, "trends"))
    assert {(d["touchpoint_key"], d["period"]) for d in trends if d["significant"]} == {
        ("website", "2025-02")
    }
    assert sum("significant-marker" in r for r in _table_rows(body, "table-trends")) == 1


def test_first_period_is_compared_with_the_one_before_the_period(data, lead):
    body = lead.get(reverse("voc_dashboard"), {"from": "2025-02-01", "to": "2025-03-31"})
    rows = _table_rows(body.content.decode(), "table-trend")
    assert len(rows) == 2
    assert "significant-marker" in rows[0]  # February against January, outside the period


def test_filters_apply(data, lead):
    def cells(**params):
        body = lead.get(reverse("voc_dashboard"), {**PERIOD, **params}).content.decode()
        return {c["touchpoint_key"]: c["n"] for c in _dataset(_spec(body, "stage"))}

    assert cells() == {"website": 300, "store": 10}
    assert cells(channel="store") == {"store": 10}
    assert cells(touchpoint="website") == {"website": 300}
    english = sum(1 for r in data if r["language"] == "en" and r["metric"] == "nps")
    assert sum(cells(language="en").values()) == english
    families = sum(1 for r in data if int(r["customer_id"][1:]) < 20 and r["metric"] == "nps")
    assert sum(cells(segment="families").values()) == families
    assert cells(**{"from": "2025-02-01", "to": "2025-02-28"}) == {"website": 100}
    body = lead.get(reverse("voc_dashboard"), {**PERIOD, "metric": "ces"}).content.decode()
    assert {c["touchpoint_key"] for c in _dataset(_spec(body, "stage"))} == {"call_centre"}


def test_weekly_trend(data, lead):
    body = lead.get(reverse("voc_dashboard"), {**PERIOD, "grain": "week"}).content.decode()
    trend = _dataset(_spec(body, "trend"))
    expected = metric_groups(
        metric="nps",
        by=["week"],
        start=dashboard_date("2024-12-23"),
        end=dashboard_date("2025-04-06"),
    )
    assert [d["period"] for d in trend] == [r["week"] for r in expected]
    assert all(dashboard_date(d["period"]).weekday() == 0 for d in trend)
    assert [d["significant"] for d in trend] == [r["significant"] is True for r in expected]


def test_default_period_is_the_twelve_months_up_to_the_latest_answer(data, lead):
    body = lead.get(reverse("voc_dashboard")).content.decode()
    assert 'name="from" value="2024-04-01"' in body
    assert 'name="to" value="2025-03-27"' in body  # the latest answer is on 27 March


def test_invalid_filters_are_reported(data, lead):
    response = lead.get(reverse("voc_dashboard"), {"from": "2025-03-01", "to": "2025-01-01"})
    assert response.status_code == 400
    assert "The end of the period is before its start." in response.content.decode()
    response = lead.get(reverse("voc_dashboard"), {**PERIOD, "metric": "bogus"})
    assert response.status_code == 400


def test_no_answers(org, lead):
    response = lead.get(reverse("voc_dashboard"))
    assert response.status_code == 200
    assert "No answer matches these filters." in response.content.decode()


def test_charts_are_served_by_the_app(data, lead):
    body = lead.get(reverse("voc_dashboard"), PERIOD).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', body)
    assert [s.rsplit("/", 1)[-1] for s in scripts] == [
        "vega.min.js",
        "vega-lite.min.js",
        "vega-embed.min.js",
        "charts.js",
    ]
    assert all(s.startswith("/static/") for s in scripts)  # no CDN
    for src in scripts:
        response = lead.get(src)
        assert response.status_code == 200
        assert "javascript" in response["Content-Type"]


# --- Drill-down to the verbatims -----------------------------------------------------------


def _listed(client: Client, url: str) -> list[str]:
    ids: list[str] = []
    while url:
        body = client.get(url).content.decode()
        ids += re.findall(r'data-response="([^"]+)"', body)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', body)
        url = reverse("voc_verbatims") + html.unescape(nxt.group(1)) if nxt else ""
    return ids


def _expected(data, **where) -> list[str]:
    rows = [
        r
        for r in data
        if r["verbatim"]
        and all(where[k](r[k]) if callable(where[k]) else r[k] == where[k] for k in where)
    ]
    rows.sort(key=lambda r: (r["timestamp"], r["response_id"]), reverse=True)
    return [r["response_id"] for r in rows]


def test_drill_down_from_a_point_in_time_lists_exactly_its_verbatims(data, lead):
    body = lead.get(reverse("voc_dashboard"), PERIOD).content.decode()
    # February on the website, from the table of touchpoints over time
    website = next(r for r in _table_rows(body, "table-trends") if ">Website<" in r)
    url = next(u for u in _links(website) if "month=2025-02" in u)
    assert parse_qs(urlparse(url).query) == {
        "metric": ["nps"],
        "touchpoint": ["website"],
        "month": ["2025-02"],
    }
    expected = _expected(
        data, metric="nps", touchpoint="website", timestamp=lambda t: t.startswith("2025-02")
    )
    assert len(expected) == 21  # one in five of 100, and the hostile one
    assert _listed(lead, url) == expected  # newest first, over two pages
    # the same point on the chart links to the same page
    chart = next(
        d
        for d in _dataset(_spec(body, "trends"))
        if (d["touchpoint_key"], d["period"]) == ("website", "2025-02")
    )
    assert chart["href"] == url


def test_drill_down_from_a_touchpoint_cell_keeps_the_filters(data, lead):
    body = lead.get(reverse("voc_dashboard"), {**PERIOD, "language": "en"}).content.decode()
    website = next(r for r in _table_rows(body, "table-stage") if 'data-touchpoint="website"' in r)
    (url,) = _links(website)
    assert parse_qs(urlparse(url).query)["language"] == ["en"]
    expected = _expected(data, metric="nps", touchpoint="website", language="en")
    assert _listed(lead, url) == expected
    # as many answers as the cell counts, of which those with a verbatim are listed
    body = lead.get(url).content.decode()
    assert f"{len(expected)} answers with a verbatim" in body


def test_drill_down_from_the_overall_trend(data, lead):
    body = lead.get(reverse("voc_dashboard"), {**PERIOD, "segment": "families"}).content.decode()
    jan = next(r for r in _table_rows(body, "table-trend") if 'data-period="2025-01-01"' in r)
    (url,) = _links(jan)
    families = lambda c: int(c[1:]) < 20  # noqa: E731
    expected = _expected(
        data, metric="nps", customer_id=families, timestamp=lambda t: t.startswith("2025-01")
    )
    assert expected and _listed(lead, url) == expected


def test_verbatims_are_escaped(data, lead):
    url = reverse("voc_verbatims") + "?metric=nps&touchpoint=website&month=2025-02"
    body = lead.get(url).content.decode()
    assert HOSTILE not in body
    assert HOSTILE_ESCAPED in body
    # a hostile search is escaped too, and still finds the hostile comment
    body = lead.get(url + "&q=" + "%3Cscript%3Ealert").content.decode()
    assert "<script>alert" not in body and 'value="&lt;script&gt;alert"' in body
    assert len(re.findall(r'data-response="', body)) == 1


def test_verbatims_search_and_pages(data, lead):
    url = reverse("voc_verbatims")
    body = lead.get(url, {"metric": "nps", "q": "COMMENT 5"}).content.decode()
    listed = re.findall(r'data-response="([^"]+)"', body)
    expected = _expected(data, metric="nps", verbatim=lambda v: "comment 5" in v.lower())
    assert listed == expected and listed  # case-insensitive, newest first
    body = lead.get(url, {"metric": "nps", "page": "2"}).content.decode()
    assert "Page 2 of" in body and 'rel="prev"' in body
    body = lead.get(url, {"metric": "nps", "page": "999"}).content.decode()  # the last page
    assert len(re.findall(r'data-response="', body)) >= 1
    # every metric when none is given
    body = lead.get(url, {"q": "easy call"}).content.decode()
    assert re.findall(r'data-response="([^"]+)"', body) == ["ces-1"]


def test_verbatims_bad_filters(data, lead):
    response = lead.get(reverse("voc_verbatims"), {"month": "2025-13"})
    assert response.status_code == 400


# --- Permissions ---------------------------------------------------------------------------


def test_login_required(data, client):
    for name in ("voc_dashboard", "voc_verbatims"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_view_analytics_required(data, client_as):
    nobody = client_as(None)
    for name in ("voc_dashboard", "voc_verbatims"):
        assert nobody.get(reverse(name)).status_code == 403
    viewer = client_as("viewer")
    assert viewer.get(reverse("voc_dashboard"), PERIOD).status_code == 200
    assert viewer.get(reverse("voc_verbatims")).status_code == 200


def test_selectors_check_the_permission(data):
    from cxpilot.kernel.errors import PermissionDenied

    user = User.objects.create_user("plain")
    with pytest.raises(PermissionDenied):
        dashboard.dashboard(actor=user, filters=dashboard.Filters())
    with pytest.raises(PermissionDenied):
        dashboard.verbatims(actor=user, filters=dashboard.Filters())


def test_nav_entry_for_those_who_may_see_it(data, lead, client_as):
    assert f'href="{reverse("voc_dashboard")}"' in lead.get(reverse("home")).content.decode()
    nobody = client_as(None)
    assert f'href="{reverse("voc_dashboard")}"' not in nobody.get(reverse("home")).content.decode()


def test_french(data, lead):
    lead.cookies["django_language"] = "fr"
    body = lead.get(reverse("voc_dashboard"), PERIOD, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Voix du client" in body
    assert "NPS par mois" in body
    spec = _spec(body, "trend")
    assert _dataset(spec)[1]["period_label"] == "février 2025"


# --- Chart definitions ---------------------------------------------------------------------


def test_chart_functions_give_vega_lite_specs_without_links_for_exports(data):
    board = dashboard.dashboard(
        actor=None,
        filters=dashboard.Filters(start=dashboard_date("2025-01-01"), end=PERIOD_END),
    )
    stages = [(s.key, s.name) for s in board.stages]
    specs = [
        charts.touchpoint_stage_chart(rows=board.cells, stages=stages, metric="nps"),
        charts.trend_chart(rows=board.trend, metric="nps", grain="month", width=600),
        charts.touchpoint_trends_chart(rows=board.trends, metric="nps", grain="month"),
    ]
    for spec in specs:
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
        assert "title" in spec
        assert all("href" not in row for row in _dataset(spec))
        assert "href" not in json.dumps(spec)
    assert specs[1]["width"] == 600


def _few_later_answers() -> None:
    """Three test answers, months after the real ones: they must not set the views."""
    rows = [
        {
            "response_id": f"late-{i}",
            "customer_id": "c1",
            "touchpoint": "website",
            "timestamp": "2025-06-03 10:00:00",
            "metric": "nps",
            "score": 0,
            "source": "s",
            "channel": "web",
            "language": "en",
        }
        for i in range(3)
    ]
    load_arrow(table="responses", data=_table(rows))


def test_the_pulse_is_the_last_month_with_enough_answers(data, lead):
    _few_later_answers()
    found = selectors.pulse(actor=None, as_of=dashboard_date("2025-07-15"))
    assert found.month == "2025-03"  # not June's three answers
    (nps,) = [m for m in found.metrics if m["metric"] == "nps"]
    assert nps["n"] == 100 and nps["score"] == pytest.approx(1.0)
    assert nps["significant"] is False  # February → March is noise
    february = selectors.pulse(actor=None, as_of=dashboard_date("2025-03-15"))
    assert february.month == "2025-02"
    (mover,) = february.movers  # the website's significant drop, January → February
    assert mover["touchpoint"] == "website" and mover["delta"] == pytest.approx(-30.0)


def test_the_home_page_says_how_we_are_doing(data, lead, settings):
    from django.core.cache import cache

    cache.clear()
    page = lead.get("/").content.decode()
    assert "How we are doing: March 2025" in page
    assert "+1.0, not significant" in page


def test_a_late_handful_of_answers_does_not_set_the_dashboard_view(data, lead):
    _few_later_answers()
    form = lead.get("/voc/").context["form"]
    assert form.cleaned_data["to"] == dashboard_date("2025-03-31")
    assert form.cleaned_data["from"] == dashboard_date("2024-04-01")


def test_scores_where_people_look(data, lead, client_as):
    from cxpilot.organisation.models import Department, Journey, Touchpoint

    website = Touchpoint.objects.get(key="website")
    listing = lead.get("/organisation/touchpoints/").content.decode()
    assert "NPS, last 12 months" in listing
    # January–March on the website: (111 promoters − 80 detractors) / 300 answers
    assert '<td class="number">10.3</td>' in listing, listing
    detail = lead.get(f"/organisation/touchpoints/{website.pk}/").content.decode()
    assert "From April 2024 to March 2025" in detail and "n = 300" in detail
    assert "/voc/?touchpoint=website" in detail
    department = Department.objects.get(key="ecommerce")
    assert "n = 300" in lead.get(f"/organisation/departments/{department.pk}/").content.decode()
    journey = Journey.objects.get(key="purchase")
    page = lead.get(f"/organisation/journeys/{journey.pk}/").content.decode()
    assert "Scores" in page and "n = 300" in page
