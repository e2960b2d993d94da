"""The script Streamlit runs for ``planner app`` (see :mod:`planner.webapp.server`)."""

from planner.webapp.ui import main

main()
