"""Operations: long work (needs imports, exports, search reindex) run by a job, with its
status, progress counts (done of total), message, parameters and result, its owner and
organisation, and when it was created, started and finished.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('operations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('needs_import', 'export', 'reindex', name='operation_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='operation_status', native_enum=False, create_constraint=True), server_default='queued', nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=2), nullable=False),
    sa.Column('done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_operations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_operations_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations'))
    )
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.create_index('ix_operations_owner_created', ['owner_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_index('ix_operations_owner_created')

    op.drop_table('operations')
