"""ASGI entry point for uvicorn workers: `bff.main:app`."""

from bff.app import create_app

app = create_app()
