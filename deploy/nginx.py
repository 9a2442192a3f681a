"""Render the nginx configuration of the production topology.

``python -m deploy.nginx --daphne 127.0.0.1:8001 --daphne 127.0.0.1:8002
--static-root /srv/opencities/static --media-root /srv/opencities/media``
prints the server configuration (``deploy/opencities.nginx.conf`` with its
placeholders filled in) for ``/etc/nginx/sites-available/``. With ``--prefix DIR``
it writes a whole ``nginx.conf`` into DIR instead, with its pid, logs and
temporary files under DIR: a throwaway nginx (``nginx -p DIR -c DIR/nginx.conf``)
for tests and the benchmark.
"""

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "opencities.nginx.conf"

# The template marks its blanks as @NAME@ rather than with string.Template's
# $name, which would clash with nginx's own $variables.
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def render_site(
    *,
    daphnes: Sequence[str],
    static_root: str,
    media_root: str,
    listen: str = "127.0.0.1:8000",
    server_name: str = "_",
    accel_prefix: str = "/protected/",
    forwarded_proto: str = "https",
    client_max_body_size: str = "12m",
) -> str:
    """The server configuration for ``daphnes`` (``host:port`` each)."""
    if not daphnes:
        raise ValueError("At least one Daphne process is needed.")
    if not accel_prefix.startswith("/") or not accel_prefix.endswith("/"):
        raise ValueError("The protected-files prefix must start and end with '/'.")
    if forwarded_proto not in {"https", "$scheme"}:
        raise ValueError("X-Forwarded-Proto is 'https' (TLS in front) or '$scheme'.")
    values = {
        "UPSTREAM_SERVERS": "\n".join(
            f"    server {address} max_fails=3 fail_timeout=5s;" for address in daphnes
        ),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "STATIC_ROOT": static_root.rstrip("/"),
        "MEDIA_ROOT": media_root.rstrip("/"),
        "ACCEL_PREFIX": accel_prefix,
        "FORWARDED_PROTO": forwarded_proto,
        "CLIENT_MAX_BODY_SIZE": client_max_body_size,
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text("utf-8"))


def render_standalone(
    prefix: Path,
    site: str,
    *,
    extra: str = "",
    mime_types: str = "/etc/nginx/mime.types",
    user: str | None = None,
) -> str:
    """A whole ``nginx.conf`` serving ``site`` (and ``extra`` server blocks) with
    every file it writes under ``prefix``: no system nginx is touched. Started by
    root, nginx's workers run as ``nobody`` unless ``user`` names another, which
    must be able to read the static and media folders."""
    user_line = f"user {user};\n" if user else ""
    return f"""# Throwaway nginx under {prefix}; written by `python -m deploy.nginx --prefix`.
{user_line}worker_processes 1;
worker_rlimit_nofile 16384;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    sendfile on;
    tcp_nopush on;

{site}
{extra}
}}
"""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.nginx", description=__doc__)
    parser.add_argument(
        "--daphne",
        action="append",
        required=True,
        metavar="HOST:PORT",
        help="a Daphne process (repeat for each)",
    )
    parser.add_argument("--listen", default="127.0.0.1:8000", help="nginx's own address")
    parser.add_argument("--server-name", default="_", help="host names served")
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT")
    parser.add_argument("--media-root", required=True, help="MEDIA_ROOT")
    parser.add_argument(
        "--accel-prefix", default="/protected/", help="PROTECTED_FILES_ACCEL_PREFIX"
    )
    parser.add_argument(
        "--forwarded-proto",
        default="https",
        help="X-Forwarded-Proto sent to Daphne: https (TLS in front, the default) or $scheme",
    )
    parser.add_argument("--prefix", type=Path, help="write a throwaway nginx.conf into this folder")
    args = parser.parse_args(argv)
    site = render_site(
        daphnes=args.daphne,
        static_root=args.static_root,
        media_root=args.media_root,
        listen=args.listen,
        server_name=args.server_name,
        accel_prefix=args.accel_prefix,
        forwarded_proto=args.forwarded_proto,
    )
    if args.prefix is None:
        print(site, end="")
        return
    prefix = args.prefix.resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(render_standalone(prefix, site), "utf-8")
    print(prefix / "nginx.conf")


if __name__ == "__main__":
    main()
