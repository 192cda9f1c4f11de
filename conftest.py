"""Root of every test run: patch eventlet before anything imports psycopg or sockets."""

import shared.runtime  # noqa: F401  (must stay the first import)

pytest_plugins = ["shared.testing"]
