"""The Flask REST gateway: the only process the outside world talks to."""
