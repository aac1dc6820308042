"""The irritants page, the theme explorer and the theme editor, through HTTP."""

from __future__ import annotations

import pytest
from django.test import Client

from cxpilot.verbatims.models import Theme, ThemeRule
from cxpilot.warehouse.ingest import load_arrow
from tests.hostile import HOSTILE, HOSTILE_ESCAPED
from tests.verbatims.conftest import answers


def delivery() -> Theme:
    return next(t for t in Theme.objects.filter(active=True) if "livraison" in t.keywords_fr)


def test_pages_before_any_analysis_offer_discovery(org, client_as):
    lead = client_as("cx_lead")
    page = lead.get("/text/irritants/")
    assert page.status_code == 200
    assert "Discover the themes" in page.content.decode()
    viewer = client_as("viewer")
    assert "Discover the themes" not in viewer.get("/text/themes/").content.decode()


def test_irritants_page_ranks_and_links_to_verbatims(analysed, client_as):
    page = client_as("viewer").get("/text/irritants/?touchpoint=website")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="irritants"' in html and "spec-impact" in html and "spec-trend" in html
    assert 'id="drivers-table"' in html and "spec-drivers" in html
    first_row = html.split('data-theme="', 2)[1]
    assert first_row.startswith(str(delivery().pk))
    assert f"/text/themes/?touchpoint=website&amp;theme={delivery().pk}" in html


def test_irritants_page_bad_filters_say_so(analysed, client_as):
    page = client_as("viewer").get("/text/irritants/?start=2026-02-01&end=2026-01-01")
    assert page.status_code == 400  # as the dashboard's pages answer refused filters
    assert "before its start" in page.content.decode()


def test_explorer_search_and_theme_filter(analysed, client_as):
    viewer = client_as("viewer")
    page = viewer.get("/text/themes/", {"q": "LIVREUR injoignable"})
    html = page.content.decode()
    assert "colis arrivé en retard, livreur injoignable" in html
    assert "10 verbatims" in html
    page = viewer.get("/text/themes/", {"theme": delivery().pk, "language": "en"})
    assert "40 verbatims" in page.content.decode()


def test_verbatims_are_escaped_everywhere(org, client_as):
    data = answers()
    texts = data.column("verbatim").to_pylist()
    texts[0] = f"Livraison en retard {HOSTILE}"
    import pyarrow as pa

    load_arrow(table="responses", data=data.set_column(7, "verbatim", pa.array(texts)))
    from cxpilot.verbatims.services import themes_discover, verbatims_analyse

    themes_discover(themes=3)
    verbatims_analyse()
    lead = client_as("cx_lead")
    theme = delivery()
    lead.post(
        f"/text/themes/{theme.pk}/", {"action": "rename", "label_en": HOSTILE, "label_fr": HOSTILE}
    )
    for url in ("/text/irritants/", "/text/themes/?q=script", f"/text/themes/{theme.pk}/"):
        html = lead.get(url).content.decode()
        assert HOSTILE not in html, url
        assert HOSTILE_ESCAPED in html, url


def test_editor_renames_pins_adds_rules_merges_and_splits(analysed, client_as):
    lead = client_as("analyst")
    theme = delivery()
    url = f"/text/themes/{theme.pk}/"
    assert (
        lead.post(
            url,
            {"action": "rename", "label_en": "Late delivery", "label_fr": "Livraison en retard"},
        ).status_code
        == 302
    )
    assert lead.post(url, {"action": "pin"}).status_code == 302
    assert lead.post(url, {"action": "rule", "pattern": "injoignable, livr*"}).status_code == 302
    other = Theme.objects.exclude(pk=theme.pk).filter(active=True).first()
    assert (
        lead.post(f"/text/themes/{other.pk}/", {"action": "merge", "into": theme.pk}).status_code
        == 302
    )
    split = lead.post(
        url, {"action": "split", "label_en": "Parcel", "label_fr": "Colis", "keywords": "colis"}
    )
    assert split.status_code == 302
    theme.refresh_from_db()
    other.refresh_from_db()
    assert (theme.label_en, theme.pinned, theme.rules.count()) == ("Late delivery", True, 2)
    assert other.merged_into_id == theme.pk
    child = Theme.objects.get(split_from=theme)
    assert split["Location"] == f"/text/themes/{child.pk}/"
    page = lead.get("/text/themes/")
    assert "Themes were edited since" in page.content.decode()
    applied = lead.post("/text/themes/apply/", {"action": "apply"}, follow=True)
    assert "verbatims analysed" in applied.content.decode()
    rule = ThemeRule.objects.filter(theme=theme).first()
    assert lead.post(url, {"action": "delete_rule", "rule": rule.pk}).status_code == 302
    assert theme.rules.count() == 1


