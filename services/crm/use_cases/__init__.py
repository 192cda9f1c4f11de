"""crm's use cases: one function per operation, `(session, ctx, ...) -> plain data`.

They run inside a tenant-scoped transaction (the ORM filter and RLS both apply), check
the caller's permission first, raise the typed errors of shared/errors.py, and record one
event per mutation in the outbox. Views (dicts for the contract) live beside them.
"""
