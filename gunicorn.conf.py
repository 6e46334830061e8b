"""Production server settings; override any with GUNICORN_CMD_ARGS or the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
# Several workers: check-in requests are short and mostly wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Let the reverse proxy set X-Forwarded-*; the app trusts them only via PROXY_FIX_HOPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# Never log query strings with personal data: the access log shows the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
preload_app = True


def pre_fork(server, worker):
    """Freeze what the master made while loading the app (preload_app) before each worker is
    forked: the modules, the models and the SQLAlchemy mappers, some 200,000 objects that live
    as long as the process. A worker's garbage collections then never walk them: a full one
    took about 90 ms, in the middle of a request, and was most of the statistics' 95th
    percentile. Collected first, so that no garbage of the master's is frozen with them."""
    gc.collect()
    gc.freeze()