def test_editor_refuses_bad_input_and_keeps_everything(analysed, client_as):
    lead = client_as("cx_lead")
    theme = delivery()
    url = f"/text/themes/{theme.pk}/"
    before = (theme.label_en, theme.label_fr)
    page = lead.post(url, {"action": "rename", "label_en": "", "label_fr": "x"})
    assert page.status_code == 400
    page = lead.post(url, {"action": "merge", "into": theme.pk})
    assert page.status_code == 400
    page = lead.post(url, {"action": "explode"})
    assert page.status_code == 400 and "unknown action" in page.content.decode()
    page = lead.post(url, {"action": "delete_rule", "rule": "x"})
    assert page.status_code == 400
    theme.refresh_from_db()
    assert (theme.label_en, theme.label_fr) == before and theme.merged_into_id is None
    assert lead.get("/text/themes/999999/").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "department_owner"])
def test_readers_cannot_edit(analysed, role, client_as):
    reader = client_as(role)
    theme = delivery()
    assert reader.get(f"/text/themes/{theme.pk}/").status_code == 200
    assert reader.post(f"/text/themes/{theme.pk}/", {"action": "pin"}).status_code == 403
    assert reader.post("/text/themes/apply/", {"action": "discover"}).status_code == 403
    theme.refresh_from_db()
    assert not theme.pinned


def test_login_required(analysed):
    assert Client().get("/text/irritants/").status_code == 302


def test_french_pages(analysed, client_as):
    lead = client_as("cx_lead")
    lead.post("/i18n/setlang/", {"language": "fr"})
    html = lead.get("/text/irritants/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Irritants" in html and "points de NPS en jeu" in html
    assert "livraison" in html


def test_irritants_page_computes_once_while_its_data_is_the_same(analysed, client_as):
    from cxpilot.verbatims.views import IRRITANTS

    IRRITANTS.clear()
    viewer = client_as("viewer")
    before = IRRITANTS.computed
    for _ in range(2):
        html = viewer.get("/text/irritants/").content.decode()
        assert 'id="irritants"' in html and "spec-impact" in html
    assert IRRITANTS.computed == before + 1
    # an edit of the themes shows at once
    theme = delivery()
    client_as("cx_lead").post(
        f"/text/themes/{theme.pk}/",
        {"action": "rename", "label_en": "Late parcels", "label_fr": "Colis en retard"},
    )
    assert "Late parcels" in viewer.get("/text/irritants/").content.decode()
    assert IRRITANTS.computed == before + 2


def test_irritants_examples_are_on_their_own_row_below_the_numbers(analysed, client_as):
    html = client_as("viewer").get("/text/irritants/").content.decode()
    table = html.split('id="irritants"', 1)[1].split("</table>", 1)[0]
    head = table.split("</thead>", 1)[0]
    assert "Examples" not in head  # no narrow column of examples beside the numbers
    theme_row = table.split("<tr data-theme=", 1)[1].split("</tr>", 1)[0]
    assert "<q" not in theme_row and theme_row.count("<td") == 7  # # and six figures
    examples = table.split('<tr class="irritant-examples">', 1)[1].split("</tr>", 1)[0]
    assert 'colspan="8"' in examples and '<q class="verbatim">' in examples
    assert table.count('<tr class="irritant-examples">') == table.count("<tr data-theme=")


def test_a_long_label_without_spaces_wraps_on_every_page(analysed, client_as):
    lead = client_as("cx_lead")
    theme = delivery()
    label = ("Latedeliveryofparcels" * 10)[:200]
    lead.post(
        f"/text/themes/{theme.pk}/",
        {"action": "rename", "label_en": label, "label_fr": label.upper()},
    )
    html = lead.get(f"/text/themes/{theme.pk}/").content.decode()
    assert f'<h1 class="wraps-anywhere">{label}</h1>' in html
    assert '<dl class="facts wraps-anywhere">' in html
    html = lead.get("/text/themes/").content.decode()
    assert f'class="theme-label">{label}</a>' in html
    html = lead.get("/text/irritants/").content.decode()
    assert f'class="theme-label">{label}</a>' in html


def test_the_monthly_trend_has_one_tick_a_month():
    from cxpilot.verbatims.charts import trend_chart

    points = [
        {"month": f"2026-{m:02d}", "theme_id": 1, "impact": 0.5 * m, "mentions": 12}
        for m in range(3, 11)
    ]
    spec = trend_chart(points, {1: "delivery"})
    x = spec["encoding"]["x"]
    assert x["timeUnit"] == "utcyearmonth" and x["scale"]["type"] == "utc"
    assert x["axis"]["tickCount"] == {"interval": "month", "step": 1}
    assert x["axis"]["format"] == "%b %Y"
    month = next(t for t in spec["encoding"]["tooltip"] if t["field"] == "month")
    assert month["timeUnit"] == "utcyearmonth"
    assert [d["month"] for d in spec["data"]["values"]][0] == "2026-03-01"
