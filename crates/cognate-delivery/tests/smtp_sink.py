#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for cognate-delivery's integration tests.

Listens on 127.0.0.1 on a free port, prints the port on the first line of stdout, and
appends every accepted mail to --out as one JSON object per line. Exits when stdin closes,
so a test that dies does not leave it running.

Recipients steer failures:
  bounce*@...  refused at RCPT with 550 (permanent)
  flaky*@...   refused at RCPT with 451 the first time the address is seen (transient)

Options: --auth USER:PASSWORD requires SMTP AUTH; --tls-cert/--tls-key enable TLS, either
as STARTTLS (required) or, with --implicit-tls, from the first byte.
"""

import argparse
import asyncio
import email
import json
import os
import ssl
import sys
import threading
from email import policy

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, out):
        self.out = out
        self.seen = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("flaky") and address not in self.seen:
            self.seen.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(),
            "body": part.get_content() if part is not None else None,
            "authenticated": bool(session.authenticated),
            # session.ssl is set by STARTTLS only; implicit TLS shows on the transport.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--auth")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()

    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
            return AuthResult(success=ok, handled=False)

    handler = Handler(args.out)

    def factory():
        kwargs = dict(
            hostname="cognate-test-sink",
            authenticator=authenticator,
            auth_required=authenticator is not None,
            # The tests cover credentials over plain TCP to loopback too.
            auth_require_tls=False,
            # Addresses such as zoë@example.com.
            enable_SMTPUTF8=True,
        )
        if context is not None and not args.implicit_tls:
            kwargs.update(tls_context=context, require_starttls=True)
        return SMTP(handler, **kwargs)

    async def serve():
        loop = asyncio.get_running_loop()
        ssl_ctx = context if args.implicit_tls else None
        server = await loop.create_server(factory, "127.0.0.1", 0, ssl=ssl_ctx)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    def exit_on_stdin_eof():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=exit_on_stdin_eof, daemon=True).start()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
