"""`manage.py listen_whatsapp` as a real process against the sandbox, with a real worker."""

import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from devices.models import Device, UpstreamEvent
from devices.services import lifecycle
from tests.conftest import ROOT, current_database_url, project_env, stop_process
from tests.conftest import wait_for as _wait

pytestmark = pytest.mark.django_db(transaction=True)


def _proc_status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "Threads"):
            fields[key] = int(value.split()[0])
    return fields


def _sockets(sandbox) -> dict:
    return sandbox.control("GET", "/ws/stats")


def _log_in_through_the_listener(sandbox, device: Device) -> None:
    """Log in and scan; the LOGIN_SUCCESS frame must reach the device through the listener."""
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone="6281234567890")
    _wait(
        lambda: Device.objects.get(pk=device.pk).state == Device.State.CONNECTED,
        30,
        "the device to be connected through the listener",
    )


def test_listener_survives_50_drops_and_handles_events_after(sandbox, processes):
    device = lifecycle.device_provision(device=Device.objects.create(name="Listener"))
    listener = processes.listener()
    processes.worker()
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    time.sleep(1)  # let the interpreter settle before the memory baseline
    before = _proc_status(listener.pid)

    for drop in range(50):
        accepted = _sockets(sandbox)["total_accepted"]
        sandbox.control("POST", "/ws/drop", json={"clean": drop % 2 == 0})
        _wait(
            lambda accepted=accepted: _sockets(sandbox)["total_accepted"] > accepted
            and _sockets(sandbox)["open"] == 1,
            10,
            f"reconnect after drop {drop + 1}",
        )
    after = _proc_status(listener.pid)
    assert after["Threads"] == before["Threads"]
    assert after["VmRSS"] - before["VmRSS"] < 10 * 1024, (before, after)  # KiB

    # A lifecycle frame after all that: the scan's LOGIN_SUCCESS refreshes the device.
    _log_in_through_the_listener(sandbox, device)
    # A message frame pushed on the socket is ingested (recorded once).
    sandbox.control("PATCH", "/config", json={"ws_message_events": True})
    sandbox.control(
        "POST", f"/devices/{device.slot_id}/messages",
        json={"from": "6282222222222", "text": "Hello", "id": "3EB0AAAABBBBCCCCDDDD01"},
    )
    event = _wait(
        lambda: UpstreamEvent.objects.filter(source="websocket", event="message").first(),
        30,
        "the message frame to be recorded",
    )
    assert event.device_id == device.pk

    listener.send_signal(signal.SIGTERM)
    started = time.monotonic()
    output, _ = listener.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert listener.returncode == 0, output
    assert "stopped after" in output

    # Full-jitter backoff: the waits grow with the drops, and never pass the cap.
    delays = [float(d) for d in re.findall(r"reconnecting in ([0-9.]+)s", output)]
    assert len(delays) >= 50
    assert max(delays) <= 0.2
    assert max(delays[25:50]) > max(delays[:3])


def test_listener_waits_quietly_while_the_upstream_has_no_device(sandbox, processes):
    listener = processes.listener()
    time.sleep(2)
    assert _sockets(sandbox)["open"] == 0
    # The first device appears: the listener attaches to it without a restart.
    lifecycle.device_provision(device=Device.objects.create(name="First"))
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    listener.send_signal(signal.SIGINT)
    output, _ = listener.communicate(timeout=10)
    assert listener.returncode == 0, output
    assert "ERROR" not in output and "Traceback" not in output


def test_listener_skips_a_stored_slot_the_upstream_has_lost(sandbox, processes):
    # The oldest device's slot is gone upstream (the sandbox restarted, the database did not);
    # the upstream also holds a slot that is not ours.
    lost = lifecycle.device_provision(device=Device.objects.create(name="Lost"))
    sandbox.upstream("DELETE", f"/devices/{lost.slot_id}")
    sandbox.upstream("POST", "/devices", json={"device_id": "not-ours"})
    kept = lifecycle.device_provision(device=Device.objects.create(name="Kept"))

    processes.listener()
    processes.worker()
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    sockets = sandbox.control("GET", "/requests", params={"path": "/ws"})
    assert sockets[-1]["device_id"] == kept.slot_id  # ours, among the slots the upstream holds
    assert all(entry["device_id"] != lost.slot_id for entry in sockets)

    _log_in_through_the_listener(sandbox, kept)


