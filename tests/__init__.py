"""Cross-service tests: end to end through the gateway, contracts, faults, deployment."""
