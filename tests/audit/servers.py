"""Servers of the ecosystem on loopback, each misconfigured the way people do, or right.

nginx runs from the Debian package with its own config, pid file and temp dirs in a
temporary directory, in the foreground; Express runs with the npm ``cors`` package
installed outside the repository (``WSGICORS_AUDIT_NODE`` or ``~/.cache``); the
Python frameworks run under waitress (WSGI) or uvicorn (Starlette). Every server
trusts :data:`TRUSTED` and answers ``GET /data``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.servers import Server, free_port, python_env, spawn

TRUSTED = "https://app.example.com"
HERE = Path(__file__).resolve().parent
NODE_DIR = Path(os.environ.get("WSGICORS_AUDIT_NODE")
                or Path.home() / ".cache" / "wsgicors-audit-node")
NODE_PACKAGES = ("express@4", "cors@2")


class Unavailable(Exception):
    """The server's software is missing here (the test skips, saying which)."""


# -- nginx -------------------------------------------------------------------------

_NGINX_MAIN = """
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {http}
    server {{
        listen 127.0.0.1:{port};
        default_type text/plain;
        {server}
    }}
}}
"""

#: The classic copy-pasted config: echo $http_origin with credentials.
NGINX_REFLECT = ("", """
    location / {
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin $http_origin;
            add_header Access-Control-Allow-Credentials true;
            add_header Access-Control-Allow-Methods "GET, POST, OPTIONS";
            add_header Access-Control-Allow-Headers $http_access_control_request_headers;
            return 204;
        }
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        return 200 "data\\n";
    }
""")
#: An ``if`` with a regex anchored at the start only: a prefix match.
NGINX_IF_REGEX = ("", """
    location / {
        set $cors "";
        if ($http_origin ~ "^https://(.+\\.)?example\\.com") {
            set $cors $http_origin;
        }
        add_header Access-Control-Allow-Origin $cors always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Vary Origin always;
        return 200 "data\\n";
    }
""")
#: Right: a map of exact origins, Vary: Origin, a fixed list of methods and headers.
NGINX_MAP = ("""
    map $http_origin $cors_origin {
        default "";
        "https://app.example.com" $http_origin;
    }
    map $cors_origin $cors_credentials {
        default "";
        "~." true;
    }
""", """
    location / {
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin $cors_origin;
            add_header Access-Control-Allow-Credentials $cors_credentials;
            add_header Access-Control-Allow-Methods "GET, POST";
            add_header Access-Control-Allow-Headers "content-type";
            add_header Vary Origin;
            return 204;
        }
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Access-Control-Allow-Credentials $cors_credentials always;
        add_header Vary Origin always;
        return 200 "data\\n";
    }
""")


def nginx_binary() -> str | None:
    """The nginx executable (PATH or /usr/sbin), or None."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)


@contextmanager
def nginx(config: tuple[str, str]) -> Iterator[Server]:
    """nginx in the foreground with *config* (http-level, server-level text)."""
    binary = nginx_binary()
    if binary is None:
        raise Unavailable("nginx is not installed (apt-get install -y nginx-light)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wsgicors-audit-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(_NGINX_MAIN.format(tmp=tmp, port=port, http=config[0],
                                           server=config[1]))
        command = [binary, "-p", tmp, "-c", str(conf), "-e", f"{tmp}/error.log",
                   "-g", "daemon off;"]
        with _process("nginx", command, port, Path(tmp)) as server:
            yield server


# -- Express -------------------------------------------------------------------------


def node_modules() -> Path:
    """A directory with express and cors installed (npm install on first use)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise Unavailable("node and npm are not installed")
    if not (NODE_DIR / "node_modules" / "cors").is_dir() or \
            not (NODE_DIR / "node_modules" / "express").is_dir():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                            *NODE_PACKAGES], cwd=NODE_DIR, check=True, timeout=300,
                           capture_output=True)
        except (subprocess.SubprocessError, OSError) as exc:
            raise Unavailable(f"npm install {' '.join(NODE_PACKAGES)} into {NODE_DIR} "
                              f"failed: {exc}") from exc
    return NODE_DIR / "node_modules"


@contextmanager
def express(config: str) -> Iterator[Server]:
    """tests/audit/express_app.js with the cors options named *config*."""
    modules = node_modules()
    port = free_port()
    env = {**os.environ, "NODE_PATH": str(modules), "PORT": str(port), "CORS_CONFIG": config}
    with tempfile.TemporaryDirectory(prefix="wsgicors-audit-express-") as tmp, \
            _process("express", ["node", str(HERE / "express_app.js")], port, Path(tmp),
                     env) as server:
        yield server


# -- Python frameworks ---------------------------------------------------------------


@contextmanager
def python(app: str) -> Iterator[Server]:
    """tests/audit/pyapps.py's *app* under waitress, or uvicorn for ASGI apps."""
    port = free_port()
    if app.startswith("starlette") or app.endswith("-asgi"):
        command = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port",
                   str(port), "--log-level", "warning", "tests.audit.pyapps:asgi_app"]
    else:
        command = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
                   "--threads=4", "tests.audit.pyapps:wsgi_app"]
    env = python_env(WSGICORS_AUDIT_APP=app)
    with tempfile.TemporaryDirectory(prefix="wsgicors-audit-py-") as tmp, \
            _process(app, command, port, Path(tmp), env) as server:
        yield server


# -- processes -----------------------------------------------------------------------


@contextmanager
def _process(kind: str, command: list[str], port: int, tmp: Path,
             env: dict[str, str] | None = None) -> Iterator[Server]:
    with spawn(kind, kind, command, port, env=env, cwd=tmp, log=tmp / "server.log") as server:
        yield server
