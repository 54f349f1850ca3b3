"""Produces the README screenshots by driving the real app offscreen through a booking."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.devtools.demo import DEMO_TOKEN, demo_config, sandbox_process  # noqa: E402


def toml(cfg: dict) -> str:
    lines: list[str] = []

    def section(prefix: str, table: dict) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if scalars:
            lines.append(f"[{prefix}]")
            for k, v in scalars.items():
                lines.append(f"{k} = " + ("true" if v is True else "false" if v is False
                                          else repr(v) if not isinstance(v, str)
                                          else '"' + v.replace('"', '\\"') + '"'))
        for k, v in table.items():
            if isinstance(v, dict):
                section(f"{prefix}.{k}" if prefix else k, v)

    section("", cfg)
    return "\n".join(line for line in lines if line != "[]") + "\n"


def run(out: Path, tmp: Path, url: str, name: str, *args: str,
        orientation: str = "portrait") -> None:
    # The outbox database lives beside the slips: the folder must exist before the app starts.
    (tmp / f"slips-{name}").mkdir(parents=True, exist_ok=True)
    cfg = demo_config(url, tmp / f"slips-{name}", orientation=orientation, scale=0.5)
    cfg["platform"]["token"] = DEMO_TOKEN
    cfg_file = tmp / f"{name}.toml"
    cfg_file.write_text(toml(cfg), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    subprocess.run([sys.executable, "-m", "tests.e2e.scripted_main", "--config", str(cfg_file),
                    "--out", str(tmp / name), *args], cwd=ROOT, env=env, check=True,
                   timeout=300)
    for png in sorted((tmp / name).glob("*.png")):
        shutil.copy(png, out / f"{name}-{png.name}")
    for pdf in sorted((tmp / f"slips-{name}").glob("*.pdf"))[:1]:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf),
                        str(out / f"{name}-slip")], check=True)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        with sandbox_process(tmp / "sandbox.db") as url:
            run(out, tmp, url, "portrait", "--script", "booking")
            run(out, tmp, url, "elderly", "--script", "booking", "--elderly", "--resident", "1")
            run(out, tmp, url, "idle", "--script", "idle")
            run(out, tmp, url, "face", "--script", "face_pass")
            run(out, tmp, url, "face", "--script", "face_pass", "--elderly")
            run(out, tmp, url, "face", "--script", "face_staff")
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
