"""crm's first schema: members (mirrored from identity), clients, contacts and their links,
custom field definitions, pipelines, stages, deals, imports, and the platform outbox and
inbox. RLS on every table; pg_trgm for the search indexes.

It has shipped (on main since 2026-11-22, and in `make up` databases): every change
after it is a new revision, never an edit of this one.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migration_support import create_platform_tables, disable_tenant_rls, enable_tenant_rls

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "members",
    "clients",
    "contacts",
    "client_contacts",
    "custom_field_definitions",
    "pipelines",
    "stages",
    "deals",
    "deal_contacts",
    "imports",
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('clients',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=2048), nullable=True),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('tax_id', sa.String(length=50), nullable=True),
    sa.Column('billing_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_before_archive', sa.String(length=20), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('custom', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('owner_flagged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('import_key', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients'))
    )
    op.create_index('ix_clients_custom', 'clients', ['custom'], unique=False, postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.create_index('ix_clients_search_text_trgm', 'clients', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_clients_tags', 'clients', ['tags'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_clients_tenant_id'), 'clients', ['tenant_id'], unique=False)
    op.create_index('ix_clients_tenant_id_domain', 'clients', ['tenant_id', 'domain'], unique=False)
    op.create_index('ix_clients_tenant_id_lower_name', 'clients', ['tenant_id', sa.literal_column('lower(name)')], unique=False)
    op.create_index('ix_clients_tenant_id_name_id', 'clients', ['tenant_id', 'name', 'id'], unique=False)
    op.create_index('ix_clients_tenant_id_owner_id', 'clients', ['tenant_id', 'owner_id'], unique=False)
    op.create_index('uq_clients_tenant_id_import_key', 'clients', ['tenant_id', 'import_key'], unique=True, postgresql_where=sa.text('import_key IS NOT NULL'))
    op.create_table('custom_field_definitions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_field_definitions'))
    )
    op.create_index(op.f('ix_custom_field_definitions_tenant_id'), 'custom_field_definitions', ['tenant_id'], unique=False)
    op.create_index('uq_custom_field_definitions_key', 'custom_field_definitions', ['tenant_id', 'entity', 'key'], unique=True)
    op.create_table('imports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('created_rows', sa.Integer(), nullable=False),
    sa.Column('skipped_rows', sa.Integer(), nullable=False),
    sa.Column('failed_rows', sa.Integer(), nullable=False),
    sa.Column('problems', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('problem_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_index(op.f('ix_imports_tenant_id'), 'imports', ['tenant_id'], unique=False)
    op.create_table('members',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'user_id', name=op.f('pk_members'))
    )
    op.create_index(op.f('ix_members_tenant_id'), 'members', ['tenant_id'], unique=False)
    op.create_table('pipelines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipelines'))
    )
    op.create_index(op.f('ix_pipelines_tenant_id'), 'pipelines', ['tenant_id'], unique=False)
    op.create_index('ix_pipelines_tenant_id_position', 'pipelines', ['tenant_id', 'position'], unique=False)
    op.create_index('uq_pipelines_tenant_id_default', 'pipelines', ['tenant_id'], unique=True, postgresql_where=sa.text('is_default'))
    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('emails', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('phones', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('primary_client_id', sa.Uuid(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('custom', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('owner_flagged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('import_key', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['primary_client_id'], ['clients.id'], name=op.f('fk_contacts_primary_client_id_clients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    op.create_index('ix_contacts_custom', 'contacts', ['custom'], unique=False, postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.create_index('ix_contacts_emails', 'contacts', ['emails'], unique=False, postgresql_using='gin', postgresql_ops={'emails': 'jsonb_path_ops'})
    op.create_index('ix_contacts_search_text_trgm', 'contacts', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_contacts_tags', 'contacts', ['tags'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_contacts_tenant_id'), 'contacts', ['tenant_id'], unique=False)
    op.create_index('ix_contacts_tenant_id_name_id', 'contacts', ['tenant_id', 'name', 'id'], unique=False, postgresql_include=['search_text', 'tags'])
    op.create_index('ix_contacts_tenant_id_created_at_id', 'contacts', ['tenant_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_contacts_tenant_id_updated_at_id', 'contacts', ['tenant_id', 'updated_at', 'id'], unique=False)
    op.create_index('ix_contacts_tenant_id_owner_id', 'contacts', ['tenant_id', 'owner_id'], unique=False)
    op.create_index('ix_contacts_tenant_id_primary_client_id', 'contacts', ['tenant_id', 'primary_client_id'], unique=False)
    op.create_index('uq_contacts_tenant_id_import_key', 'contacts', ['tenant_id', 'import_key'], unique=True, postgresql_where=sa.text('import_key IS NOT NULL'))
    op.create_table('stages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pipeline_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_stages_pipeline_id_pipelines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages'))
    )
    op.create_index('ix_stages_pipeline_id_position', 'stages', ['pipeline_id', 'position'], unique=False)
    op.create_index(op.f('ix_stages_tenant_id'), 'stages', ['tenant_id'], unique=False)
    op.create_table('client_contacts',
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_contacts_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_client_contacts_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'contact_id', name=op.f('pk_client_contacts'))
    )
    op.create_index('ix_client_contacts_contact_id', 'client_contacts', ['contact_id'], unique=False)
    op.create_index(op.f('ix_client_contacts_tenant_id'), 'client_contacts', ['tenant_id'], unique=False)
    op.create_table('deals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('pipeline_id', sa.Uuid(), nullable=False),
    sa.Column('stage_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=19, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('expected_close_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('won_amount', sa.Numeric(precision=19, scale=4), nullable=True),
    sa.Column('lost_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rank', sa.BigInteger(), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('custom', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('owner_flagged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_deals_client_id_clients')),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_deals_pipeline_id_pipelines')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_deals_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals'))
    )
    op.create_index('ix_deals_custom', 'deals', ['custom'], unique=False, postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.create_index('ix_deals_search_text_trgm', 'deals', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_deals_stage_id_rank', 'deals', ['stage_id', 'rank'], unique=False)
    op.create_index('ix_deals_tags', 'deals', ['tags'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_deals_tenant_id'), 'deals', ['tenant_id'], unique=False)
    op.create_index('ix_deals_tenant_id_client_id', 'deals', ['tenant_id', 'client_id'], unique=False)
    op.create_index('ix_deals_tenant_id_name_id', 'deals', ['tenant_id', 'name', 'id'], unique=False)
    op.create_index('ix_deals_tenant_id_owner_id', 'deals', ['tenant_id', 'owner_id'], unique=False)
    op.create_index('ix_deals_tenant_id_status_expected_close', 'deals', ['tenant_id', 'status', 'expected_close_date'], unique=False, postgresql_include=['owner_id', 'stage_id', 'pipeline_id', 'currency', 'amount'])
    op.create_index('ix_deals_tenant_id_status_closed_at', 'deals', ['tenant_id', 'status', 'closed_at'], unique=False, postgresql_include=['owner_id', 'pipeline_id', 'currency', 'won_amount'])
    op.create_table('deal_contacts',
    sa.Column('deal_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_deal_contacts_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_contacts_deal_id_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deal_id', 'contact_id', name=op.f('pk_deal_contacts'))
    )
    op.create_index('ix_deal_contacts_contact_id', 'deal_contacts', ['contact_id'], unique=False)
    op.create_index(op.f('ix_deal_contacts_tenant_id'), 'deal_contacts', ['tenant_id'], unique=False)
    create_platform_tables()
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_index(op.f('ix_deal_contacts_tenant_id'), table_name='deal_contacts')
    op.drop_index('ix_deal_contacts_contact_id', table_name='deal_contacts')
    op.drop_table('deal_contacts')
    op.drop_index('ix_deals_tenant_id_status_closed_at', table_name='deals')
    op.drop_index('ix_deals_tenant_id_status_expected_close', table_name='deals')
    op.drop_index('ix_deals_tenant_id_owner_id', table_name='deals')
    op.drop_index('ix_deals_tenant_id_name_id', table_name='deals')
    op.drop_index('ix_deals_tenant_id_client_id', table_name='deals')
    op.drop_index(op.f('ix_deals_tenant_id'), table_name='deals')
    op.drop_index('ix_deals_tags', table_name='deals', postgresql_using='gin')
    op.drop_index('ix_deals_stage_id_rank', table_name='deals')
    op.drop_index('ix_deals_search_text_trgm', table_name='deals', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.drop_index('ix_deals_custom', table_name='deals', postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.drop_table('deals')
    op.drop_index(op.f('ix_client_contacts_tenant_id'), table_name='client_contacts')
    op.drop_index('ix_client_contacts_contact_id', table_name='client_contacts')
    op.drop_table('client_contacts')
    op.drop_index(op.f('ix_stages_tenant_id'), table_name='stages')
    op.drop_index('ix_stages_pipeline_id_position', table_name='stages')
    op.drop_table('stages')
    op.drop_index('uq_contacts_tenant_id_import_key', table_name='contacts', postgresql_where=sa.text('import_key IS NOT NULL'))
    op.drop_index('ix_contacts_tenant_id_primary_client_id', table_name='contacts')
    op.drop_index('ix_contacts_tenant_id_owner_id', table_name='contacts')
    op.drop_index('ix_contacts_tenant_id_name_id', table_name='contacts')
    op.drop_index('ix_contacts_tenant_id_created_at_id', table_name='contacts')
    op.drop_index('ix_contacts_tenant_id_updated_at_id', table_name='contacts')
    op.drop_index(op.f('ix_contacts_tenant_id'), table_name='contacts')
    op.drop_index('ix_contacts_tags', table_name='contacts', postgresql_using='gin')
    op.drop_index('ix_contacts_search_text_trgm', table_name='contacts', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.drop_index('ix_contacts_emails', table_name='contacts', postgresql_using='gin', postgresql_ops={'emails': 'jsonb_path_ops'})
    op.drop_index('ix_contacts_custom', table_name='contacts', postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.drop_table('contacts')
    op.drop_index('uq_pipelines_tenant_id_default', table_name='pipelines', postgresql_where=sa.text('is_default'))
    op.drop_index('ix_pipelines_tenant_id_position', table_name='pipelines')
    op.drop_index(op.f('ix_pipelines_tenant_id'), table_name='pipelines')
    op.drop_table('pipelines')
    op.drop_index(op.f('ix_members_tenant_id'), table_name='members')
    op.drop_table('members')
    op.drop_index(op.f('ix_imports_tenant_id'), table_name='imports')
    op.drop_table('imports')
    op.drop_index('uq_custom_field_definitions_key', table_name='custom_field_definitions')
    op.drop_index(op.f('ix_custom_field_definitions_tenant_id'), table_name='custom_field_definitions')
    op.drop_table('custom_field_definitions')
    op.drop_index('uq_clients_tenant_id_import_key', table_name='clients', postgresql_where=sa.text('import_key IS NOT NULL'))
    op.drop_index('ix_clients_tenant_id_owner_id', table_name='clients')
    op.drop_index('ix_clients_tenant_id_name_id', table_name='clients')
    op.drop_index('ix_clients_tenant_id_lower_name', table_name='clients')
    op.drop_index('ix_clients_tenant_id_domain', table_name='clients')
    op.drop_index(op.f('ix_clients_tenant_id'), table_name='clients')
    op.drop_index('ix_clients_tags', table_name='clients', postgresql_using='gin')
    op.drop_index('ix_clients_search_text_trgm', table_name='clients', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.drop_index('ix_clients_custom', table_name='clients', postgresql_using='gin', postgresql_ops={'custom': 'jsonb_path_ops'})
    op.drop_table('clients')
