"""Pipelines and stages through the running service: the default, admins' changes."""

from __future__ import annotations

import pytest

from shared.errors import NotFound, PermissionDenied, Unprocessable, ValidationFailed


def default_pipeline(api):
    return next(p for p in api.list_pipelines()["data"] if p["is_default"])


def test_a_tenant_has_a_default_pipeline_without_setup(rpc, firm):
    pipelines = rpc.as_(firm, "viewer").list_pipelines()["data"]
    assert len(pipelines) == 1 and pipelines[0]["is_default"]
    stages = pipelines[0]["stages"]
    assert [s["name"] for s in stages][:3] == ["Qualified", "Meeting", "Proposal"]
    assert [s["position"] for s in stages] == list(range(len(stages)))
    assert rpc.as_(firm).list_pipelines()["data"] == pipelines  # created once


def test_admins_manage_pipelines_members_do_not(rpc, firm):
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "member").create_pipeline(name="Renewals")
    created = rpc.as_(firm, "admin").create_pipeline(
        name="Renewals", stages=[{"name": "Due", "probability": 50},
                                 {"name": "Agreed", "probability": 95}])
    assert [(s["name"], s["probability"]) for s in created["stages"]] == [
        ("Due", 50), ("Agreed", 95)]
    assert not created["is_default"]
    assert rpc.as_(firm, "viewer").get_pipeline(pipeline_id=created["id"]) == created


def test_one_default_pipeline_per_tenant(rpc, firm):
    api = rpc.as_(firm, "admin")
    first = default_pipeline(api)
    second = api.create_pipeline(name="Enterprise", is_default=True)
    assert second["is_default"]
    assert api.get_pipeline(pipeline_id=first["id"])["is_default"] is False
    with pytest.raises(ValidationFailed) as refused:
        api.update_pipeline(pipeline_id=second["id"], is_default=False)
    assert set(refused.value.errors) == {"is_default"}
    with pytest.raises(Unprocessable):
        api.archive_pipeline(pipeline_id=second["id"])
    assert [p["id"] for p in api.list_pipelines()["data"] if p["is_default"]] == [second["id"]]


def test_a_stale_version_is_refused(rpc, firm):
    from shared.errors import PreconditionFailed

    api = rpc.as_(firm, "admin")
    pipeline = default_pipeline(api)
    renamed = api.update_pipeline(pipeline_id=pipeline["id"], name="New business",
                                  expected_version=pipeline["version"])
    assert renamed["name"] == "New business" and renamed["version"] == pipeline["version"] + 1
    with pytest.raises(PreconditionFailed):
        api.update_pipeline(pipeline_id=pipeline["id"], name="Again",
                            expected_version=pipeline["version"])


def test_archiving_a_pipeline_or_stage_with_a_stale_version_is_refused(rpc, firm):
    from shared.errors import PreconditionFailed

    api = rpc.as_(firm, "admin")
    spare = api.create_pipeline(name="Spare", stages=[{"name": "A", "probability": 10},
                                                      {"name": "B", "probability": 20}])
    stage = api.update_stage(pipeline_id=spare["id"], stage_id=spare["stages"][0]["id"],
                             name="A2")
    with pytest.raises(PreconditionFailed):
        api.archive_stage(pipeline_id=spare["id"], stage_id=stage["id"],
                          expected_version=stage["version"] - 1)
    api.archive_stage(pipeline_id=spare["id"], stage_id=stage["id"],
                      expected_version=stage["version"])
    renamed = api.update_pipeline(pipeline_id=spare["id"], name="Spare 2")
    with pytest.raises(PreconditionFailed):
        api.archive_pipeline(pipeline_id=spare["id"], expected_version=spare["version"])
    assert api.get_pipeline(pipeline_id=spare["id"])["archived_at"] is None
    api.archive_pipeline(pipeline_id=spare["id"], expected_version=renamed["version"])
    with pytest.raises(NotFound):
        api.get_pipeline(pipeline_id=spare["id"])


