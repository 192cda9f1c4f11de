"""marshmallow schemas of crm's RPC inputs, one module per area; common.py has the parts."""