def test_with_the_broker_away_the_listener_records_message_frames_itself(sandbox, processes):
    """Nothing is lost while RabbitMQ is down: GOWA does not resend a socket frame, so the
    listener records the event directly when it cannot enqueue it."""
    device = lifecycle.device_provision(device=Device.objects.create(name="No broker"))
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone="6281234567890")
    listener = processes.listener(RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1//")
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    sandbox.control("PATCH", "/config", json={"ws_message_events": True})
    for n in range(3):
        sandbox.control(
            "POST", f"/devices/{device.slot_id}/messages",
            json={"from": "6282222222222", "text": f"Hello {n}", "id": f"3EB0NOBROKER{n:08d}"},
        )
    _wait(
        lambda: UpstreamEvent.objects.filter(source="websocket", event="message").count() == 3,
        90,
        "the three frames to be recorded without a broker",
    )
    assert set(UpstreamEvent.objects.values_list("device_id", flat=True)) == {device.pk}
    listener.send_signal(signal.SIGTERM)
    output, _ = listener.communicate(timeout=30)
    assert listener.returncode == 0, output
    recorded = re.findall(r"broker unavailable: recording (\d+) message frame", output)
    assert sum(int(n) for n in recorded) == 3, output


def _logged_in_device(sandbox, name: str) -> Device:
    device = lifecycle.device_provision(device=Device.objects.create(name=name))
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone="6281234567890")
    return device


def _push_messages(sandbox, device: Device, ids: list[str]) -> None:
    """The phone side sends these messages, eight at a time: frames on /ws, back to back."""
    url = f"{sandbox.url}/_sandbox/devices/{device.slot_id}/messages"

    def push(message_id: str) -> None:
        body = {"from": "6282222222222", "text": f"Hi {message_id}", "id": message_id}
        requests.post(url, json=body, timeout=10).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(push, ids))


def _messages_recorded() -> int:
    return UpstreamEvent.objects.filter(source="websocket", event="message").count()


def test_300_message_frames_pushed_at_once_are_recorded_once_in_batches(sandbox, processes):
    device = _logged_in_device(sandbox, "Busy")
    listener = processes.listener()
    processes.worker()
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    sandbox.control("PATCH", "/config", json={"ws_message_events": True})
    ids = [f"3EB0BUSY{n:012d}" for n in range(300)]
    _push_messages(sandbox, device, ids)
    _wait(lambda: _messages_recorded() >= 300, 60, "the 300 frames to be recorded")
    time.sleep(0.5)  # anything recorded twice would show now
    events = UpstreamEvent.objects.filter(source="websocket", event="message")
    assert sorted(events.values_list("payload__payload__id", flat=True)) == ids
    assert set(events.values_list("device_id", flat=True)) == {device.pk}

    listener.send_signal(signal.SIGTERM)
    output, _ = listener.communicate(timeout=10)
    assert listener.returncode == 0, output
    assert "broker unavailable" not in output and "Traceback" not in output
    batches = int(re.search(r"(\d+) message batches", output).group(1))
    assert 1 <= batches < 300, output  # fewer tasks than frames


@pytest.fixture
def listener_with_options(sandbox, processes):
    """`listen_whatsapp` with options of the test's choosing, on the `processes` queue."""
    started: list[subprocess.Popen] = []
    env = project_env(
        DATABASE_URL=current_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_TASK_DEFAULT_QUEUE=processes.queue,
        WHATSAPP_API_URL=sandbox.url,
        LOG_LEVEL="INFO",
    )

    def start(*options: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "listen_whatsapp", "--backoff-base", "0.01",
             "--backoff-cap", "0.2", "--ping-interval", "1", *options],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            stop_process(process)


def test_held_frames_are_handed_on_before_a_reconnect_and_when_the_listener_stops(
    sandbox, processes, listener_with_options
):
    device = _logged_in_device(sandbox, "Held")
    # Batches that neither fill nor time out within the test: only a close or a stop sends them.
    listener = listener_with_options("--batch-size", "1000", "--batch-ms", "600000")
    processes.worker()
    _wait(lambda: _sockets(sandbox)["open"] == 1, 30, "the listener to connect")
    sandbox.control("PATCH", "/config", json={"ws_message_events": True})

    _push_messages(sandbox, device, ["3EB0HELD000000000001", "3EB0HELD000000000002"])
    time.sleep(1.5)
    assert _messages_recorded() == 0  # held in the batch
    accepted = _sockets(sandbox)["total_accepted"]
    sandbox.control("POST", "/ws/drop", json={"clean": True})
    _wait(lambda: _messages_recorded() == 2, 30, "the batch to go when the socket closed")
    _wait(
        lambda: _sockets(sandbox)["total_accepted"] > accepted and _sockets(sandbox)["open"] == 1,
        30,
        "the reconnect",
    )

    _push_messages(sandbox, device, [f"3EB0HELD00000000001{n}" for n in range(3)])
    time.sleep(1.5)
    assert _messages_recorded() == 2
    listener.send_signal(signal.SIGTERM)
    started = time.monotonic()
    output, _ = listener.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert listener.returncode == 0, output
    assert "5 frames, 2 message batches" in output, output
    _wait(lambda: _messages_recorded() == 5, 30, "the batch handed on at exit to be recorded")


def test_listener_help_names_the_batch_options():
    done = subprocess.run(
        [sys.executable, "manage.py", "listen_whatsapp", "--help"],
        cwd=ROOT, env=project_env(), capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--batch-size" in done.stdout and "--batch-ms" in done.stdout
