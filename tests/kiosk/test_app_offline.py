"""The real app keeps serving when the network is cut mid-session, and delivers once it's back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.kiosk.test_app_e2e import ROOT, assert_not_blank, write_config


class SwitchableProxy:
    """A TCP forwarder on 127.0.0.1 that the test can cut: then it refuses and drops all."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.up = False
        with self._lock:
            for c in self._conns:
                c.close()
            self._conns.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass  # either side closed: the connection is over
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass


@pytest.mark.kivy
def test_network_cut_before_confirm_gives_a_provisional_booking_decided_later(tmp_path: Path,
                                                              fresh_platform: Any) -> None:
    port = int(fresh_platform.url.rsplit(":", 1)[1])
    proxy = SwitchableProxy(port)

    class ViaProxy:
        url = f"http://127.0.0.1:{proxy.port}"
        token = fresh_platform.token

    cfg, out = tmp_path / "kiosk.toml", tmp_path / "out"
    write_config(cfg, ViaProxy, tmp_path / "slips")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_HOME=str(tmp_path / "kivy-home"), KIVY_NO_ARGS="1")
    proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.scripted_main", "--config", str(cfg),
                             "--out", str(out), "--script", "offline"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # A hang is caught by the script's own per-step bound (the app's timeouts, see
        # tests/e2e/scripted.py app_wait_bound); this only stops a process that never reports.
        deadline = time.monotonic() + 900
        while proc.poll() is None and time.monotonic() < deadline:
            # The script asks through marker files: cut-network-N, restore-network-N.
            for ask in sorted(out.glob("*-network-*")) if out.exists() else []:
                action, n = ask.name.split("-network-")
                answered = out / f"network-{action}-done-{n}"
                if not answered.exists():
                    proxy.cut() if action == "cut" else proxy.restore()
                    answered.touch()
            time.sleep(0.1)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.close()
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["error"] is None, result["error"]
    facts = result["facts"]
    # Offline: accepted as provisional, never shown as a confirmed booking.
    assert "待平台确认" in facts["provisional_title"] and "成功" not in facts["provisional_title"]
    assert facts["reference_label"] == "临时编号" and facts["local_reference"].startswith("L")
    assert "尚未生效" in facts["details"] and "短信" in facts["details"]
    assert "临时凭证" in facts["print_message"]
    assert facts["delivered"] is True
    # The next visit: the platform's decision, named by the slip's local reference, once.
    assert "离线预约已确认" in facts["notice"] and facts["local_reference"] in facts["notice"]
    assert facts["unshown_after"] == 0
    # The second resident saw the decision on the done screen; it is not repeated later.
    assert "离线预约已确认" in facts["live_title"] and "预约号 YY" in facts["live_details"]
    assert facts["live_reference"].startswith("YY") and facts["live_label"] == "预约号"
    assert "凭证已打印" in facts["live_reprint"]
    for shot in result["shots"]:
        assert_not_blank(shot)
    slips = list((tmp_path / "slips").glob("*.pdf"))
    assert len(slips) == 3  # two provisional slips, then the second resident's confirmed one
    text = subprocess.run(["pdftotext", "-layout", str(sorted(slips)[0]), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "临时凭证" in text and facts["local_reference"] in text
    confirmed = subprocess.run(["pdftotext", "-layout", str(sorted(slips)[-1]), "-"],
                               capture_output=True, text=True, check=True).stdout
    assert facts["live_reference"] in confirmed and "临时凭证" not in confirmed
    headers = {"Authorization": f"Bearer {fresh_platform.token}"}
    ledger = requests.get(fresh_platform.url + "/sandbox/ledger", timeout=10,
                          headers=headers).json()["writes"]
    seats = {w["reference"] for w in ledger if w["kind"].startswith("booking")}
    assert len(seats) == 2, "each ordinary attempt and its provisional booking hold one seat"
    sms = requests.get(fresh_platform.url + "/sandbox/sms", timeout=10,
                       headers=headers).json()["messages"]
    assert len(sms) == 2 and facts["local_reference"] in sms[0]["text"]
