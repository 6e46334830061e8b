"""Offline check-in's server side for tablets: enrolled devices, the site's roster and the
per-session key the tablet encrypts it with (issue 14)."""
