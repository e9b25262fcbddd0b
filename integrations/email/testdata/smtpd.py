#!/usr/bin/env python3
"""A test SMTP server for the email package's tests (aiosmtpd, Debian
python3-aiosmtpd).

Listens on 127.0.0.1 on a free port, prints "READY <port>" once listening,
and stores each accepted message as NNNNNN.eml in the output directory,
with its envelope (sender, recipients) in NNNNNN.json. Files appear
atomically (written, then renamed).

Recipients whose local part starts with "reject" get 550, with "busy"
get 451; a sender starting with "reject" gets 553. --auth USER:PASS
requires that login; --tls CERT KEY offers STARTTLS and requires it before
AUTH and MAIL, or with --implicit speaks TLS from the first byte.

Usage: smtpd.py OUTDIR [--auth USER:PASS] [--tls CERT KEY [--implicit]]
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.split("@", 1)[0].lower().startswith("reject"):
            return "553 5.7.1 <%s>: sender not allowed" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("busy"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, "%06d" % self.count)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        for ext, data in ((".json", json.dumps(meta).encode()), (".eml", envelope.original_content)):
            with open(base + ext + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + ext + ".tmp", base + ext)
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: let aiosmtpd answer 535 on failure.
        return AuthResult(success=ok, handled=False)
    return check


async def main():
    # Failed TLS handshakes are part of the tests; deprecation notices are
    # aiosmtpd's own business.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--auth")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--implicit", action="store_true", help="TLS from the first byte instead of STARTTLS")
    args = ap.parse_args()

    kwargs = {"hostname": "localhost", "data_size_limit": 10 * 1024 * 1024}
    server_ssl = None
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.tls)
        if args.implicit:
            server_ssl = ctx
        else:
            kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(authenticator=authenticator(user, password), auth_required=True,
                      auth_require_tls=bool(args.tls) and not args.implicit)
    handler = Store(args.outdir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **kwargs), "127.0.0.1", 0, ssl=server_ssl)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    await stop
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
