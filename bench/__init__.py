"""Latency benchmark of API v1 under simulated handhelds, on a small and a large ledger.

`python -m bench.run` seeds the databases (bench.seed), drives a real gunicorn server with
simulated handhelds (bench.load) and prints and stores the figures. See bench/README.md.
"""
