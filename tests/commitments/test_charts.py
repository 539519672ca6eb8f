"""The SVG charts: valid XML, a title and a description saying the figures, labels in the
reader's language, every text escaped, nothing executable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from flask_babel import force_locale

from app.commitments.charts import Bar, bar_chart, nice_step, progress_chart
from app.commitments.eligibility import RULES
from app.commitments.stats import Collective, MonthPoint, collective, pace
from app.commitments.stats_breakdowns import breakdown
from app.extensions import db
from tests.commitments.builders import declared, member, programme

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("viewBox")
    for element in root.iter():
        assert element.tag != f"{SVG}script"
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def figure(today=date(2025, 3, 1)) -> Collective:
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    series = [MonthPoint(date(2025, 1, 1), 1_000_000_00, 1_000_000_00),
              MonthPoint(date(2025, 2, 1), 2_500_000_00, 3_000_000_00),
              MonthPoint(date(2025, 3, 1), 2_500_000_00, 3_000_000_00)]
    return Collective(verified_cents=2_500_000_00, declared_cents=500_000_00, target_cents=20_000_000_00,
                            series=series, today=today, start=start, end=end,
                            rule=RULES["fr_startups_innovative_smes"],
                            pace=pace(verified_cents=2_500_000_00, target_cents=20_000_000_00, start=start, end=end,
                                      today=today))


def test_the_progress_chart_is_valid_svg_titled_and_described_with_the_figures(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("en"):
        root = parse(progress_chart(figure(), chart_id="progress"))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Progress towards the target"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "€2,500,000" in desc.text and "€20,000,000" in desc.text and "12.5%" in desc.text
    assert "€500,000 is awaiting verification" in desc.text
    assert "linear projection" in desc.text
    labels = texts(root)
    assert "Jan 25" in labels and "Target: €20M" in labels and "Pace needed" in labels
    # dashed projection, dotted pace needed
    dashes = {line.get("stroke-dasharray") for line in root.iter(f"{SVG}line")}
    assert {"6 4", "2 3"} <= dashes


def test_the_progress_chart_speaks_french(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("fr"):
        root = parse(progress_chart(figure(), chart_id="progress"))
    desc = root.find(f"{SVG}desc").text
    assert "2\u202f500\u202f000\u00a0€" in desc and "20\u202f000\u202f000\u00a0€" in desc
    assert "31 décembre 2025" in desc
    labels = texts(root)
    assert "janv. 25" in labels and "20\u00a0M\u00a0€" in labels


def test_bar_chart_labels_follow_the_readers_language(app_ctx):
    buyer, _ = member("Alpha")
    declared(buyer, 300_00, category="cyber.soc")
    declared(buyer, 100_00, category="ai.llm", cls="large")
    db.session.commit()
    for locale, expected in (("fr", {"Cybersécurité", "Intelligence artificielle"}),
                             ("en", {"Cybersecurity", "Artificial intelligence"})):
        with app_ctx.test_request_context("/"), force_locale(locale):
            b = breakdown("axis", programme())
            root = parse(bar_chart([Bar(r.label, r.all_cents, r.eligible_cents) for r in b.rows],
                                   chart_id="axis", title="T", total_label="All", part_label="Counting"))
        assert expected <= set(texts(root))
    desc = root.find(f"{SVG}desc").text
    assert "Cybersecurity: €300 (Counting: €300)." in desc
    assert "Artificial intelligence: €100 (Counting: €0)." in desc


def test_every_text_in_a_chart_is_escaped(app_ctx):
    hostile = '</text><script>alert("x")</script> & <b onclick="x">'
    with app_ctx.test_request_context("/"), force_locale("en"):
        markup = bar_chart([Bar(hostile, 100_00)], chart_id='x" onload="alert(1)', title=hostile)
    root = parse(markup)
    assert hostile in texts(root)
    assert root.find(f"{SVG}title").text == hostile
    assert root.get("id") == "x--onload--alert-1-"


def test_an_empty_breakdown_says_so(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("en"):
        root = parse(bar_chart([], chart_id="empty", title="Nothing"))
    assert "No verified purchase yet." in texts(root)


def test_round_steps_for_the_amount_axis():
    assert [nice_step(n) for n in (1, 7, 100_000_000_000, 130_000_000_000)] == [
        1, 2, 25_000_000_000, 50_000_000_000]


def test_the_chart_of_an_empty_programme_still_draws(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("en"):
        root = parse(progress_chart(collective(programme(), today=date(2025, 3, 1))))
    assert "Target: €1B" in texts(root)
