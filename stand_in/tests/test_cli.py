"""Process lifecycle: StandIn, ``python -m stand_in`` flags, signals, start-up failures."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys

import pytest

from stand_in import StandIn
from stand_in.tests.helpers import ACTS, REPO_ROOT, get, get_token, pid_alive, token_call


def test_standin_stop_leaves_no_process():
    s = StandIn(activities=5, faults={"bare_list": True}).start()
    pid = s.pid
    assert pid_alive(pid)
    t = get_token(s)
    assert isinstance(get(s, ACTS, t).json(), list)  # --faults applied at start
    s.stop()
    assert not pid_alive(pid)
    s.stop()  # idempotent


def test_context_manager_and_custom_credentials():
    with StandIn(activities=3, client_id="k", client_secret="s") as s:
        assert s.url.startswith("http://127.0.0.1:")
        assert token_call(s).status == 200
        assert token_call(s, client_id="demo-api-key", client_secret="demo-api-secret").status == 401
        pid = s.pid
    assert not pid_alive(pid)


def test_start_up_flags_today_timestamps_dates_meetings_ahead():
    dates = {"to_exclusive": True, "list_future": False, "ingested_time_zone": "Asia/Tokyo"}
    with StandIn(activities=50, today="2024-02-29", timestamps="iso", dates=dates, meetings_ahead=3) as s:
        clock = s.clock()
        assert clock["today"] == "2024-02-29" and clock["dataset_today"] == "2024-02-29"
        assert clock["timestamps"] == "iso"
        assert clock["dataset_end_ms"] == 1709164800000  # 2024-02-29T00:00:00Z
        assert (clock["activities"], clock["meetings_ahead"]) == (53, 3)
        assert [a["uid"] for a in s.dataset("activities")][-3:] == ["act-000051", "act-000052", "act-000053"]
        rules = s.get_dates()
        assert (rules["to_exclusive"], rules["list_future"], rules["ingested_time_zone"]) == (True, False, "Asia/Tokyo")
        s.reset()  # reset restores documented mode, not the start-up rules
        assert s.get_dates()["to_exclusive"] is False


def _run_cli(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "stand_in", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_refuses_other_host():
    r = _run_cli("--host", "0.0.0.0")
    assert r.returncode == 2 and "127.0.0.1" in r.stderr and r.stdout == ""


@pytest.mark.parametrize(
    "args,needle",
    [
        (("--faults", '{"nope": 1}'), "nope"),
        (("--faults", "{bad json"), "faults"),
        (("--dates", '{"nope": true}'), "nope"),
        (("--dates", '{"org_time_zone": "Mars/Base"}'), "Mars/Base"),
        (("--today", "2025-02-30"), "today"),
        (("--today", "yesterday"), "today"),
        (("--timestamps", "seconds"), "timestamps"),
        (("--meetings-ahead", "-1"), "--meetings-ahead must be >= 0"),
    ],
)
def test_cli_rejects_bad_flags(args, needle):
    r = _run_cli(*args)
    assert r.returncode == 2 and needle in r.stderr and r.stdout == ""


def test_standin_start_failure_reports_stderr():
    s = StandIn(activities=1, faults={"nope": 1})
    with pytest.raises(RuntimeError, match="nope"):
        s.start()
    assert not pid_alive(s.pid)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_port_file_and_signal_exit(tmp_path, sig):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, "-m", "stand_in", "--activities", "3", "--port-file", str(port_file)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("stand-in listening on http://127.0.0.1:")
        port = int(line.strip().rsplit(":", 1)[1])
        assert int(port_file.read_text()) == port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/_control/health")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line printed
        with pytest.raises(ConnectionRefusedError):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/_control/health")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
