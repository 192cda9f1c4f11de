"""CRM contacts on a 1,000,000-contact tenant: list, search, tag and custom-field filters.

Starts the whole suite (prefix `bbench_con` unless BUREAU_DB_PREFIX says otherwise, its
own vhost, Redis db 12), signs up a tenant, seeds its contacts directly in SQL
(INSERT ... SELECT generate_series: realistic names and emails, so trigram search is
honest; `vip` tag on 10%, custom {"tier": "gold"} on 10%), prints the query plans, then
measures sequential requests (one connection: latency, not throughput) in alternating
rounds and prints medians of:

- `gateway`: through the gateway (JWT, rate limit, RPC, crm, RLS), with `requests`;
- `use case`: crm's `list_contacts` in-process on a tenant-scoped session (no RPC, no HTTP);
- `sql`: the same page's SQL from psycopg directly (the floor): the ids of the page
  (keyset order, walking the covering index), then the rows by primary key.

The custom-field filter is `custom[tier]=gold`, on a single-select contact field `tier`
the bench defines through the gateway before measuring.

Usage: `python -m bench.crm_contacts [--contacts 1000000] [--rounds 3] [--requests 100]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
BATCH = 100_000

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hannah", "Igor", "Jana",
    "Karl", "Lena", "Marco", "Nina", "Oskar", "Paula", "Quentin", "Rosa", "Stefan", "Tanja",
    "Ulrich", "Vera", "Walter", "Xenia", "Yusuf", "Zoe", "Ahmed", "Bianca", "Chloe",
    "Daniel", "Emma", "Finn", "Georg", "Helga", "Ines", "Jonas", "Klara", "Lukas", "Mia",
    "Noah", "Olga", "Peter", "Ruth", "Sven", "Theo", "Uwe", "Valentina", "Wilma", "Aylin",
    "Bruno", "Clara", "Dennis", "Eva", "Fabian", "Gina", "Henrik", "Ida", "James", "Mary",
    "Robert", "Linda", "Michael", "Sarah", "William", "Karen", "Thomas", "Nancy", "Charles",
    "Lisa",
)
SURNAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia",
    "Rodriguez", "Wilson", "Martinez", "Anderson", "Taylor", "Thomas", "Moore", "Jackson",
    "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
    "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres",
    "Parker", "Collins", "Edwards", "Stewart", "Morris", "Mueller", "Schmidt", "Schneider",
    "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch",
    "Richter", "Klein", "Wolf", "Schroeder", "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Krueger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Koehler", "Herrmann", "Koenig", "Walter",
    "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Moeller", "Weiss",
    "Jung", "Hahn", "Vogel", "Friedrich", "Keller", "Guenther", "Frank", "Berger",
    "Winkler", "Roth", "Beck", "Lorenz", "Dubois", "Laurent", "Moreau", "Lefebvre", "Rossi",
    "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Kowalski", "Nowak", "Novak",
    "Horvat", "Jensen", "Nielsen", "Hansen", "Andersson", "Johansson", "Karlsson",
    "Nilsson",
)
SYLLABLES_START = (
    "Ber", "Bran", "Dal", "Eck", "Fal", "Gar", "Hol", "Ing", "Kas", "Lind", "Mar", "Nor",
    "Ost", "Pal", "Rein", "Sal", "Stein", "Tal", "Ul", "Vand", "Wes", "Ald", "Brom", "Cor",
    "Dorn", "Elm", "Fern", "Grun", "Hag", "Kell",
)
SYLLABLES_END = (
    "berg", "mann", "stein", "feld", "hoff", "ström", "sen", "son", "ley", "ford", "wood",
    "worth", "ton", "er", "hardt", "bach", "dorf", "holm", "lund", "vik",
)
DOMAINS = (
    "example.com", "example.org", "mail.test", "acme.example", "globex.example",
    "initech.example", "umbrella.example", "hooli.example", "piedpiper.example",
    "stark.example", "wayne.example", "wonka.example", "cyberdyne.example",
    "tyrell.example", "soylent.example",
)


def surnames() -> list[str]:
    """About 780 distinct surnames: common real ones and plausible compounds."""
    made = [a + b for a in SYLLABLES_START for b in SYLLABLES_END]
    return list(dict.fromkeys([*SURNAMES, *made]))


SEED_SQL = """
INSERT INTO contacts (id, tenant_id, first_name, last_name, name, title, emails, phones,
                      owner_id, tags, notes, custom, search_text, owner_flagged,
                      created_at, updated_at, version)
