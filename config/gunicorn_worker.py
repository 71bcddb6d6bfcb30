"""gunicorn's threaded worker, for listening sockets of each worker's own.

With `reuse_port` (gunicorn.conf.py), every worker binds the address itself with
SO_REUSEPORT, and the kernel hands each new connection to one worker's socket. gunicorn's
own worker, told to stop (a reload on HUP, a stop on TERM), stops accepting but keeps that
socket open until its last request is answered, up to the graceful timeout: the kernel
goes on queueing new connections there, and resets them when it is at last closed. This
worker takes what is already queued, then closes its sockets at once, so that new
connections go to the workers that stay.
"""

import select

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    def set_accept_enabled(self, enabled):
        if enabled or self.alive or not self.cfg.reuse_port:
            super().set_accept_enabled(enabled)
            return
        super().set_accept_enabled(False)
        for listener in self.sockets:
            # A listening socket is readable while connections are queued on it.
            while select.select([listener], [], [], 0)[0]:
                self.accept(listener)
            listener.close()
        self.sockets = []
