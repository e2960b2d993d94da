"""The local web app for akimat staff (``planner app``): compare sites by clicking, no terminal.

A Streamlit application on one office machine. Three pages, all built on the same functions as
the command line: **Compare** (built-in zones, a sites file or points clicked on the map;
side-by-side table, verdicts, robustness, numbered map, the same HTML memo and XLSX as
``planner compare``), **Batch** (a company list through the same reader as ``planner score``:
ranking, rejects with their fixes, allocation, downloads) and **Map** (the same offline map as
``planner map``).

Modules:

* :mod:`planner.webapp.server`: the server settings (usage statistics off, upload limit,
  no file watcher) and :func:`~planner.webapp.server.serve`, what ``planner app`` runs;
* :mod:`planner.webapp.engine`: the work behind each page, free of Streamlit (tested and
  benchmarked directly);
* :mod:`planner.webapp.offline`: folium maps for the click map with Leaflet served from the
  package (``data:`` URIs), never from a CDN;
* :mod:`planner.webapp.pages`, :mod:`planner.webapp.ui`: the Streamlit pages;
  ``streamlit_app.py`` is the script Streamlit runs.

Nothing here sends a request off the machine: Streamlit's usage statistics are off, every map
asset comes from the package, and no basemap tiles are loaded.
"""
