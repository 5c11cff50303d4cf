"""Flask extensions, created unbound here and initialised in the app factory."""

from pathlib import Path

from flask import Flask, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from .security_log import record


class Base(DeclarativeBase):
    """Declarative base for the typed models."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def _limit_reached(reached: RequestLimit) -> None:
    """Every limit reached goes to the security log (which limit, whose, from where)."""
    account = current_user.id if current_user.is_authenticated else None
    record("limit_reached", account, route=request.endpoint or "-")


limiter = Limiter(key_func=get_remote_address, default_limits=[], on_breach=_limit_reached)


def init_app(app: Flask) -> None:
    """Bind every extension to the app (migrations from the package's own folder)."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
