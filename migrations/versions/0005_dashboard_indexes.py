"""Commitment dashboard: a partial index on verified purchases in buyer and supplier order,
covering what the Small Business Act indicators by buyer read, so that each buyer's
suppliers (and those reached for the first time) are counted from the index alone, in
order, without sorting the verified purchases (bench/commitment_dashboard.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

VERIFIED = sa.text("status = 'verified'")


def upgrade():
    op.create_index('ix_purchases_verified_buyer_supplier_key', 'purchases',
                    ['buyer_id', 'supplier_key', 'purchased_on'], unique=False,
                    postgresql_include=['amount_cents', 'supplier_class', 'supplier_geo'],
                    postgresql_where=VERIFIED, sqlite_where=VERIFIED)


def downgrade():
    op.drop_index('ix_purchases_verified_buyer_supplier_key', table_name='purchases')
