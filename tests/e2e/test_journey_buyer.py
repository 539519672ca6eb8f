"""Journey 2: a ministry's buyer posts a need restricted to verified suppliers, under an
anonymous label, and takes it to an award, with two suppliers on the other side.

The buyer (buyer@, a ministry) chooses the need's categories, sees what already exists
first (the doctrine: reuse, then off the shelf), writes and publishes the need, sees the
suppliers suggested for it and invites the demo startup (Orbinova IA). The startup hears of
the invitation, reads the need without ever seeing the ministry's name, asks a question
and bids; the demo SME (Vigie Ponant Sécurité) finds the need by searching and bids too.
Until the deadline the buyer sees only how many bids came in (on the need's page and its
dashboard). The buyer answers the question; the startup, and the SME too, read the answer.
Then the deadline passes (moved into the past in the database: see
buyer_steps.move_deadline_into_past), the buyer scores both bids on the need's evaluation
grid, reads the ranking and awards the startup's bid, which the startup then sees as
awarded, with the contracted amount.

Everything is asserted as a French-speaking user reads it (the ``fr-FR`` browser locale),
with labels and roles rather than markup. Screenshots: e2e-artifacts/journey2-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.e2e.buyer_steps import (
    deadline_of,
    expect,
    expect_flash,
    move_deadline_into_past,
    people,
    text_of,
)
from tests.e2e.conftest import shot

BUYER = "buyer@demo.tremplin.fr"
STARTUP = "startup@demo.tremplin.fr"
SME = "sme@demo.tremplin.fr"
STARTUP_ORG = "Orbinova IA"
SME_ORG = "Vigie Ponant Sécurité"

TITLE = "Assistant conversationnel pour répondre aux questions des agents sur leurs droits RH"
SUMMARY = ("Un assistant conversationnel fondé sur un grand modèle de langage, hébergé en France, "
           "qui répond aux agents à partir des textes et des fiches RH du ministère.")
DESCRIPTION = ("Contexte : 40 000 agents posent chaque mois les mêmes questions sur leurs congés, "
               "leur carrière et leur rémunération.\nPérimètre : un assistant en français, relié "
               "aux fiches RH, avec les sources citées et une reprise par un agent humain.")
ANONYMOUS_LABEL = "une administration centrale de l’État"
QUESTION = "Les fiches RH sont-elles disponibles dans un format ouvert, et combien y en a-t-il ?"
ANSWER = "Oui : environ 1 200 fiches au format ODT, mises à jour chaque trimestre."


def _heading(page, level: int = 1):
    return page.get_by_role("heading", level=level)


def assert_buyer_hidden(page, buyer_name: str) -> None:
    """On a page about the need alone, the supplier never reads the ministry's name, nor
    finds it in the markup (lists mix in the ministry's other, non-anonymised needs)."""
    assert buyer_name not in text_of(page), f"the buyer's name is shown on {page.url}"
    assert buyer_name not in page.content(), f"the buyer's name is in the markup of {page.url}"


def bid(page, *, summary: str, price: str) -> None:
    """Fill and submit the bid form the page shows (a supplier's first bid)."""
    expect(_heading(page)).to_have_text("Répondre à ce besoin")
    form = page.locator("form[data-marker=bid-form]")
    form.get_by_label("Résumé de l’offre").fill(summary)
    form.get_by_label("Proposition", exact=True).fill(
        "Une équipe de quatre personnes, un pilote de trois mois puis un déploiement progressif.")
    form.get_by_label("Prix (euros HT)").fill(price)
    form.get_by_label("Calendrier", exact=True).fill("Pilote en 3 mois, généralisation en 9 mois.")
    form.get_by_label(re.compile("Cloud Act")).fill("Non : société française, hébergement en France.")
    form.get_by_label(re.compile("partir facilement")).fill("Oui : export complet en formats ouverts, plan de sortie.")
    form.get_by_label(re.compile("Maîtrisez-vous")).fill("Oui : développement propre, modèles ouverts.")
    form.get_by_role("button", name="Déposer l’offre").click()
    expect(_heading(page)).to_have_text("Votre offre")
    expect_flash(page, "Votre offre est déposée")
    expect(page.locator("[data-marker=bid-status]")).to_have_text("Déposée")


def score(page, value: str) -> None:
    """Score every criterion of the grid with `value` (0 to 5) on a bid's page, and save."""
    form = page.locator("form[data-marker=evaluation-form]")
    criteria = form.get_by_role("group", name="Notes de 0 à 5").get_by_role("combobox")
    expect(criteria).to_have_count(9)  # the doctrine's nine criteria
    for criterion in criteria.all():
        criterion.select_option(value)
    form.get_by_role("button", name="Enregistrer les notes").click()
    expect_flash(page, "Vos notes sont enregistrées.")


def test_buyer_posts_a_restricted_anonymised_need_and_awards_it(page, browser, base_url, demo_db):
    with people(browser, base_url) as signed_in:
        buyer = signed_in(BUYER)
        buyer_name = _heading(buyer).inner_text().strip()  # the buyer's dashboard names the ministry
        assert buyer_name.startswith("Ministère")

        # --- 1. The buyer starts a need: categories first. -------------------------------------
        buyer.get_by_role("navigation").get_by_role("link", name="Publier un besoin").first.click()
        expect(_heading(buyer)).to_have_text(re.compile("Sur quoi porte votre besoin"))
        buyer.get_by_label(re.compile("En quelques mots")).fill("assistant conversationnel")
        buyer.get_by_label("Grands modèles de langage (LLM)").check()
        buyer.get_by_label("Traitement du langage et documents").check()
        shot(buyer, "journey2-01-new-need")
        buyer.get_by_role("button", name="Voir ce qui existe déjà").click()

        # --- 2. What already exists, before the form: reuse first, off the shelf second. -------
        expect(_heading(buyer)).to_have_text("Publier un besoin")
        existing = buyer.locator("section.existing-solutions")
        expect(existing.get_by_role("heading", level=2)).to_have_text("Ce qui existe déjà")
        lists = existing.get_by_role("heading", level=3).all_inner_texts()
        assert lists, "no existing solution is shown for a need about LLM assistants"
        order = [text[:2] for text in lists]  # « 1. » shared, « 2. » used by members, « 3. » off the shelf
        assert order == sorted(order), f"the doctrine's order is not kept: {lists}"
        assert any("sur étagère" in text for text in lists), lists
        assert existing.get_by_role("listitem").count() > 0
        shot(buyer, "journey2-02-existing-solutions")

        # --- 3. The buyer writes the need and saves the draft. ---------------------------------
        form = buyer.locator("form.need-form")
        form.get_by_label("Titre", exact=True).fill(TITLE)
        form.get_by_label("Résumé", exact=True).fill(SUMMARY)
        form.get_by_label("Description", exact=True).fill(DESCRIPTION)
        expect(form.get_by_label("Grands modèles de langage (LLM)")).to_be_checked()  # carried from step 1
        form.get_by_label("Budget minimum (€)").fill("150 000")
        form.get_by_label("Budget maximum (€)").fill("400 000")
        form.get_by_label("Qui peut voir le besoin").select_option(label="Fournisseurs vérifiés uniquement")
        form.get_by_label(re.compile("Masquer notre nom aux fournisseurs")).check()
        form.get_by_label("Libellé affiché à la place de notre nom").fill(ANONYMOUS_LABEL)
        form.get_by_label("Nous avons vérifié les solutions mutualisées existantes").check()
        form.get_by_label("Ce que nous avons trouvé parmi les solutions mutualisées").fill(
            "Aucune solution mutualisée ne couvre les fiches RH du ministère.")
        form.get_by_label("Nous avons cherché des solutions sur étagère").check()
        form.get_by_label("Ce que nous avons trouvé sur étagère").fill(
            "Des assistants existent ; nous voulons les comparer sur nos propres fiches.")
        expect(form.get_by_label("Total des pondérations")).to_have_value("100")
        shot(buyer, "journey2-03-need-form")
        form.get_by_role("button", name="Enregistrer le brouillon").click()

        expect(_heading(buyer)).to_have_text(TITLE)
        expect_flash(buyer, "Brouillon enregistré.")
        reference = buyer.locator("header .eyebrow").inner_text().strip()
        assert reference and reference in buyer.url
        before = buyer.get_by_role("region", name="Avant de publier")
        expect(before).to_contain_text("Ce brouillon est complet")
        expect(buyer.get_by_role("heading", name="Ce qui existe déjà")).to_be_visible()  # again, on the draft
        shot(buyer, "journey2-04-draft")

        # --- 4. Published: restricted, anonymised, sealed; suppliers suggested. ---------------
        before.get_by_role("button", name="Publier le besoin").click()
        expect_flash(buyer, "Le besoin est publié.")
        header = buyer.locator("header.page-header")
        expect(header).to_contain_text("Publié")
        expect(header).to_contain_text("Fournisseurs vérifiés uniquement")
        expect(header).to_contain_text(buyer_name)  # the buyer's own people see its name...
        expect(header).to_contain_text(ANONYMOUS_LABEL)  # ...and the label suppliers see instead
        deadline = deadline_of(buyer)
        assert deadline > datetime.now(UTC) + timedelta(days=7), "the default deadline is weeks ahead"
        suggestions = buyer.locator("#suggestions")
        expect(suggestions.get_by_role("heading", level=2)).to_have_text("Fournisseurs suggérés")
        suggested = suggestions.locator("[data-marker=suggestion]")
        assert suggested.count() > 0, "no supplier is suggested for the need"
        expect(suggested.first.locator("[data-marker=match-score]")).to_have_text(re.compile(r"\d+/100"))
        shot(buyer, "journey2-05-published-suggestions")

        # --- 5. The buyer invites the demo startup, one of the suppliers suggested. ------------
        startup_card = suggested.filter(has=buyer.get_by_role("link", name=STARTUP_ORG, exact=True))
        expect(startup_card).to_have_count(1)  # an LLM startup, verified: matched to the need
        startup_card.get_by_role("button", name=f"Inviter {STARTUP_ORG}").click()
        expect_flash(buyer, f"Invitation envoyée à {STARTUP_ORG}.")
        expect(buyer.locator("#suggestions [data-marker=suggestion]").filter(
            has=buyer.get_by_role("link", name=STARTUP_ORG, exact=True))).to_contain_text("Invité")
        expect(buyer.get_by_role("region", name="Fournisseurs invités")).to_contain_text(STARTUP_ORG)
        shot(buyer, "journey2-06-invited")

        # --- 6. The startup hears of the invitation: from « une administration … », not the ministry.
        startup = signed_in(STARTUP)
        startup.locator("[data-marker=header-notifications]").click()
        expect(_heading(startup)).to_have_text("Notifications")
        invitation = startup.get_by_role("listitem").filter(has_text=TITLE).filter(has_text="vous invite")
        expect(invitation).to_have_count(1)
        expect(invitation).to_contain_text(ANONYMOUS_LABEL)
        expect(invitation).not_to_contain_text(buyer_name)
        shot(startup, "journey2-07-startup-invitation")
        invitation.get_by_role("button", name="Consulter").click()

        expect(_heading(startup)).to_have_text(TITLE)
        assert reference in startup.url
        expect(startup.locator("header.page-header")).to_contain_text(ANONYMOUS_LABEL)
        expect(startup.locator("header.page-header")).to_contain_text("Fournisseurs vérifiés uniquement")
        assert_buyer_hidden(startup, buyer_name)
        shot(startup, "journey2-08-startup-need")

        # --- 7. The startup asks a question, then bids. -----------------------------------------
        questions = startup.get_by_role("region", name="Questions et réponses")
        questions.get_by_label("Votre question").fill(QUESTION)
        questions.get_by_role("button", name="Poser la question").click()
        expect_flash(startup, "Question envoyée")
        asked = startup.get_by_role("region", name="Questions et réponses").get_by_role("listitem").filter(
            has_text=QUESTION)
        expect(asked).to_contain_text("Question de votre organisation")
        expect(asked).to_contain_text("En attente de la réponse de l’acheteur")

        startup.get_by_role("link", name="Répondre à ce besoin").click()
        requirements = startup.locator("[data-marker=requirements]")
        expect(requirements).to_contain_text(ANONYMOUS_LABEL)
        assert_buyer_hidden(startup, buyer_name)
        bid(startup, summary="Assistant RH souverain, hébergé en France, sources citées.", price="240 000")
        assert_buyer_hidden(startup, buyer_name)
        shot(startup, "journey2-09-startup-bid")

        # --- 8. The SME finds the need by searching (restricted: it is verified), and bids. ---
        sme = signed_in(SME)
        sme.get_by_role("navigation").get_by_role("link", name="Trouver des besoins").first.click()
        search_box = sme.get_by_role("searchbox").or_(sme.get_by_role("textbox", name=re.compile("Rechercher")))
        search_box.first.fill("assistant conversationnel droits RH")
        search_box.first.press("Enter")
        result = sme.get_by_role("link", name=TITLE)
        expect(result.first).to_be_visible()
        # Other needs of the same ministry, not anonymised, are listed under its name; this one
        # shows the anonymous label instead.
        card = sme.get_by_role("article").or_(sme.get_by_role("listitem")).filter(has=result.first).last
        expect(card).to_contain_text(ANONYMOUS_LABEL)
        expect(card).not_to_contain_text(buyer_name)
        shot(sme, "journey2-10-sme-search")
        result.first.click()
        expect(_heading(sme)).to_have_text(TITLE)
        expect(sme.locator("header.page-header")).to_contain_text(ANONYMOUS_LABEL)
        assert_buyer_hidden(sme, buyer_name)
        # Another supplier's question stays out of sight until the buyer answers it.
        expect(sme.get_by_role("region", name="Questions et réponses")).not_to_contain_text(QUESTION)
        sme.get_by_role("link", name="Répondre à ce besoin").click()
        bid(sme, summary="Assistant hébergé SecNumCloud, équipe de Rennes.", price="310 000")

        # --- 9. Before the deadline the buyer sees how many bids, not what they say. ----------
        buyer.reload()
        panel = buyer.locator("[data-marker=bid-panel]")
        expect(panel).to_contain_text("2 offres reçues")
        expect(panel).to_contain_text("sous pli scellé")
        expect(panel.get_by_role("link", name="Comparer les offres")).to_have_count(0)
        assert SME_ORG not in text_of(buyer), "a sealed bid's supplier is named to the buyer"
        shot(buyer, "journey2-11-buyer-sealed")
        # The dashboard lists the two bids as received, sealed, their suppliers not named.
        buyer.get_by_role("navigation").get_by_role("link", name="Tableau de bord").first.click()
        received = buyer.get_by_role("region", name="Dernières offres reçues").get_by_role("row").filter(
            has_text=TITLE)
        expect(received).to_have_count(2)
        for row in received.all():
            expect(row).to_contain_text("Sous pli scellé jusqu’à la date limite")
            expect(row).not_to_contain_text(STARTUP_ORG)
            expect(row).not_to_contain_text(SME_ORG)
        shot(buyer, "journey2-11b-buyer-dashboard-sealed")
        buyer.goto(f"/needs/{reference}")

        # --- 10. The buyer answers the question; the startup reads the answer. ----------------
        question = buyer.get_by_role("region", name="Questions et réponses").get_by_role("listitem").filter(
            has_text=QUESTION)
        expect(question).to_contain_text("Question d’un fournisseur")
        question.get_by_label("Réponse", exact=True).fill(ANSWER)
        question.get_by_role("button", name="Publier la réponse").click()
        expect_flash(buyer, "Réponse publiée")
        startup.goto(f"/needs/{reference}")
        answered = startup.get_by_role("region", name="Questions et réponses").get_by_role("listitem").filter(
            has_text=QUESTION)
        expect(answered).to_contain_text("Réponse de l’acheteur")
        expect(answered).to_contain_text(ANSWER)
        assert_buyer_hidden(startup, buyer_name)
        shot(startup, "journey2-12-startup-answer")
        # Every supplier who sees the need reads the answer too, the asker never named.
        sme.goto(f"/needs/{reference}")
        shared = sme.get_by_role("region", name="Questions et réponses").get_by_role("listitem").filter(
            has_text=QUESTION)
        expect(shared).to_contain_text("Question d’un fournisseur")
        expect(shared).to_contain_text(ANSWER)
        assert STARTUP_ORG not in text_of(sme)

        # --- 11. The deadline passes. ------------------------------------------------------------
        move_deadline_into_past(demo_db, reference)

        buyer.reload()
        expect(buyer.locator("header.page-header")).to_contain_text("Clos")
        expect(buyer.get_by_text("La remise des offres est close depuis la date limite.")).to_be_visible()
        buyer.locator("[data-marker=bid-panel]").get_by_role("link", name="Comparer les offres").click()

        # --- 12. The buyer scores the bids on the grid and reads the ranking. ----------------
        expect(_heading(buyer)).to_have_text("Offres reçues")
        ranking = buyer.locator("table[data-marker=ranking]")
        expect(ranking.locator("tbody tr")).to_have_count(2)
        expect(ranking).to_contain_text("non noté")
        shot(buyer, "journey2-13-bids-unsealed")

        ranking.get_by_role("link", name=SME_ORG).click()
        expect(_heading(buyer)).to_have_text(f"Offre de {SME_ORG}")
        score(buyer, "3")
        expect(buyer.locator("[data-marker=evaluation] [data-marker=score]")).to_have_text(re.compile(r"60,0\s*/\s*100"))
        buyer.get_by_role("link", name="Toutes les offres sur ce besoin").click()

        buyer.locator("table[data-marker=ranking]").get_by_role("link", name=STARTUP_ORG).click()
        expect(_heading(buyer)).to_have_text(f"Offre de {STARTUP_ORG}")
        score(buyer, "4")
        evaluation = buyer.locator("[data-marker=evaluation]")
        expect(evaluation.locator("[data-marker=score]")).to_have_text(re.compile(r"80,0\s*/\s*100"))
        expect(evaluation).to_contain_text("rang 1")
        shot(buyer, "journey2-14-bid-scored")
        buyer.get_by_role("link", name="Toutes les offres sur ce besoin").click()

        rows = buyer.locator("table[data-marker=ranking] tbody tr")
        expect(rows.nth(0)).to_contain_text(STARTUP_ORG)
        expect(rows.nth(0)).to_contain_text(re.compile(r"80,0\s*/\s*100"))
        expect(rows.nth(0).locator("td").first).to_have_text("1")
        expect(rows.nth(1)).to_contain_text(SME_ORG)
        expect(rows.nth(1)).to_contain_text(re.compile(r"60,0\s*/\s*100"))
        expect(rows.nth(1).locator("td").first).to_have_text("2")
        shot(buyer, "journey2-15-ranking")

        # --- 13. The buyer awards the startup's bid. -------------------------------------------
        award = buyer.locator("form[data-marker=award-form]")
        award.get_by_label(re.compile(STARTUP_ORG)).check()
        expect(award.locator("fieldset").filter(has_text=STARTUP_ORG).get_by_label(
            "Montant contractuel (euros HT)")).to_have_value(re.compile(r"240\s?000"))
        award.get_by_role("button", name="Attribuer les offres choisies").click()
        expect_flash(buyer, "1 offre attribuée")
        rows = buyer.locator("table[data-marker=ranking] tbody tr")
        expect(rows.filter(has_text=STARTUP_ORG)).to_contain_text("Retenue")
        expect(buyer.locator("header.page-header")).to_contain_text("Attribué")
        shot(buyer, "journey2-16-awarded")

        # --- 14. The startup hears that its bid is awarded, and sees it. -----------------------
        startup.locator("[data-marker=header-notifications]").click()
        expect(_heading(startup)).to_have_text("Notifications")
        awarded = startup.get_by_role("listitem").filter(has_text=TITLE).filter(has_text="est retenue")
        expect(awarded).to_have_count(1)
        shot(startup, "journey2-17-startup-notified")
        awarded.get_by_role("button", name="Consulter").click()
        expect(_heading(startup)).to_have_text("Votre offre")
        expect(startup.locator("[data-marker=bid-status]")).to_have_text("Retenue")
        expect(startup.get_by_text("Votre offre est retenue.")).to_be_visible()
        expect(startup.locator("main")).to_contain_text(re.compile(r"Montant contractuel\s*:\s*240\s000"))
        assert_buyer_hidden(startup, buyer_name)
        shot(startup, "journey2-18-startup-awarded")

        startup.get_by_role("navigation").get_by_role("link", name="Nos offres").first.click()
        mine = startup.get_by_role("row").filter(has_text=TITLE)
        expect(mine).to_contain_text("Retenue")
        expect(mine).to_contain_text(ANONYMOUS_LABEL)
        expect(mine).not_to_contain_text(buyer_name)  # other rows: the ministry's needs under its name
        shot(startup, "journey2-19-startup-bids")
        startup.goto(f"/needs/{reference}")
        expect(startup.get_by_text("Ce besoin a été attribué.")).to_be_visible()
        expect(startup.locator("[data-marker=bid-panel]")).to_contain_text("Retenue")
        assert_buyer_hidden(startup, buyer_name)

    # --- 15. A visitor still cannot reach the need, and the open data never names the buyer.
    assert page.goto(f"/needs/{reference}").status == 404
    record = page.request.get(f"/open-data/ocds/{reference}.json")
    assert record.status in (200, 404)
    assert buyer_name not in record.text()
