"""Turning results into files people read: tables and manifests, maps, reports."""
