"""Serve the reference title page the way production does and measure it beside nginx.

One run: prepare a demo database in a private var dir, start granian exactly as production does
(2 workers, 1 blocking thread each, DEBUG off, SQLite), find the page of "The Red Shoes" (1948),
serve a byte-identical copy of it with nginx as a static file, then run wrk against nginx, the
Django title page and the Django title API. Prints a markdown table; `--write-docs` also puts it
in docs/BENCHMARKS.md between the serve-title-page markers.

Everything listens on and talks to 127.0.0.1 only, on free ports; both servers are stopped and
the temporary directories removed however the run ends.

    .venv/bin/python bench/serve_title_page.py [--duration 10] [--connections 32] [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DOCS = ROOT / "docs" / "BENCHMARKS.md"
START_MARKER = "<!-- serve-title-page:start -->"
END_MARKER = "<!-- serve-title-page:end -->"
HOST = "127.0.0.1"
REFERENCE_TITLE, REFERENCE_YEAR = "The Red Shoes", 1948
WRK_THREADS = 2
HEALTH_TIMEOUT = 30.0
NGINX_TIMEOUT = 10.0
DEMO_TIMEOUT = 600.0
STOP_TIMEOUT = 10.0


class BenchError(RuntimeError):
    """The run cannot go on: the message says why."""


@dataclass
class Target:
    name: str
    url: str
    size: int = 0
    requests_per_second: float = 0.0
    p99_ms: float = 0.0
    non_2xx: int = 0
    socket_errors: int = 0
    requests: int = 0


# --- small helpers --------------------------------------------------------------------------


def free_port() -> int:
    """A port the kernel says is free now (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """One GET to 127.0.0.1 with no redirect following: wrk would count a 3xx too."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "*/*"})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def wait_until_ok(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll `path` with short requests until it answers 200, the server dies, or time runs out."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the server exited with status {proc.returncode} while starting")
        try:
            status, _, _ = http_get(port, path, timeout=1.0)
        except OSError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if status == 200:
                return
            last = f"HTTP {status}"
        time.sleep(0.05)
    url = f"http://{HOST}:{port}{path}"
    raise BenchError(f"{url} did not answer 200 within {timeout:.0f}s ({last})")


def start_group(
    argv: list[str], env: dict[str, str], log: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session so that the whole process group can be stopped."""
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM the process group, then SIGKILL whatever is still there after a grace period."""
    if proc is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; its workers may linger a moment in the same group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return


def tool_path(name: str) -> str | None:
    """`name` on PATH, else where Debian puts it (/usr/sbin is not on every user's PATH)."""
    for where in (shutil.which(name), f"/usr/bin/{name}", f"/usr/sbin/{name}"):
        if where and os.access(where, os.X_OK):
            return where
    return None


def tool(name: str) -> str:
    path = tool_path(name)
    if path is None:
        raise BenchError(f"{name} is not installed")
    return path


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- wrk ----------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_TOTAL = re.compile(r"^\s+(\d+) requests in ", re.MULTILINE)


def wrk_parse(output: str) -> dict[str, Any]:
    rps, p99 = _RPS.search(output), _P99.search(output)
    if rps is None or p99 is None:
        raise BenchError(f"could not read wrk's output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET.search(output)
    total = _TOTAL.search(output)
    return {
        "requests_per_second": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * _UNIT_MS[p99.group(2)],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
        "requests": int(total.group(1)) if total else 0,
    }


def wrk_run(target: Target, port: int, path: str, duration: int, connections: int) -> None:
    status, _, body = http_get(port, path)
    if status != 200:
        raise BenchError(f"{target.name}: {target.url} answered {status}, not 200")
    target.size = len(body)
    argv = wrk_argv(target.url, duration, connections)
    print(f"== {target.name}: {shlex.join(argv)}", file=sys.stderr, flush=True)
    result = subprocess.run(
        [tool("wrk"), *argv[1:]], capture_output=True, text=True, timeout=duration + 30, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    for key, value in wrk_parse(result.stdout).items():
        setattr(target, key, value)


def wrk_argv(url: str, duration: int, connections: int) -> list[str]:
    return ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", url]


# --- the servers --------------------------------------------------------------------------


def server_env(var_dir: Path) -> dict[str, str]:
    """Production's environment: DEBUG off, SQLite under a private var dir, no Redis."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"} and not k.startswith("GRANIAN_")
    }
    env["REELHOUSE_VAR_DIR"] = str(var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "reelhouse.settings"
    return env


def demo_prepare(env: dict[str, str], log: Path) -> float:
    started = time.monotonic()
    argv = [str(VENV_BIN / "reelhouse"), "demo", "--no-serve"]
    result = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=DEMO_TIMEOUT, check=False
    )
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise BenchError(
            f"`reelhouse demo --no-serve` exited with {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return time.monotonic() - started


def granian_argv(port: int) -> list[str]:
    return [
        str(VENV_BIN / "granian"),
        "--interface",
        "wsgi",
        "--workers",
        "2",
        "--blocking-threads",
        "1",
        "--host",
        HOST,
        "--port",
        str(port),
        "reelhouse.wsgi:application",
    ]


def reference_paths(port: int) -> tuple[str, str]:
    """The page path and API path of the reference title, found through the search API."""
    query = f"/api/v1/search?q={quote(REFERENCE_TITLE)}&type=title"
    status, _, body = http_get(port, query)
    if status != 200:
        raise BenchError(f"{query} answered {status}: {body[:300]!r}")
    results = json.loads(body)["results"]
    for result in results:
        if result.get("year") == REFERENCE_YEAR and result.get("name") == REFERENCE_TITLE:
            return str(result["url"]), f"/api/v1/titles/{int(result['id'])}"
    raise BenchError(f"no {REFERENCE_TITLE} ({REFERENCE_YEAR}) among {results}")


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;

events {{
    worker_connections 1024;
}}

http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    access_log off;
    sendfile on;
    tcp_nopush on;
    types {{ text/html html; }}
    default_type application/octet-stream;
    charset utf-8;

    server {{
        listen {host}:{port};
        root {tmp}/site;
        location = /index.html {{ }}
        location / {{ return 404; }}
    }}
}}
"""


def nginx_start(tmp: Path, port: int, page: bytes) -> subprocess.Popen[bytes]:
    """nginx serving `page` as <tmp>/site/index.html.

    As root, nginx's workers run as `nobody`: the directory is made world-readable rather than
    running them as root. The var dir with the database and secret key lives elsewhere.
    """
    site = tmp / "site"
    site.mkdir()
    (site / "index.html").write_bytes(page)
    tmp.chmod(0o755)
    site.chmod(0o755)
    (site / "index.html").chmod(0o644)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, host=HOST, port=port))
    argv = [tool("nginx"), "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
    return start_group(argv, os.environ.copy(), tmp / "nginx.out", tmp)


# --- the report ---------------------------------------------------------------------------


def ratio(value: float, reference: float) -> str:
    if reference <= 0 or value <= 0:
        return "n/a"
    if value >= reference:
        return f"{value / reference:.2f}"
    return f"1/{reference / value:.0f} ({value / reference:.3f})"


def fmt_ms(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def tool_version(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "?"
    text = (result.stdout + result.stderr).strip().splitlines()
    return text[0] if text else "?"


def machine_line(load_before: float) -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    granian = tool_version([str(VENV_BIN / "granian"), "--version"]).split()[-1]
    nginx = tool_version([tool("nginx"), "-v"]).rsplit("/", 1)[-1]
    wrk = tool_version([tool("wrk"), "--version"]).split()[1]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, "
        f"granian {granian}, nginx {nginx}, wrk {wrk}, {now}, "
        f"load average {load_before:.2f} before the run"
    )


def report(targets: list[Target], duration: int, connections: int, load_before: float) -> str:
    nginx = targets[0].requests_per_second
    rows = [
        "| target | bytes | req/s | p99 | non-2xx / socket errors | ratio to nginx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in targets:
        rows.append(
            f"| {t.name} | {t.size:,} | {t.requests_per_second:,.0f} | {fmt_ms(t.p99_ms)} "
            f"| {t.non_2xx} / {t.socket_errors} | {ratio(t.requests_per_second, nginx)} |"
        )
    rows += [
        "",
        f"wrk -t{WRK_THREADS} -c{connections} -d{duration}s --latency, one run per target, "
        "loopback.",
        f"Machine: {machine_line(load_before)}.",
    ]
    return "\n".join(rows)


def command_line() -> str:
    script = Path(__file__).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(ROOT)
    return shlex.join([".venv/bin/python", str(script), *sys.argv[1:]])


def docs_write(table: str, granian: str) -> None:
    text = DOCS.read_text()
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        raise BenchError(f"{DOCS} lacks the {START_MARKER} ... {END_MARKER} markers")
    section = (
        f"{START_MARKER}\n{table}\n\nCommand: `{command_line()}`\n\n"
        f"Server: `{granian}`\n{END_MARKER}"
    )
    DOCS.write_text(text[:start] + section + text[end + len(END_MARKER) :])
    print(f"Wrote the results into {DOCS}", file=sys.stderr)


# --- the run ------------------------------------------------------------------------------


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per target")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"put the table in {DOCS.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < WRK_THREADS:
        parser.error(f"--duration must be >= 1 and --connections >= {WRK_THREADS}")
    for tool in ("wrk", "nginx"):
        if tool_path(tool) is None:
            parser.error(f"{tool} is not installed (Debian: apt install {tool})")

    # A SIGTERM takes the same way out as Ctrl-C: through the finally below.
    signal.signal(signal.SIGTERM, _terminate)
    # Other work on these shared machines skews the figures: the table says how busy it was.
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="reelhouse-bench-"))
    static = Path(tempfile.mkdtemp(prefix="reelhouse-bench-nginx-"))
    granian: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None
    try:
        env = server_env(work / "var")
        took = demo_prepare(env, work / "demo.log")
        print(f"== demo database ready in {took:.1f}s", file=sys.stderr)

        django_port = free_port()
        granian_cmd = granian_argv(django_port)
        granian = start_group(granian_cmd, env, work / "granian.log", ROOT)
        started = time.monotonic()
        try:
            wait_until_ok(django_port, "/healthz", granian, HEALTH_TIMEOUT)
        except BenchError as error:
            raise BenchError(f"{error}\n{log_tail(work / 'granian.log')}") from None
        print(f"== granian up in {time.monotonic() - started:.1f}s", file=sys.stderr)

        page_path, api_path = reference_paths(django_port)
        status, headers, page = http_get(django_port, page_path)
        if status != 200:
            raise BenchError(f"{page_path} answered {status}")
        _, _, again = http_get(django_port, page_path)
        if again != page:
            print("!! two fetches of the title page differ", file=sys.stderr)

        nginx_port = free_port()
        nginx = nginx_start(static, nginx_port, page)
        try:
            wait_until_ok(nginx_port, "/index.html", nginx, NGINX_TIMEOUT)
        except BenchError as error:
            raise BenchError(f"nginx: {error}\n{log_tail(static / 'error.log')}") from None
        _, nginx_headers, served = http_get(nginx_port, "/index.html")
        if served != page:
            raise BenchError("nginx does not return the title page's bytes")
        print(
            f"== nginx serves the same {len(page):,} bytes "
            f"({nginx_headers.get('content-type')} vs Django's {headers.get('content-type')})",
            file=sys.stderr,
        )

        plan = [
            ("nginx, the same bytes as a static file", nginx_port, "/index.html"),
            (f"Django title page `{page_path}`", django_port, page_path),
            (f"Django title API `{api_path}`", django_port, api_path),
        ]
        targets: list[Target] = []
        for name, port, path in plan:
            target = Target(name, f"http://{HOST}:{port}{path}")
            wrk_run(target, port, path, args.duration, args.connections)
            targets.append(target)
            if granian.poll() is not None:
                raise BenchError(f"granian exited during the run\n{log_tail(work / 'granian.log')}")

        table = report(targets, args.duration, args.connections, load_before)
        print(table)
        if args.write_docs:
            shown = [".venv/bin/granian", *granian_cmd[1:]]
            shown[shown.index("--port") + 1] = "<free port>"
            docs_write(table, " ".join(shown))
        return 0
    except BenchError as error:
        print(f"serve_title_page: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("serve_title_page: interrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        stop_group(nginx)
        stop_group(granian)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(static, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