def test_stages_are_added_renamed_reweighed_and_reordered(rpc, firm):
    api = rpc.as_(firm, "admin")
    pipeline = default_pipeline(api)
    discovery = api.add_stage(pipeline_id=pipeline["id"], name="Discovery", probability=15,
                              position=1)
    assert (discovery["position"], discovery["version"]) == (1, 1)
    names = [s["name"] for s in api.get_pipeline(pipeline_id=pipeline["id"])["stages"]]
    assert names[:3] == ["Qualified", "Discovery", "Meeting"]
    changed = api.update_stage(pipeline_id=pipeline["id"], stage_id=discovery["id"],
                               name="Discovery call", probability=20, expected_version=1)
    assert (changed["name"], changed["probability"], changed["version"]) == (
        "Discovery call", 20, 2)
    assert api.get_stage(pipeline_id=pipeline["id"], stage_id=discovery["id"]) == changed
    ids = [s["id"] for s in api.get_pipeline(pipeline_id=pipeline["id"])["stages"]]
    reordered = api.reorder_stages(pipeline_id=pipeline["id"], stage_ids=ids[::-1])
    assert [s["id"] for s in reordered["stages"]] == ids[::-1]
    assert [s["position"] for s in reordered["stages"]] == list(range(len(ids)))
    with pytest.raises(ValidationFailed):
        api.reorder_stages(pipeline_id=pipeline["id"], stage_ids=ids[1:])
    with pytest.raises(ValidationFailed):
        api.add_stage(pipeline_id=pipeline["id"], name="discovery CALL", probability=1)
    with pytest.raises(ValidationFailed) as refused:
        api.add_stage(pipeline_id=pipeline["id"], name="Too sure", probability=101)
    assert set(refused.value.errors) == {"probability"}


def test_a_stage_with_open_deals_is_archived_only_with_a_place_for_them(rpc, firm):
    api = rpc.as_(firm, "admin")
    pipeline = default_pipeline(api)
    first, second = pipeline["stages"][0], pipeline["stages"][1]
    client = api.create_client(name="Acme", currency="EUR")
    deal = api.create_deal(name="Site", client_id=client["id"],
                           amount={"amount": "100.00", "currency": "EUR"})
    assert deal["stage_id"] == first["id"]
    with pytest.raises(Unprocessable):
        api.archive_stage(pipeline_id=pipeline["id"], stage_id=first["id"])
    api.archive_stage(pipeline_id=pipeline["id"], stage_id=first["id"],
                      move_deals_to=second["id"])
    after = api.get_pipeline(pipeline_id=pipeline["id"])
    assert first["id"] not in [s["id"] for s in after["stages"]]
    assert after["stages"][0]["position"] == 0
    assert api.get_deal(deal_id=deal["id"])["stage_id"] == second["id"]
    with pytest.raises(NotFound):
        api.update_stage(pipeline_id=pipeline["id"], stage_id=first["id"], name="Back")


def test_another_tenants_pipeline_is_not_found(rpc, firm, other_firm):
    theirs = default_pipeline(rpc.as_(other_firm))
    with pytest.raises(NotFound):
        rpc.as_(firm).get_pipeline(pipeline_id=theirs["id"])
    with pytest.raises(NotFound):
        rpc.as_(firm).add_stage(pipeline_id=theirs["id"], name="X", probability=5)


