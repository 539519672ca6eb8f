"""Journey 1: a new startup signs up, is verified, fills in its profile and a solution,
saves a search; a buyer publishes a matching need; the startup is alerted, asks a
question, bids, edits its bid; after the deadline the buyer scores and awards it; the
startup sees that it won.

Three people, each in a browser context of their own: the startup (the `page` fixture),
the operator and the buyer. Pages are read in English (tests/e2e/journeys.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import (
    PASSWORD,
    in_english,
    main_of,
    move_deadline_into_the_past,
    new_siren,
    open_person,
    unique_word,
)

PARIS = ZoneInfo("Europe/Paris")


def register_startup(page, *, organisation: str, siren: str, email: str) -> None:
    page.goto("/register")
    in_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    page.get_by_label("Organisation name").fill(organisation)
    page.get_by_label("Kind of organisation").select_option(label="Startup")
    page.get_by_label("Country").select_option("FR")
    page.get_by_label("SIREN (France)").fill(siren)
    page.get_by_label("Your full name").fill("Alice Martin")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm the password").fill(PASSWORD)
    shot(page, "journey1-01-register")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_load_state()


def verify_organisation(operator, organisation: str) -> None:
    operator.goto("/operator/organisations")
    expect(operator.get_by_role("heading", level=1)).to_have_text("Organisations awaiting verification")
    row = operator.get_by_role("row").filter(has_text=organisation)
    expect(row).to_have_count(1)
    shot(operator, "journey1-03-operator-verification-queue")
    row.get_by_role("button", name="Verify").click()
    operator.wait_for_load_state()
    expect(operator.get_by_text(f"{organisation} is verified.")).to_be_visible()
    expect(operator.get_by_role("row").filter(has_text=organisation)).to_have_count(0)


def test_a_new_startup_finds_a_need_bids_and_wins(page, browser, base_url, demo_db):
    siren = new_siren()
    word = unique_word("hydro")
    organisation = f"Hydrolab {siren}"
    email = f"alice.{siren}@hydrolab.example"

    # 1. The startup registers: it is signed in, its organisation awaits verification.
    register_startup(page, organisation=organisation, siren=siren, email=email)
    expect(page.get_by_text("Welcome to Tremplin! Your organisation will be verified by our team shortly."))\
        .to_be_visible()
    expect(page.get_by_text("Awaiting verification")).to_be_visible()
    shot(page, "journey1-02-dashboard-awaiting-verification")

    # 2. The operator verifies it, in a browser of their own.
    operator = open_person(browser, base_url, "operator@demo.tremplin.fr")
    verify_organisation(operator, organisation)
    page.reload()
    expect(page.get_by_text("Awaiting verification")).to_have_count(0)

    # 3. Its profile: what it does, its categories and regions, a reference.
    page.goto("/supplier/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supplier profile")
    expect(page.get_by_text("Profile completeness: 0 of 6 steps done")).to_be_visible()
    page.get_by_label("Website").fill("https://hydrolab.example")
    page.get_by_label("Size", exact=True).select_option(label="Micro company")
    page.get_by_label("Headline").fill(f"Water quality monitoring for public utilities ({word})")
    page.get_by_label("Description", exact=True).fill(
        f"We build {word} sensors and a sovereign data platform to watch drinking water networks. "
        "Hosted in France, open formats, a documented exit plan.")
    categories = page.get_by_role("group", name="Categories you work in")
    categories.get_by_label("Data platforms").check()
    categories.get_by_label("Analytics and visualisation").check()
    regions = page.get_by_role("group", name="Regions served")
    regions.get_by_label("Bretagne").check()
    regions.get_by_label("Pays de la Loire").check()
    first_reference = page.get_by_role("group", name="Reference 1")
    first_reference.get_by_label("Client").fill("Eau du Ponant")
    first_reference.get_by_label("What you did").fill("Leak detection on 300 km of pipes.")
    first_reference.get_by_label("Year").fill("2025")
    page.get_by_label("Documented exit plan").check()
    page.get_by_role("button", name="Save the profile").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supplier profile")
    # Website and size, description, categories, regions and references are done; a solution comes next.
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.get_by_text("Profile completeness: 5 of 6 steps done")).to_be_visible()
    expect(page.get_by_text("Your profile is complete: buyers see it in the supplier directory.")).to_be_visible()
    shot(page, "journey1-04-profile")

    # 4. A solution.
    page.goto("/supplier/solutions/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a solution")
    page.get_by_label("Name", exact=True).fill(f"{word.capitalize()} Watch")
    page.get_by_label("Summary").fill("Sensors and dashboards that spot leaks and pollution in water networks.")
    page.get_by_label("Description", exact=True).fill("Real-time monitoring, alerts, open data exports.")
    page.get_by_label("Category").select_option(label="— Data platforms")
    page.get_by_label("Deployment").select_option(label="Software as a service (SaaS)")
    page.get_by_label("Hosting country").fill("FR")
    page.get_by_label("Hosting provider").fill("OVHcloud")
    shot(page, "journey1-05-solution-form")
    page.get_by_role("button", name="Save the solution").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"{word.capitalize()} Watch").first).to_be_visible()
    shot(page, "journey1-06-solutions")
    page.goto("/supplier/profile")
    expect(page.get_by_text("Profile completeness: 6 of 6 steps done")).to_be_visible()

    # 5. It searches the needs for its word (none yet) and saves the search.
    page.goto("/needs")
    page.get_by_role("searchbox", name="Search").fill(word)
    page.get_by_role("searchbox", name="Search").press("Enter")
    expect(page.get_by_role("heading", name="0 needs")).to_be_visible()  # the results follow the words
    page.get_by_text("Save this search", exact=True).first.click()
    save = page.get_by_role("form", name="Save this search")
    save.get_by_label("Name of the search").fill(f"Water {word}")
    shot(page, "journey1-07-save-search")
    save.get_by_role("button", name="Save this search").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Search « Water {word} » saved")).to_be_visible()
    expect(page.get_by_text(f"« {word} »", exact=True)).to_be_visible()
    shot(page, "journey1-08-saved-searches")

    # 6. The buyer posts a need with that word, and publishes it.
    buyer = open_person(browser, base_url, "buyer@demo.tremplin.fr")
    title = f"Monitoring drinking water networks with {word} sensors"
    buyer.goto("/needs/new?skip=1")
    expect(buyer.get_by_role("heading", level=1)).to_have_text("Post a need")
    buyer.get_by_label("Title").fill(title)
    buyer.get_by_label("Summary").fill(f"Sensors and a data platform ({word}) to spot leaks and pollution early.")
    buyer.get_by_label("Description", exact=True).fill(
        "Three pilot sites, real-time alerts, open data exports, hosting in the EU.")
    buyer.get_by_role("group", name="Categories").get_by_label("Data platforms").check()
    buyer.get_by_label("Region").select_option(label="Bretagne")
    buyer.get_by_label("Minimum budget (€)").fill("150 000")
    buyer.get_by_label("Maximum budget (€)").fill("400 000")
    deadline = (datetime.now(PARIS) + timedelta(days=20)).strftime("%Y-%m-%dT12:00")
    buyer.get_by_label("Deadline for bids").fill(deadline)
    buyer.get_by_label("Who may see the need").select_option(label="Public: anyone may read it")
    buyer.get_by_label("We checked the shared solutions that already exist").check()
    buyer.get_by_label("What we found among shared solutions").fill("No shared solution covers water networks.")
    buyer.get_by_label("We looked for off-the-shelf solutions").check()
    buyer.get_by_label("What we found off the shelf").fill("Two products, none hosted in the EU.")
    shot(buyer, "journey1-09-buyer-need-form")
    buyer.get_by_role("button", name="Save the draft").click()
    buyer.wait_for_load_state()
    expect(buyer.get_by_text("Draft saved. Check it, add documents if needed, then publish it.")).to_be_visible()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(title)
    reference = buyer.get_by_text(re.compile(r"^TRP-\d{4}-\d+$")).first.inner_text().strip()
    buyer.get_by_role("button", name="Publish the need").click()
    buyer.wait_for_load_state()
    expect(buyer.get_by_text("The need is published.")).to_be_visible()
    expect(buyer.get_by_text("Published", exact=True).first).to_be_visible()
    shot(buyer, "journey1-10-buyer-need-published")

    # 7. The startup is alerted at once (in the app; the email waits for the daily digest).
    page.goto("/")
    bell = page.locator("[data-marker=header-notifications]")
    expect(bell).to_contain_text("Notifications (1 unread)")
    bell.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_text("1 unread notification")).to_be_visible()
    alert = page.get_by_role("listitem").filter(has_text=f"matching your saved search « Water {word} »")
    expect(alert).to_contain_text(title)
    shot(page, "journey1-11-notification")
    alert.get_by_role("button", name="Open").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(reference, exact=True)).to_be_visible()
    # ... and the saved search's results list the need.
    page.goto("/alerts/searches")
    page.get_by_role("link", name="See results").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="1 need", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    shot(page, "journey1-12-saved-search-results")

    # 8. It asks a question.
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()
    page.get_by_label("Your question").fill("Are the pilot sites equipped with a 4G connection?")
    page.get_by_role("button", name="Ask the question").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Question sent. The answer will be shown here to every supplier; your name will not."))\
        .to_be_visible()
    questions = page.get_by_role("region", name="Questions and answers")
    expect(questions).to_contain_text("Are the pilot sites equipped with a 4G connection?")
    expect(questions).to_contain_text("Awaiting the buyer's answer.")
    shot(page, "journey1-13-question-sent")

    # 9. It bids before the deadline.
    page.get_by_role("link", name="Bid on this need").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid on this need")
    bid = page.locator("[data-marker=bid-form]")
    bid.get_by_label("Summary of the offer").fill(f"{word.capitalize()} Watch on the three pilot sites.")
    bid.get_by_label("Proposal").fill("Sensors on each site, a shared dashboard, open data exports, training.")
    bid.get_by_label("Price (euros, excl. VAT)").fill("240 000")
    bid.get_by_label("Timeline").fill("Three months from kick-off.")
    bid.get_by_label("Solution offered").select_option(label=f"{word.capitalize()} Watch")
    bid.get_by_label("Hosting country").select_option("FR")
    bid.get_by_label("Hosting provider").fill("OVHcloud")
    bid.get_by_label("Can a foreign state reach the solution").fill("No: French company, hosting in France.")
    bid.get_by_label("Can the buyer leave easily").fill("Yes: CSV and Parquet exports, a written exit plan.")
    bid.get_by_label("Do you master the technology").fill("Yes: our own sensors and software.")
    shot(page, "journey1-14-bid-form")
    bid.get_by_role("button", name="Submit the bid").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Your bid is submitted. You can change or withdraw it until the deadline."))\
        .to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bid")
    expect(page.get_by_text("Submitted", exact=True).first).to_be_visible()
    expect(main_of(page)).to_contain_text("€240,000")
    bid_url = page.url
    shot(page, "journey1-15-bid-submitted")

    # 10. It changes its bid, still before the deadline.
    page.get_by_role("link", name="Change the bid").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your bid")
    bid = page.locator("[data-marker=bid-form]")
    expect(bid.get_by_label("Price (euros, excl. VAT)")).to_have_value(re.compile(r"^240\D?000"))
    bid.get_by_label("Price (euros, excl. VAT)").fill("225 000")
    bid.get_by_label("Timeline").fill("Ten weeks from kick-off.")
    bid.get_by_role("button", name="Update the bid").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Your bid is submitted. You can change or withdraw it until the deadline."))\
        .to_be_visible()
    expect(main_of(page)).to_contain_text("€225,000")
    expect(main_of(page)).not_to_contain_text("€240,000")
    expect(main_of(page)).to_contain_text("Ten weeks from kick-off.")
    shot(page, "journey1-16-bid-changed")

    # 11. Before the deadline the buyer sees that one bid came in, sealed.
    buyer.goto(f"/needs/{reference}/bids")
    expect(buyer.get_by_role("heading", level=1)).to_have_text("Bids received")
    expect(buyer.get_by_text("1 bid received")).to_be_visible()
    expect(buyer.locator("[data-marker=sealed]")).to_be_visible()
    expect(main_of(buyer)).not_to_contain_text("225,000")
    shot(buyer, "journey1-17-buyer-bids-sealed")

    # 12. The deadline passes (moved in the database: a browser cannot wait three weeks).
    move_deadline_into_the_past(demo_db, reference)
    page.goto(bid_url)
    expect(page.get_by_role("link", name="Change the bid")).to_have_count(0)

    # 13. The buyer reads the bid, scores it and awards it.
    buyer.goto(f"/needs/{reference}/bids")
    expect(buyer.get_by_text("1 bid received")).to_be_visible()
    ranking = buyer.locator("[data-marker=ranking]")
    expect(ranking).to_contain_text(organisation)
    expect(ranking).to_contain_text("€225,000")
    shot(buyer, "journey1-18-buyer-bids-open")
    ranking.get_by_role("link", name=organisation).click()
    buyer.wait_for_load_state()
    scores = buyer.locator("[data-marker=evaluation-form]")
    for criterion in ("Sovereignty", "Performance", "Security", "Maintenance", "Availability", "Reversibility",
                      "Interoperability", "Durability", "Cost"):
        scores.get_by_label(criterion, exact=True).select_option("4")
    scores.get_by_role("button", name="Save the scores").click()
    buyer.wait_for_load_state()
    expect(buyer.get_by_text("Your scores are saved.")).to_be_visible()
    expect(buyer.locator("[data-marker=score]")).to_contain_text("80")
    shot(buyer, "journey1-19-buyer-scores")

    buyer.goto(f"/needs/{reference}/bids")
    award = buyer.locator("[data-marker=award-form]")
    award.get_by_label(re.compile(re.escape(organisation))).check()
    expect(award.get_by_label("Contracted amount (euros, excl. VAT)")).to_have_value(re.compile(r"^225\D?000"))
    shot(buyer, "journey1-20-buyer-award")
    award.get_by_role("button", name="Award the chosen bids").click()
    buyer.wait_for_load_state()
    expect(buyer.get_by_text("1 bid awarded. The purchase counts towards your commitment.")).to_be_visible()
    expect(buyer.locator("[data-marker=ranking]")).to_contain_text("Awarded")
    shot(buyer, "journey1-21-buyer-awarded")

    # 14. The startup sees that it won: a notification, its bids, the bid itself.
    page.goto("/")
    expect(page.locator("[data-marker=header-notifications]")).to_contain_text("unread")
    page.locator("[data-marker=header-notifications]").click()
    page.wait_for_load_state()
    expect(page.get_by_text("1 unread notification")).to_be_visible()
    won = page.get_by_role("listitem").filter(has_text=f"Your bid on {title} is awarded")
    expect(won).to_have_count(1)
    shot(page, "journey1-22-notification-awarded")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Our bids").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our bids")
    row = page.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Awarded: €225,000")
    shot(page, "journey1-23-our-bids")

    row.get_by_role("link", name="Open").click()
    page.wait_for_load_state()
    assert page.url == bid_url
    expect(page.get_by_text("Your bid is awarded. Contracted amount: €225,000.")).to_be_visible()
    shot(page, "journey1-24-bid-awarded")
    operator.context.close()
    buyer.context.close()
