"""login, refresh and list_users stay a handful of statements (no N+1, cached keys)."""

import uuid

import pytest

from services.identity import use_cases
from services.identity.domain.passwords import hash_password
from services.identity.models import Membership, User
from services.identity.settings import IdentitySettings
from services.identity.tests.conftest import PASSWORD, context_of
from services.identity.tokens import Tokens
from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.errors import Unauthenticated
from shared.testing import statements_sent

ANON = CallContext(request_id="hot-path")


@pytest.fixture
def tokens():
    return Tokens(IdentitySettings.from_env())


@pytest.fixture
def firm(identity_db, tokens):
    with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
        owner = use_cases.signup(s, ANON, tokens, tenant_name="Acme", email="o@acme.test",
                                 password=PASSWORD, name="Olive")
    hashed = hash_password(PASSWORD)
    with tenant_transaction(identity_db.sessions, context_of(owner)) as s:
        for i in range(30):
            user = User(id=uuid.uuid4(), email=f"m{i}@acme.test", name=f"M {i}",
                        password_hash=hashed)
            s.add(user)
            s.flush()
            s.add(Membership(user_id=user.id, role="member"))
    with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
        tokens.keyring.jwks(s)  # steady state: the committed key is cached
    return owner


def _run(identity_db, ctx, fn, **kwargs):
    scope = {} if ctx.tenant_id else {"tenant_id": None, "user_id": None}
    with statements_sent(identity_db.engine) as statements:
        with tenant_transaction(identity_db.sessions, ctx, **scope) as s:
            result = fn(s, ctx, **kwargs)
    return result, [sql for sql, _ in statements]


def test_login_runs_at_most_seven_statements(identity_db, tokens, firm):
    pair, statements = _run(identity_db, ANON, use_cases.login, tokens=tokens,
                            email="o@acme.test", password=PASSWORD)
    assert pair["tenant_id"] == firm["tenant_id"]
    assert len(statements) <= 7, statements


def test_refresh_runs_at_most_four_statements(identity_db, tokens, firm):
    pair, statements = _run(identity_db, ANON, use_cases.refresh, tokens=tokens,
                            refresh_token=firm["refresh_token"])
    assert pair["tenant_id"] == firm["tenant_id"]
    assert len(statements) <= 4, statements


def test_a_page_of_users_costs_the_same_statements_whatever_its_size(identity_db, firm):
    small, few = _run(identity_db, context_of(firm), use_cases.list_users, limit=2)
    large, many = _run(identity_db, context_of(firm), use_cases.list_users, limit=25)
    assert (len(small["data"]), len(large["data"])) == (2, 25)
    assert len(few) == len(many) == 1, many  # the page carries the caller's role check


def test_a_page_of_users_walks_the_index_in_its_order_not_a_sort_of_all(identity_db, firm):
    """The page's own statement, explained as the app role runs it (RLS on): PostgreSQL
    reads the members in the index's order and stops at the page, whatever the firm's size.
    """
    from sqlalchemy import create_engine, text

    owner = create_engine(identity_db.owner_url)
    with owner.begin() as conn:  # a large firm: 2,000 more members
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                     {"t": firm["tenant_id"]})
        conn.execute(text(
            "WITH made AS (INSERT INTO users (id, email, name, password_hash, version) "
            "SELECT gen_random_uuid(), 'bulk' || i || '@acme.test', 'Bulk ' || i, 'x', 1 "
            "FROM generate_series(1, 2000) i RETURNING id) "
            "INSERT INTO memberships (tenant_id, user_id, role, version) "
            "SELECT :t, id, 'member', 1 FROM made"), {"t": firm["tenant_id"]})
        conn.execute(text("ANALYZE memberships"))
        conn.execute(text("ANALYZE users"))
    owner.dispose()
    ctx = context_of(firm)
    with tenant_transaction(identity_db.sessions, ctx) as s:
        with statements_sent(identity_db.engine) as sent:
            use_cases.list_users(s, ctx, limit=10)
        page_sql, params = sent[-1]
        plan = "\n".join(s.connection().exec_driver_sql("EXPLAIN " + page_sql, params).scalars())
    assert "ix_memberships_tenant_id_created_at_user_id" in plan, plan
    assert "Sort" not in plan, plan


def test_purging_forgets_only_counters_whose_window_closed(identity_db):
    from datetime import timedelta

    from services.identity.models import LoginFailure
    from shared.db import utcnow

    now = utcnow()
    with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
        s.add_all([
            LoginFailure(scope="account", key="old@x.test", failures=5,
                         window_started_at=now - timedelta(minutes=16)),
            LoginFailure(scope="account", key="new@x.test", failures=5,
                         window_started_at=now - timedelta(minutes=14)),
        ])
    with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
        assert use_cases.purge_login_failures(s, now) == 1
        assert [f.key for f in s.query(LoginFailure)] == ["new@x.test"]


def test_two_concurrent_refreshes_of_one_token_end_the_session(identity_db, tokens, firm):
    """The row lock serializes them; the loser presents an old generation: reuse."""
    import eventlet

    from services.identity.use_cases import Refused

    def refresh_once():
        with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
            return use_cases.refresh(s, ANON, tokens, refresh_token=firm["refresh_token"])

    outcomes = [t.wait() for t in [eventlet.spawn(refresh_once) for _ in range(2)]]
    assert sorted(isinstance(o, Refused) for o in outcomes) == [False, True]
    winner = next(o for o in outcomes if not isinstance(o, Refused))
    with pytest.raises(Unauthenticated):  # the session is gone, the winner's pair too
        with tenant_transaction(identity_db.sessions, ANON, tenant_id=None, user_id=None) as s:
            use_cases.refresh(s, ANON, tokens, refresh_token=winner["refresh_token"])
