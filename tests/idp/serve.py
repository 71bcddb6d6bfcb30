"""Serve the test identity provider on loopback.

    python -m tests.idp.serve --redirect-uri URL [--database PATH] [--port 0]

Migrates a fresh SQLite database, registers the blog as a client (its callback is
--redirect-uri) and one user, then serves on 127.0.0.1 and prints
"READY http://127.0.0.1:PORT" once it listens. Stop it with SIGTERM.
"""

import argparse
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import tests.idp as idp


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


def seed(redirect_uri):
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user = get_user_model().objects.create_user(
        idp.USERNAME, idp.EMAIL, idp.PASSWORD, first_name=idp.FIRST_NAME, last_name=idp.LAST_NAME
    )
    EmailAddress.objects.create(user=user, email=idp.EMAIL, verified=True, primary=True)
    client = Client(
        id=idp.CLIENT_ID,
        name="Digests",
        secret=make_password(idp.CLIENT_SECRET),
        type=Client.Type.CONFIDENTIAL,
        skip_consent=False,
    )
    client.set_scopes(["openid", "profile", "email"])
    client.set_redirect_uris([redirect_uri])
    client.save()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--database", default=":memory:")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.idp.settings"
    os.environ["IDP_DATABASE"] = args.database
    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    seed(args.redirect_uri)
    server = make_server(
        "127.0.0.1",
        args.port,
        get_wsgi_application(),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    print(f"READY http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