SELECT gen_random_uuid(), %(tenant)s, f, l, f || ' ' || l, NULL,
       jsonb_build_array(jsonb_build_object('value', e, 'label', 'work', 'primary', true)),
       jsonb_build_array(jsonb_build_object('value', p, 'label', '', 'primary', true)),
       %(owner)s,
       CASE WHEN i %% 10 = 0 THEN ARRAY['vip'] WHEN i %% 4 = 1 THEN ARRAY['newsletter']
            ELSE '{}'::text[] END,
       '',
       CASE WHEN i %% 10 = 3 THEN '{"tier": "gold"}'::jsonb
            WHEN i %% 10 IN (4, 5) THEN '{"tier": "silver"}'::jsonb ELSE '{}'::jsonb END,
       lower(f || ' ' || l || ' ' || e || ' ' || p), false, ts, ts, 1
FROM (
    SELECT i, f, l, ts,
           lower(f) || '.' || lower(l) || (i %% 97) || '@' ||
               (%(domains)s::text[])[1 + (i * 31) %% %(n_domains)s] AS e,
           '+4930' || lpad(((i::bigint * 7919) %% 100000000)::text, 8, '0') AS p
    FROM (
        SELECT i,
               (%(firsts)s::text[])[1 + floor(random() * %(n_firsts)s)::int] AS f,
               (%(lasts)s::text[])[1 + floor(random() * %(n_lasts)s)::int] AS l,
               now() - make_interval(mins => i) AS ts
        FROM generate_series(%(start)s::int, %(stop)s::int) AS i
    ) named
) rows
"""

PAGE_SQL = {
    "list page": ("", ()),
    "search q": ("AND search_text LIKE %s", ("%{q}%",)),
    "search rare": ("AND search_text LIKE %s", ("%{rare}%",)),
    "email exact": ("AND emails @> %s::jsonb", ('[{{"value": "{email}"}}]',)),
    "tag filter": ("AND tags @> ARRAY[%s]::text[]", ("vip",)),
    "custom filter": ("AND custom @> %s::jsonb", ('{{"tier": "gold"}}',)),
}
"""Each page as crm's list_contacts runs it: the page's ids (walking the covering index),
then those rows by primary key."""


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def seed(db_url: str, tenant: str, owner: str, count: int) -> float:
    import psycopg

    started = time.perf_counter()
    lasts = surnames()
    params = {"tenant": tenant, "owner": owner, "firsts": list(FIRST_NAMES), "lasts": lasts,
              "domains": list(DOMAINS), "n_firsts": len(FIRST_NAMES), "n_lasts": len(lasts),
              "n_domains": len(DOMAINS)}
    with psycopg.connect(plain_url(db_url)) as conn:
        for start in range(1, count + 1, BATCH):
            stop = min(start + BATCH - 1, count)
            with conn.transaction():
                conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
                conn.execute(SEED_SQL, {**params, "start": start, "stop": stop})
            print(f"  seeded {stop:>9,} contacts ({time.perf_counter() - started:5.0f} s)",
                  flush=True)
    return time.perf_counter() - started


def analyze(owner_url: str) -> None:
    import psycopg

    with psycopg.connect(plain_url(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE contacts")


def page_sql(name: str, terms: dict[str, str]) -> tuple[str, tuple[Any, ...]]:
    where, args = PAGE_SQL[name]
    sql = (f"SELECT id, name FROM contacts WHERE tenant_id = %s {where} "
           "ORDER BY name, id LIMIT 26")
    return sql, tuple(a.format(**terms) for a in args)


ROWS_SQL = "SELECT * FROM contacts WHERE id = ANY(%s)"


def explain(db_url: str, tenant: str, terms: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(plain_url(db_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        for name in PAGE_SQL:
            sql, args = page_sql(name, terms)
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", (tenant, *args)).fetchall()
            lines = [row[0] for row in plan]
            used = [ln.strip() for ln in lines
                    if "Index" in ln or "Seq Scan" in ln or "Heap Fetches" in ln]
            total = next((ln for ln in lines if ln.startswith("Execution Time")), "")
            print(f"  {name:14} {total}")
            for line in used:
                print(f"      {line}")


def a_seeded_email(db_url: str, tenant: str) -> str:
    import psycopg

    with psycopg.connect(plain_url(db_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        row = conn.execute("SELECT emails->0->>'value' FROM contacts "
                           "WHERE tenant_id = %s ORDER BY id LIMIT 1", (tenant,)).fetchone()
        assert row is not None
        return str(row[0])


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)

    os.environ.setdefault("BUREAU_RATE_LIMIT_USER", "100000000")
    os.environ.setdefault("BUREAU_LOG_LEVEL", "WARNING")
    os.environ.setdefault("BUREAU_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    prefix = os.environ.get("BUREAU_DB_PREFIX", "bbench_con")
    if prefix == "bureau":
        sys.exit("give the bench its own BUREAU_DB_PREFIX, never `bureau`")
    sys.path.insert(0, str(REPO))
    import dataclasses

    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from bench.gateway_page import sign_up_bench_firm
    from services.crm.use_cases import contacts
    from shared.call_context import CallContext
    from shared.config import settings
    from shared.db import tenant_transaction
    from tests.suite import RunningSuite

    suite = RunningSuite(prefix=prefix, run_dir=REPO / ".run" / prefix)
    try:
        print(f"starting the suite ({prefix}) ...", flush=True)
        suite.open()
        token, tenant = sign_up_bench_firm(suite.url)
        auth = {"Authorization": f"Bearer {token}"}
        owner = requests.get(f"{suite.url}/api/v1/me", headers=auth, timeout=10).json()
        owner_id = owner["user"]["id"]
        defined = requests.post(f"{suite.url}/api/v1/crm/custom-fields", headers=auth, json={
            "entity": "contact", "key": "tier", "label": "Tier", "type": "single_select",
            "options": [{"value": "gold"}, {"value": "silver"}]}, timeout=10)
        assert defined.status_code == 201, defined.text
        db_url = suite.db_url("crm")
        owner_url = dataclasses.replace(settings(), db_prefix=prefix).migration_database_url(
            "crm")

        print(f"seeding {args.contacts:,} contacts ...", flush=True)
        seconds = seed(db_url, tenant, owner_id, args.contacts)
        analyze(owner_url)
        print(f"seeded and analysed in {seconds:.0f} s", flush=True)

        email = a_seeded_email(db_url, tenant)
        terms = {"q": "hartm",  # a surname fragment (Hartmann): about 1 in 780 contacts
                 "rare": email.split("@")[0],  # first.last<n>: a handful of contacts
                 "email": email}
        q = terms["q"]
        print(f"\nterms: {terms}")
        print("query plans (EXPLAIN ANALYZE of each page's id query, tenant set for RLS):")
        explain(db_url, tenant, terms)

        session = requests.Session()
        gateway_params = {
            "list page": {"limit": "25"},
            "search q": {"limit": "25", "q": q},
            "search rare": {"limit": "25", "q": terms["rare"]},
            "email exact": {"limit": "25", "email": email},
            "tag filter": {"limit": "25", "tag": "vip"},
            "custom filter": {"limit": "25", "custom[tier]": "gold"},
        }

        def via_gateway(params: dict[str, str]) -> Callable[[], Any]:
            def call() -> None:
                response = session.get(f"{suite.url}/api/v1/crm/contacts", params=params,
                                       headers=auth, timeout=30)
                assert response.status_code == 200 and response.json()["data"], (
                    response.text[:300])
            return call

        engine = create_engine(db_url, pool_size=2)
        factory = sessionmaker(engine, expire_on_commit=False)
        ctx = CallContext(tenant_id=tenant, user_id=owner_id, roles=("owner",),
                          request_id="bench")
        use_case_args = {
            "list page": {}, "search q": {"q": q}, "search rare": {"q": terms["rare"]},
            "email exact": {"email": email}, "tag filter": {"tag": "vip"},
            "custom filter": {"custom": {"tier": "gold"}},
        }

        def via_use_case(kwargs: dict[str, Any]) -> Callable[[], Any]:
            def call() -> None:
                with tenant_transaction(factory, ctx) as s:
                    page = contacts.list_contacts(s, ctx, limit=25, **kwargs)
                assert page["data"]
            return call

        # Unprepared: psycopg prepares a statement after 5 runs, and PostgreSQL then may
        # keep the dense fragment's generic plan (the name walk) for the rare one, 188 ms
        # where its own plan takes 4 (seen 2026-12-01): the floor is each term's plan.
        sql_conn = psycopg.connect(plain_url(db_url), prepare_threshold=None)

        def via_sql(name: str) -> Callable[[], Any]:
            sql, sql_args = page_sql(name, terms)

            def call() -> None:
                with sql_conn.transaction():
                    sql_conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
                    ids = [r[0] for r in sql_conn.execute(sql, (tenant, *sql_args))]
                    rows = sql_conn.execute(ROWS_SQL, (ids[:25],)).fetchall()
                assert rows
            return call

        targets: dict[tuple[str, str], Callable[[], Any]] = {}
        for name in PAGE_SQL:
            if name in gateway_params:
                targets[(name, "gateway")] = via_gateway(gateway_params[name])
            targets[(name, "use case")] = via_use_case(use_case_args[name])
            targets[(name, "sql")] = via_sql(name)
        for fn in targets.values():
            timed(fn, 10)  # warm-up: pools, caches, plans
        results: dict[tuple[str, str], list[float]] = {key: [] for key in targets}
        for i in range(args.rounds):
            for key, fn in targets.items():
                samples = timed(fn, args.requests)
                results[key].append(statistics.median(samples))
                print(f"round {i + 1} {key[0]:14} {key[1]:9} p50 {results[key][-1]:7.2f} ms",
                      flush=True)
        load = os.getloadavg()[0]
        buffers = sql_conn.execute("SHOW shared_buffers").fetchone()
        print(f"\n{args.contacts:,} contacts in one tenant; sequential, {args.requests} "
              f"requests x {args.rounds} rounds; medians of the rounds' p50 (ms); "
              f"{os.cpu_count()} cores, load {load:.1f}; PostgreSQL shared_buffers "
              f"{buffers[0] if buffers else '?'} (the contacts table and its indexes take "
              f"~1 GB at 1M: below that, pages come from the OS cache)")
        print(f"{'':16}{'gateway':>10}{'use case':>10}{'sql':>10}")
        for name in PAGE_SQL:
            row = [statistics.median(results[(name, via)]) if (name, via) in results else None
                   for via in ("gateway", "use case", "sql")]
            cells = "".join(f"{v:10.2f}" if v is not None else f"{'n/a':>10}" for v in row)
            print(f"{name:16}{cells}")
        print("target p50 <= 20 ms via the gateway")
        sql_conn.close()
        engine.dispose()
        return 0
    finally:
        suite.close()


if __name__ == "__main__":
    sys.exit(main())
