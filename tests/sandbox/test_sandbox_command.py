"""`run_whatsapp_sandbox`: starts in the foreground, prints its URL, stops cleanly on SIGTERM.

The command runs in a child process with a minimal `settings.configure()`, so this test needs
neither the project's settings nor a database.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys

import django
from django.conf import settings

settings.configure(
    WHATSAPP_API_USER="operator", WHATSAPP_API_PASSWORD="pw", WHATSAPP_API_URL=sys.argv[1]
)
django.setup()
from sandbox.management.commands.run_whatsapp_sandbox import Command

Command().run_from_argv(["manage.py", "run_whatsapp_sandbox", *sys.argv[2:]])
"""


def first_line(stream: IO[str], timeout: float = 15.0) -> str:
    """The child's first output line, without hanging the test if it never comes."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def sandbox_command(api_url: str, *args: str) -> subprocess.Popen[str]:
    """The command in a child process, with `api_url` as settings.WHATSAPP_API_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, api_url, "--webhook-url", "", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, expect a clean exit, return what it wrote to stderr."""
    assert process.stderr is not None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    return process.stderr.read()


def test_command_serves_until_sigterm() -> None:
    with sandbox_command("http://127.0.0.1:3000", "--port", "0", "--qr-duration", "5") as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            line = first_line(process.stdout)
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            assert match, line
            base_url = match.group(1)
            assert requests.get(base_url + "/health", timeout=5).text == "OK"
            # Credentials come from the Django settings when no option overrides them.
            auth = ("operator", "pw")
            assert requests.get(base_url + "/devices", auth=auth, timeout=5).ok
            denied = requests.get(base_url + "/devices", auth=("admin", "admin"), timeout=5)
            assert denied.status_code == 401
            login = requests.get(base_url + "/devices/x/login", auth=auth, timeout=5)
            assert login.json()["results"]["qr_duration"] == 5

            assert "stopped" in stop(process)
        finally:
            if process.poll() is None:
                process.kill()


def test_from_settings_listens_where_the_platform_looks() -> None:
    # Procfile.dev runs the sandbox this way: a WHATSAPP_API_URL on another port moves it.
    port = free_port()
    with sandbox_command(f"http://127.0.0.1:{port}", "--from-settings") as process:
        try:
            assert process.stdout is not None
            line = first_line(process.stdout)
            assert f"listening on http://127.0.0.1:{port} " in line, line
            assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).text == "OK"
            stop(process)
        finally:
            if process.poll() is None:
                process.kill()


def test_from_settings_with_a_remote_upstream_warns_and_keeps_serving() -> None:
    # A real GOWA elsewhere: nothing to bind there, but exiting would stop all of `make run`.
    api_url = "https://gowa.example.com/gowa"
    with sandbox_command(api_url, "--from-settings", "--port", "0") as process:
        try:
            assert process.stdout is not None
            line = first_line(process.stdout)
            assert re.search(r"listening on http://127\.0\.0\.1:\d+ ", line), line
            assert "not a local http root URL" in stop(process)
        finally:
            if process.poll() is None:
                process.kill()


def test_procfile_starts_the_sandbox_where_the_platform_looks() -> None:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    command = next(line for line in lines if line.startswith("sandbox:")).split()
    assert "--from-settings" in command
    assert "--port" not in command and "--host" not in command
