"""gunicorn settings Arena runs with; gunicorn reads this file from the working directory."""

import gc


def post_worker_init(worker):
    """Once a worker has loaded the app, move everything built at start-up into the permanent
    generation: full garbage collections then no longer walk it, which took the p95 of a search
    page at Nordic scale from 128 to 44 ms (bench/README.md)."""
    gc.collect()
    gc.freeze()
