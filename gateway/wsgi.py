"""The WSGI entry point gunicorn loads: `gunicorn -c gateway/gunicorn_conf.py gateway.wsgi:app`."""

from gateway.app import create_app
from shared.config import settings
from shared.logging_setup import configure_logging

configure_logging("gateway", settings().log_level)
app = create_app()