def test_each_pipeline_and_stage_change_is_announced_and_a_change_to_nothing_is_not(
        rpc, firm, records):
    api, admin = rpc.as_(firm, "admin"), firm.user("admin")
    sales = default_pipeline(api)  # made on first use: announced with its stages
    renewals = api.create_pipeline(name="Renewals", is_default=True)
    api.update_pipeline(pipeline_id=renewals["id"], name="Renewals")  # no change
    api.update_pipeline(pipeline_id=renewals["id"], name="Renewal")
    added = api.add_stage(pipeline_id=renewals["id"], name="Discovery", probability=15,
                          position=0)
    api.update_stage(pipeline_id=renewals["id"], stage_id=added["id"], probability=15)
    api.update_stage(pipeline_id=renewals["id"], stage_id=added["id"], probability=20)
    ids = [s["id"] for s in api.get_pipeline(pipeline_id=renewals["id"])["stages"]]
    api.reorder_stages(pipeline_id=renewals["id"], stage_ids=ids)  # the same order
    api.reorder_stages(pipeline_id=renewals["id"], stage_ids=ids[::-1])
    api.archive_stage(pipeline_id=renewals["id"], stage_id=added["id"])
    api.archive_pipeline(pipeline_id=sales["id"])

    events = records.events(firm.tenant_id)
    assert [(e["type"], e["data"].get("change") or e["data"].get("changed"))
            for e in events] == [
        ("crm.pipeline.created", None), ("crm.pipeline.updated", ["is_default"]),
        ("crm.pipeline.created", None), ("crm.pipeline.updated", ["name"]),
        ("crm.pipeline.stages_changed", "added"), ("crm.pipeline.stages_changed", "updated"),
        ("crm.pipeline.stages_changed", "reordered"),
        ("crm.pipeline.stages_changed", "archived"), ("crm.pipeline.archived", None)]
    assert all(e["data"]["actor_id"] == admin for e in events)
    first = events[0]["data"]
    assert (first["pipeline_id"], first["is_default"]) == (sales["id"], True)
    assert [s["stage_id"] for s in first["stages"]] == [s["id"] for s in sales["stages"]]
    assert (events[1]["data"]["pipeline_id"], events[1]["data"]["is_default"]) == (
        sales["id"], False)
    grown, reweighed, reordered, archived = (e["data"] for e in events[4:8])
    assert (grown["stage_id"], grown["stages"][0]["stage_id"]) == (added["id"], added["id"])
    assert [s["position"] for s in grown["stages"]] == list(range(len(ids)))
    assert (reweighed["changed"], reweighed["stages"][0]["probability"]) == (
        ["probability"], 20)
    assert (reordered["stage_id"], [s["stage_id"] for s in reordered["stages"]]) == (
        None, ids[::-1])
    assert archived["stage_name"] == "Discovery"
    assert added["id"] not in [s["stage_id"] for s in archived["stages"]]


def test_every_stage_change_gives_its_pipeline_a_new_version(rpc, firm):
    from shared.errors import PreconditionFailed

    api = rpc.as_(firm, "admin")
    pipeline = api.create_pipeline(name="Versioned", stages=[
        {"name": "A", "probability": 10}, {"name": "B", "probability": 20}])
    pid = pipeline["id"]

    def version() -> int:
        return api.get_pipeline(pipeline_id=pid)["version"]

    seen = [pipeline["version"]]
    added = api.add_stage(pipeline_id=pid, name="C", probability=30)
    seen.append(version())
    api.update_stage(pipeline_id=pid, stage_id=added["id"], probability=35)
    seen.append(version())
    api.update_stage(pipeline_id=pid, stage_id=added["id"], probability=35)  # no change
    assert version() == seen[-1]
    ids = [s["id"] for s in api.get_pipeline(pipeline_id=pid)["stages"]]
    reordered = api.reorder_stages(pipeline_id=pid, stage_ids=ids[::-1])
    seen.append(reordered["version"])
    assert version() == seen[-1]
    api.archive_stage(pipeline_id=pid, stage_id=added["id"])
    seen.append(version())
    assert seen == sorted(set(seen)) and len(seen) == 5
    with pytest.raises(PreconditionFailed):
        api.update_pipeline(pipeline_id=pid, name="Stale", expected_version=seen[-2])
    assert api.update_pipeline(pipeline_id=pid, name="Fresh",
                               expected_version=seen[-1])["name"] == "Fresh"


def test_the_first_use_creating_the_default_pipeline_waits_for_the_tenants_lock(
        rpc, firm, crm_db):
    """The default pipeline is made under lock_within_tenant(…, "crm.default_pipeline"),
    the one way crm serialises a check-then-write within a tenant."""
    import eventlet
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from shared.tenancy import bind_scope, lock_within_tenant
    from shared.testing import wait_until

    owner = create_engine(crm_db.owner_url)
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                   "AND database = (SELECT oid FROM pg_database WHERE datname = "
                   "current_database())")
    try:
        with Session(owner) as holder, owner.connect() as probe:
            bind_scope(holder, firm.tenant_id)
            lock_within_tenant(holder, "crm.default_pipeline")
            listing = eventlet.spawn(rpc.as_(firm, "viewer").list_pipelines)
            wait_until(lambda: probe.execute(waiting).scalar_one() == 1, timeout=30)
            holder.rollback()  # releases the lock
            pipelines = listing.wait()["data"]
    finally:
        owner.dispose()
    assert [p["is_default"] for p in pipelines] == [True]
