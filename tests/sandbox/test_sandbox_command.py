"""`run_whatsapp_sandbox`: starts in the foreground, prints its URL, stops cleanly on SIGTERM.

The command runs in a child process with a minimal `settings.configure()`, so this test needs
neither the project's settings nor a database.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
from django.conf import settings

settings.configure(WHATSAPP_API_USER="operator", WHATSAPP_API_PASSWORD="pw")
django.setup()
from devices.management.commands.run_whatsapp_sandbox import Command

Command().run_from_argv(
    ["manage.py", "run_whatsapp_sandbox", "--port", "0", "--webhook-url", "", "--qr-duration", "5"]
)
"""


def first_line(stream: IO[str], timeout: float = 15.0) -> str:
    """The child's first output line, without hanging the test if it never comes."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def test_command_serves_until_sigterm() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
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

            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert "stopped" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
