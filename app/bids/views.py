"""Bid pages. The blueprint lives in app.bids.web; the supplier's pages in
app.bids.supplier_views, the buyer's in app.bids.buyer_views. Importing this module
registers them all.
"""

from __future__ import annotations

from app.bids import buyer_views, supplier_views  # noqa: F401 - the routes
from app.bids.web import bp

__all__ = ["bp"]
