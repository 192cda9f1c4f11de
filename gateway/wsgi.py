"""The WSGI entry point gunicorn loads: `gunicorn -c gateway/gunicorn_conf.py gateway.wsgi:app`."""

from gateway.app import create_app

app = create_app()
