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
def test_network_cut_before_confirm_queues_then_delivers_once(tmp_path: Path,
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
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.scripted_main", "--config", str(cfg),
                             "--out", str(out), "--script", "offline"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if (out / "cut-network").exists() and not (out / "network-cut").exists():
                proxy.cut()
                (out / "network-cut").touch()
            if (out / "restore-network").exists() and not (out / "network-restored").exists():
                proxy.restore()
                (out / "network-restored").touch()
            time.sleep(0.1)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.close()
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["error"] is None, result["error"]
    facts = result["facts"]
    assert "保存" in facts["queued_message"] and "尚未生效" in facts["queued_message"]
    assert facts["screen_after_queue"] == "confirm", "nothing queued is presented as done"
    assert facts["delivered"] is True and facts["reference"]
    assert_not_blank(result["shots"][0])
    ledger = requests.get(fresh_platform.url + "/sandbox/ledger", timeout=10, headers={
        "Authorization": f"Bearer {fresh_platform.token}"}).json()["writes"]
    bookings = [w for w in ledger if w["kind"].startswith("booking")]
    assert len(bookings) == 1, "the queued booking and the resident's second tap book once"
