"""Log records as JSON lines, each tagged with the id of the request it belongs to.

Plain standard library, so that gunicorn's master can load it from gunicorn.conf.py
before Django is set up. `RequestIDMiddleware` (config/middleware.py) sets the id.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime

# The current request's id; "-" outside a request (start-up, management commands).
request_id = contextvars.ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged too.
_RECORD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIDFilter(logging.Filter):
    """Adds `request_id` to every record (for text formats too)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def _access_fields(atoms):
    """The fields of one gunicorn access-log line, from gunicorn's atoms."""
    query = atoms.get("q") or ""
    return {
        "message": "request",
        "request_id": atoms.get("{x-request-id}o") or "-",
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "query": query or None,
        "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
        "duration_ms": round(atoms.get("D", 0) / 1000, 1),
        "bytes": atoms.get("B"),
        "remote_addr": atoms.get("h"),
        "user_agent": atoms.get("a"),
        "referer": atoms.get("f"),
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and extras.

    gunicorn's access log arrives as a record whose args are gunicorn's atoms; it
    becomes a line with method, path, status, duration_ms and the response's request id.
    """

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(_access_fields(record.args))
        else:
            entry["message"] = record.getMessage()
            entry["request_id"] = getattr(record, "request_id", None) or request_id.get()
            for key, value in vars(record).items():
                if key not in _RECORD_ATTRS and not key.startswith("_"):
                    entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        entry["pid"] = record.process
        return json.dumps({k: v for k, v in entry.items() if v is not None}, default=str)


def django_logging(log_format, level):
    """The LOGGING dict for settings: JSON lines on stdout, or plain text on stderr."""
    if log_format == "json":
        handler = {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        }
    else:
        handler = {"class": "logging.StreamHandler", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.logging.RequestIDFilter"}},
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        # Django's own default config gives "django" a console handler of its own (with
        # DEBUG on); without this every line of it would be printed twice, once by the root.
        "loggers": {"django": {"handlers": [], "level": level, "propagate": True}},
    }


def gunicorn_logging():
    """gunicorn's logconfig_dict for JSON: its error and access logs as JSON on stdout."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "json",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {"json_stdout": handler},
        "root": {"level": "INFO", "handlers": ["json_stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False},
        },
    }
