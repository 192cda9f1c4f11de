"""The CRM forecast over 100,000 deals: through the gateway, in-process, and its raw SQL.

Starts the whole suite (prefix `bbench_deal` unless BUREAU_BENCH_PREFIX says otherwise,
its own vhost), signs up a tenant, seeds members, clients and deals in SQL
(`INSERT ... SELECT generate_series`), then times, in alternating rounds:

- `GET /api/v1/crm/forecast` through the gateway (auth, RPC, crm, JSON);
- the use case in this process (SQLAlchemy, RLS, the Decimal roll-up), no RPC;
- the baseline: the same three aggregate queries sent with psycopg, rows fetched.

Prints medians and p90 of each and EXPLAIN ANALYZE of the two big queries. Figures, not a
pass/fail test (target: <= 200 ms through the gateway). Usage:
`python -m bench.crm_forecast [--deals 100000] [--calls 30]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import requests
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
OWNERS = 50
CLIENTS = 1000

SEED_MEMBERS = """
INSERT INTO members (tenant_id, user_id, email, name, role, active, updated_at)
SELECT :t, gen_random_uuid(), 'owner' || i || '@bench.example', 'Owner ' || i, 'member',
       true, now()
FROM generate_series(1, :owners) AS i
"""
SEED_CLIENTS = """
INSERT INTO clients (id, tenant_id, name, currency, owner_id, status, notes, search_text,
                     version)
SELECT gen_random_uuid(), :t, 'Client ' || i, 'EUR', :owner, 'active', '',
       'client ' || i, 1
FROM generate_series(1, :clients) AS i
"""
SEED_DEALS = """
WITH s AS (SELECT array_agg(id ORDER BY position) AS ids FROM stages
           WHERE pipeline_id = :p AND archived_at IS NULL),
     o AS (SELECT array_agg(user_id) AS ids FROM members),
     c AS (SELECT array_agg(id) AS ids FROM clients)
INSERT INTO deals (id, tenant_id, name, client_id, pipeline_id, stage_id, owner_id, amount,
                   currency, expected_close_date, status, won_amount, lost_reason, closed_at,
                   rank, notes, search_text, version)
SELECT gen_random_uuid(), :t, 'Deal ' || i,  -- `i * 0`: a fresh random() per row
       c.ids[1 + i % array_length(c.ids, 1)], :p,
       s.ids[1 + (i / 7) % array_length(s.ids, 1)],
       o.ids[1 + (i / 3) % array_length(o.ids, 1)],
       a.amount, CASE WHEN i % 10 = 0 THEN 'USD' ELSE 'EUR' END,
       CASE WHEN i % 50 = 0 THEN NULL ELSE current_date - 365 + (i % 730) END,
       st.status,
       CASE WHEN st.status = 'won' THEN a.amount END,
       CASE WHEN st.status = 'lost' THEN 'bench' END,
       CASE WHEN st.status <> 'open' THEN now() - ((i % 540) || ' days')::interval END,
       i::bigint * 65536, '', 'deal ' || i, 1
FROM generate_series(1, :n) AS i, s, o, c,
     LATERAL (SELECT round((random() * 50000 + i * 0)::numeric, 2) AS amount) AS a,
     LATERAL (SELECT CASE WHEN i % 20 < 12 THEN 'open' WHEN i % 20 < 17 THEN 'won'
                          ELSE 'lost' END AS status) AS st
"""
OPEN_SQL = """
SELECT CAST(date_trunc('month', CAST(expected_close_date AS timestamp)) AS date), owner_id,
       stage_id, currency, count(*), sum(amount)
FROM deals
WHERE tenant_id = :t AND status = 'open' AND expected_close_date >= :start
  AND expected_close_date <= :end
GROUP BY 1, 2, 3, 4
"""
CLOSED_SQL = """
SELECT CAST(date_trunc('month', timezone('UTC', closed_at)) AS date), owner_id, status,
       currency, count(*), sum(won_amount)
FROM deals
WHERE tenant_id = :t AND status IN ('won', 'lost') AND closed_at >= :since
  AND closed_at < :until
