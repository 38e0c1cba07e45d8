"""The app for uvicorn's worker processes (`trials serve --workers N`): settings from TRIALS_DATA and TRIALS_ENGINE."""

from __future__ import annotations

from fastapi import FastAPI

from indexer.config import load
from web.app import create_app


def from_env() -> FastAPI:
    return create_app(load())
