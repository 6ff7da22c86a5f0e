"""The RQ tests need a Redis: collected only when ``OCPI_TEST_REDIS_URL`` is set."""

import os

collect_ignore = [] if os.environ.get("OCPI_TEST_REDIS_URL") else ["test_rq.py", "rq_app.py"]
