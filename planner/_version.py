"""The package version, read once from the installed metadata (a base module: imports nothing)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bakad-siting-planner")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
