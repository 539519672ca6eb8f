"""Journey 3: an alliance member declares a purchase made outside Tremplin, with its
evidence; the operator verifies it; the member's commitment figures move by exactly the
declared amount: first as « declared, awaiting verification », then as verified.

Two people, each in a browser context of their own: the alliance member (the `page`
fixture) and the operator. Pages are read in English (tests/e2e/journeys.py).
"""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in
from tests.e2e.journeys import euros_in_cents, in_english, new_siren, open_person, table_row

AMOUNT_CENTS = 123_456_00  # an amount no demo figure is likely to hide
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
AWAITING = "Declared, awaiting verification"
VERIFIED = "Verified amount"


def own_figures(page) -> dict[str, int]:
    """The member's own row of the commitment tracker, as the page shows it (in cents)."""
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Commitment").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commitment tracker")
    row = table_row(page.locator("main table", has=page.get_by_role("columnheader", name=VERIFIED)).first)
    return {name: euros_in_cents(row[name]) for name in ("Pledged", AWAITING, VERIFIED)}


def test_a_declared_purchase_counts_once_the_operator_verifies_it(page, browser, base_url, tmp_path):
    supplier = f"Ondine Analytics {new_siren()[:4]}"
    page.goto("/")
    in_english(page)
    sign_in(page, "alliance@demo.tremplin.fr")

    # 1. The commitment tracker before: the member's pledge, verified and awaiting amounts.
    before = own_figures(page)
    assert before["Pledged"] > 0
    shot(page, "journey3-01-dashboard-before")

    # 2. It declares a purchase from a startup outside Tremplin, with the signed order.
    page.get_by_role("link", name="Our declared purchases").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our purchases")
    page.get_by_role("link", name="Declare a purchase").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declare a purchase")
    form = page.locator("[data-marker=declare-form]")
    form.get_by_label("Company name").fill(supplier)
    form.get_by_label("Country").select_option("FR")
    form.get_by_label("SIREN (France)").fill(new_siren())
    form.get_by_label("Kind of company").select_option(label="Startup")
    form.get_by_label("Amount excluding VAT (€)").fill("123 456")
    form.get_by_label("Date of the purchase").fill(date.today().isoformat())
    form.get_by_label("Category").select_option(label="Data platforms")
    form.get_by_label("What was bought").fill("A year of the water quality dashboard for three sites.")
    form.get_by_label("Hosted on SecNumCloud-qualified hosting").select_option(label="No")
    evidence = tmp_path / "bon-de-commande-ondine.pdf"
    evidence.write_bytes(EVIDENCE)
    form.get_by_label("Evidence").set_input_files(evidence)
    shot(page, "journey3-02-declare-form")
    form.get_by_role("button", name="Declare the purchase").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Purchase declared. The Tremplin team will check the evidence; it counts once verified."))\
        .to_be_visible()
    expect(page.get_by_text("Awaiting verification").first).to_be_visible()
    expect(page.locator("[data-marker=evidence-link]")).to_have_text("bon-de-commande-ondine.pdf")
    shot(page, "journey3-03-purchase-declared")

    # 3. Declared, it waits: the awaiting amount grows by the amount, the verified one does not move.
    declared = own_figures(page)
    assert declared[AWAITING] - before[AWAITING] == AMOUNT_CENTS
    assert declared[VERIFIED] == before[VERIFIED]
    shot(page, "journey3-04-dashboard-declared")

    # 4. The operator finds it in the verification queue, reads the evidence, and verifies it.
    operator = open_person(browser, base_url, "operator@demo.tremplin.fr")
    operator.get_by_role("navigation", name="Main menu").get_by_role("link", name="Purchases to verify").click()
    operator.wait_for_load_state()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Purchases awaiting verification")
    row = operator.get_by_role("row").filter(has_text=supplier)
    while row.count() == 0 and operator.locator("a[rel=next]").count():
        operator.locator("a[rel=next]").first.click()
        operator.wait_for_load_state()
    expect(row).to_have_count(1)
    expect(row).to_contain_text("€123,456")
    expect(row).to_contain_text("Startup")
    with operator.expect_download() as download:
        row.get_by_role("link", name="bon-de-commande-ondine.pdf").click()
    assert download.value.suggested_filename == "bon-de-commande-ondine.pdf"
    shot(operator, "journey3-05-operator-queue")
    row.get_by_role("button", name=f"Verify the purchase from {supplier}").click()
    operator.wait_for_load_state()
    expect(operator.get_by_text(f"from {supplier} verified: it counts now")).to_be_visible()
    expect(operator.get_by_role("row").filter(has_text=supplier)).to_have_count(0)
    shot(operator, "journey3-06-operator-verified")
    operator.context.close()

    # 5. The member's verified amount has moved by exactly the declared amount.
    after = own_figures(page)
    assert after[VERIFIED] - before[VERIFIED] == AMOUNT_CENTS
    assert after[AWAITING] == before[AWAITING]
    assert after["Pledged"] == before["Pledged"]
    purchase = page.get_by_role("row").filter(has_text=supplier)
    expect(purchase).to_contain_text("Verified")
    expect(purchase).to_contain_text("€123,456")
    shot(page, "journey3-07-dashboard-after")
