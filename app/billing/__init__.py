"""Paid plans for suppliers, billed by Stripe; never a charge for public tenders.

- ``plans``: plan names, prices and entitlements, read from configuration.
- ``models``: an organisation's billing account (its Stripe customer and subscription)
  and the Stripe events already processed.
- ``entitlements``: the one place pages, API and jobs ask what an organisation may do.
- ``gateway``: the only module that talks to Stripe.
"""
