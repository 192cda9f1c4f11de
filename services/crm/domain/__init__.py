"""crm's rules in plain Python: no nameko, no AMQP, no database."""
