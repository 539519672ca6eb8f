"""Money and times as French and English readers expect them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import force_locale

from app.bids.models import BidStatus
from app.main.filters import badge, euros, paris_time
from app.needs.models import NeedStatus


def test_amounts_in_cents_are_shown_in_euros(app_ctx):
    with app_ctx.test_request_context("/"):
        with force_locale("fr"):
            assert euros(1_250_000_00) == "1\u202f250\u202f000\u00a0€"
            assert euros(1999) == "19,99\u00a0€"
            assert euros(None) == "—"
        with force_locale("en"):
            assert euros(1_250_000_00) == "€1,250,000"
            assert euros(1999) == "€19.99"


def test_times_are_shown_in_paris_time(app_ctx):
    summer = datetime(2026, 7, 14, 8, 30, tzinfo=UTC)  # 10:30 in Paris (UTC+2)
    winter = datetime(2026, 12, 24, 8, 30, tzinfo=UTC)  # 09:30 in Paris (UTC+1)
    with app_ctx.test_request_context("/"), force_locale("fr"):
        assert "10:30" in paris_time(summer, "short")
        assert "09:30" in paris_time(winter, "short")


def test_a_need_and_a_bid_with_the_same_status_read_correctly_in_french(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("fr"):
        assert "Attribué<" in badge(NeedStatus.AWARDED)
        assert "Retenue<" in badge(BidStatus.AWARDED)
        assert 'class="badge badge-success"' in badge(BidStatus.AWARDED)