GROUP BY 1, 2, 3, 4
"""
UNDATED_SQL = """
SELECT count(*) FROM deals
WHERE tenant_id = :t AND status = 'open' AND expected_close_date IS NULL
"""


@dataclasses.dataclass
class Timing:
    samples: list[float] = dataclasses.field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        return statistics.quantiles(self.samples, n=10)[-1]


def timed(call: Callable[[], Any]) -> float:
    started = perf_counter()
    call()
    return (perf_counter() - started) * 1000


def forecast_range(today: date) -> tuple[date, date]:
    """Six months back to six months ahead: open and closed deals both count."""
    start = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
    end = date(start.year + 1, start.month, 1) - timedelta(days=1)
    return start, end


def seed(owner_url: str, tenant_id: str, owner_id: str, pipeline_id: str, deals: int) -> None:
    engine = create_engine(owner_url)
    started = perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        conn.execute(text(SEED_MEMBERS), {"t": tenant_id, "owners": OWNERS})
        conn.execute(text(SEED_CLIENTS), {"t": tenant_id, "owner": owner_id,
                                          "clients": CLIENTS})
        conn.execute(text(SEED_DEALS), {"t": tenant_id, "p": pipeline_id, "n": deals})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE deals"))
    engine.dispose()
    print(f"seeded {deals} deals, {CLIENTS} clients, {OWNERS} owners in "
          f"{perf_counter() - started:.1f} s", flush=True)


def explain(app_url: str, tenant_id: str, params: dict[str, Any]) -> None:
    engine = create_engine(app_url)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        for name, sql in (("open", OPEN_SQL), ("closed", CLOSED_SQL)):
            plan = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params).scalars()
            print(f"\nEXPLAIN ANALYZE ({name} deals):")
            for line in plan:
                print(f"  {line}")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("BUREAU_RATE_LIMIT_USER", "100000000")
    os.environ.setdefault("BUREAU_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO))
    from services.crm.use_cases.forecast import forecast
    from shared.call_context import CallContext
    from shared.config import settings
    from shared.db import make_engine, tenant_transaction
    from tests.suite import RunningSuite

    prefix = os.environ.get("BUREAU_BENCH_PREFIX", "bbench_deal")
    suite = RunningSuite(prefix=prefix, run_dir=REPO / ".run" / prefix)
    try:
        print(f"starting the suite ({prefix}) ...", flush=True)
        suite.open()
        signup = requests.post(f"{suite.url}/api/v1/auth/signup", json={
            "tenant_name": "Forecast & Co", "email": "owner@forecast.example",
            "password": "correct horse battery", "name": "Owner"}, timeout=30)
        signup.raise_for_status()
        token, tenant = signup.json()["access_token"], signup.json()["tenant_id"]
        auth = {"Authorization": f"Bearer {token}"}
        http = requests.Session()
        me = http.get(f"{suite.url}/api/v1/me", headers=auth, timeout=10).json()
        pipelines = http.get(f"{suite.url}/api/v1/crm/pipelines", headers=auth, timeout=10)
        pipeline_id = pipelines.json()["data"][0]["id"]
        owner_url = dataclasses.replace(settings(), db_prefix=prefix).migration_database_url(
            "crm")
        seed(owner_url, tenant, me["user"]["id"], pipeline_id, args.deals)

        start, end = forecast_range(date.today())
        query = {"from": start.isoformat(), "to": end.isoformat(), "currency": "EUR"}
        url = f"{suite.url}/api/v1/crm/forecast"
        sql_params = {"t": tenant, "start": start, "end": end,
                      "since": datetime.combine(start, time(), UTC),
                      "until": datetime.combine(end + timedelta(days=1), time(), UTC)}
        app_url = suite.db_url("crm")
        raw = create_engine(app_url)
        orm = make_engine(app_url)
        from sqlalchemy.orm import sessionmaker

        sessions = sessionmaker(orm, expire_on_commit=False)
        ctx = CallContext(tenant_id=tenant, user_id=me["user"]["id"], roles=("owner",))

        def via_gateway() -> None:
            response = http.get(url, headers=auth, params=query, timeout=30)
            response.raise_for_status()

        def in_process() -> None:
            with tenant_transaction(sessions, ctx) as session:
                forecast(session, ctx, start=start, end=end, currency="EUR")

        def baseline() -> None:
            with raw.begin() as conn:
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                             {"t": tenant})
                for sql in (OPEN_SQL, CLOSED_SQL, UNDATED_SQL):
                    conn.execute(text(sql), sql_params).all()

        targets = {"gateway": via_gateway, "in-process": in_process, "raw SQL": baseline}
        answer = http.get(url, headers=auth, params=query, timeout=30).json()
        print(f"range {start} .. {end}: {answer['totals']['open_count']} open deals "
              f"weighted {answer['totals']['weighted']['amount']} EUR, "
              f"{answer['totals']['won_count']} won, {answer['totals']['lost_count']} lost; "
              f"{len(answer['by_owner'])} owners; excluded {answer['excluded']}", flush=True)
        for run in targets.values():  # warm-up: pools, caches, plans
            for _ in range(3):
                run()
        timings = {name: Timing() for name in targets}
        for _ in range(args.calls):
            for name, run in targets.items():
                timings[name].samples.append(timed(run))
        load = os.getloadavg()[0]
        print(f"\nforecast over {args.deals} deals, {args.calls} calls each, alternating "
              f"({os.cpu_count()} cores, load {load:.1f})")
        print(f"{'':12}{'median ms':>12}{'p90 ms':>10}")
        for name, timing in timings.items():
            print(f"{name:12}{timing.median:12.1f}{timing.p90:10.1f}")
        print(f"gateway / raw SQL: {timings['gateway'].median / timings['raw SQL'].median:.2f}x "
              "(target: gateway <= 200 ms)")
        explain(app_url, tenant, sql_params)
        raw.dispose()
        orm.dispose()
        return 0
    finally:
        suite.close()


if __name__ == "__main__":
    sys.exit(main())
