"""crm: clients, contacts, custom fields, deals, pipelines and the forecast of a firm."""
