"""gunicorn settings: `gunicorn config.wsgi` reads this file from the project folder.

Every value comes from the environment (docs/deploy.md lists them); command-line
options such as `--bind` still win over this file.

- `kill -HUP <master pid>` (systemd: `systemctl reload digestblog`) starts new workers
  with the new code and settings, then stops the old ones once they have finished
  their requests: no dropped request. That is why the app is not preloaded.
- Access log and error log go to stdout/stderr for journald or the container runtime;
  in production (DJANGO_PRODUCTION=1 or DJANGO_LOG_FORMAT=json) both are JSON lines
  like the app's own, the access line carrying the response's X-Request-ID.
"""

import ctypes
import errno
import os
import socket

from config.logging import gunicorn_logging


def _env_bool(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _tune_malloc(arenas=2, mmap_threshold=128 * 1024):
    """glibc's allocator, set here in the master before any worker exists (workers inherit
    it); MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ in the environment, which glibc reads
    itself, win. Measured with `wrk` over home, a 250-comment digest and the feed, with
    no cache, VmRSS of the two workers after:

    - Two arenas: glibc gives threads arenas of their own, up to 8 per core, and each
      keeps what it once held: with 8 threads 126-139 MB, with two 116-123 MB (2026-12-02).
    - A fixed mmap threshold: a page is a few large strings (a 264 KB digest page, its
      thread, a 72 KB feed). glibc raises the threshold past any block once freed, so
      later ones come from the heap, which keeps them: 115-142 MB in three runs. Fixed
      at 128 KB they are given back when freed: 112-133 MB (2026-12-02).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc (musl, macOS): their allocators have no such settings
    # <malloc.h>
    m_arena_max, m_mmap_threshold = -8, -3
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(m_arena_max, arenas)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(m_mmap_threshold, mmap_threshold)


_tune_malloc()

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Worker processes, about two per core; each serves requests on a bounded pool of threads.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threaded workers: a client that sends its request slowly (a header line every few
# seconds, a trickling body) holds one thread, not the whole worker, and a connection
# that sends nothing for 5 s, or is kept alive between requests, holds none. Each thread
# keeps its own database connection (DJANGO_CONN_MAX_AGE): PostgreSQL needs
# WEB_CONCURRENCY x GUNICORN_THREADS connections. nginx in front (docs/deploy.md)
# buffers whole requests, so behind it slow clients never reach gunicorn at all.
worker_class = "config.gunicorn_worker.ThreadWorker"  # gthread, letting go of its socket on stop
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new
# connections over them. On one shared socket, whichever worker woke first took the
# connections as they came: kept alive (nginx's pool, a load generator), one worker could
# hold nearly all of them and answer on one core while the other idled, half the server
# (2026-12-02, wrk -c16 on the cached 250-comment digest: 18 and 1,912 requests per
# worker, 382 req/s; 1,008-1,113 when spread). On by default for host:port addresses; a
# unix socket stays shared.
reuse_port = _env_bool("GUNICORN_REUSE_PORT", True)
# A worker whose main loop is silent for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On HUP or TERM, workers get this long to finish the requests they are serving.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Keep the proxy's connections open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are not recycled: a worker's memory grows while its caches fill, then stays flat
# (measured 2026-12-01: 104 and 116 MB after the first 30,000 requests, the same after
# 135,000), and a restart every few seconds at cached rates was what gave p99 its 0.4-0.8 s
# tails. GUNICORN_MAX_REQUESTS=N turns recycling back on, with 10% jitter.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
preload_app = False
# Worker heartbeats in memory rather than on disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Only these proxies may say the request came over HTTPS (X-Forwarded-Proto); the app
# reads the same variable to trust their X-Forwarded-For (config/middleware.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("DJANGO_LOG_FORMAT", "json" if _env_bool("DJANGO_PRODUCTION") else "text") == (
    "json"
):
    logconfig_dict = gunicorn_logging()
else:
    access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" id=%({x-request-id}o)s'

# gunicorn's control socket is one per user by default, so two servers on one machine
# (tests, scale-out) would fight over it; set GUNICORN_CONTROL_SOCKET to have one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def _settle_reuse_port(server):
    """Sockets of each worker's own only on host:port addresses (see reuse_port above):
    every worker binding one unix socket's path would take it from the last."""
    on_ports = all(isinstance(address, tuple) for address in server.cfg.address)
    if server.cfg.reuse_port and not on_ports:
        server.cfg.set("reuse_port", False)


def on_starting(server):
    """Refuse an address already in use. Sockets with SO_REUSEPORT share their address with
    any other socket of the same user that sets it too, so a second server started on
    the port by mistake would take half of the first one's connections instead of failing
    to start. A new master started by USR2 (GUNICORN_PID set) shares the port with the old
    one on purpose."""
    _settle_reuse_port(server)
    if not server.cfg.reuse_port or "GUNICORN_PID" in os.environ:
        return
    for address in server.cfg.address:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                server.log.error("%s:%s is in use by another process", *address[:2])
                raise SystemExit(1) from exc


def on_reload(server):
    _settle_reuse_port(server)


def post_worker_init(worker):
    """Once a worker has loaded the app: every view module imported (the URLconf walked),
    then what is alive moved out of the garbage collector's sight (gc.freeze()). Those
    ~180,000 objects live as long as the worker; left in view, each full collection went
    through all of them, about 100 ms during which none of the worker's threads answered:
    the p99 tail of `make loadtest`. Collections now look only at what requests make."""
    import gc

    from config.wsgi import import_views

    import_views()
    gc.collect()
    gc.freeze()
