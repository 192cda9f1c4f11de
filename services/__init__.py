"""Bureau's services: one package each, known to one another only by RPC and event names."""
