"""Names of the environment variables through which ``planner app`` configures the pages."""

LAYERS_ENV = "PLANNER_APP_LAYERS"
PASSWORD_ENV = "PLANNER_APP_PASSWORD_FILE"  # noqa: S105 - a variable name, not a secret
UPLOAD_ENV = "PLANNER_APP_MAX_UPLOAD_MB"
#: when set, every script run prints its duration on stderr (the bench reads it)
TIMING_ENV = "PLANNER_APP_TIMING"

__all__ = ["LAYERS_ENV", "PASSWORD_ENV", "TIMING_ENV", "UPLOAD_ENV"]
