"""Tests of the gateway alone (Flask test client, real Redis)."""
