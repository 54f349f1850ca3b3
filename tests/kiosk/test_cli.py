"""The `kiosk` command: one exit-code table (`ExitCode`, shown once in the README) that every
subcommand takes its numbers from, and one config file for all of them."""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import kiosk.cli
from kiosk.cli import build_parser, camera, card, config_file, devices, main, outbox, run
from kiosk.cli import catalogue, simulate, soak
from kiosk.cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(kiosk.cli.__file__).parent
MODULES = (run, devices, card, camera, outbox, catalogue, simulate, soak)


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(title)
    end = text.index("\n## ", start)
    return text[start:end]


def test_the_readme_shows_the_table_once_as_the_enum_has_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("| exit | name | meaning |") == 1
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| (.+) \|$", _readme_section("### Exit codes"),
                      re.MULTILINE)
    assert [(int(n), name, meaning) for n, name, meaning in rows] == [
        (int(code), code.name, code.meaning) for code in ExitCode]


def test_the_commands_table_names_codes_and_gives_no_numbers() -> None:
    commands = _readme_section("## Commands").split("### Exit codes")[0]
    assert not re.search(r"\bexit(?: codes?)? \d", commands), "name the code: `OFFLINE`, not 4"
    assert "exit codes in `kiosk/" not in commands
    for name in re.findall(r"`([A-Z][A-Z_]+)`", commands):
        assert name in ExitCode.__members__, name


def test_one_number_per_meaning() -> None:
    assert len({int(c) for c in ExitCode}) == len(ExitCode)  # no aliases
    assert ExitCode.USAGE == 2  # argparse's own usage errors exit 2


def _leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[str]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix
        return
    for name, child in subs[0].choices.items():
        yield from _leaf_commands(child, f"{prefix} {name}".strip())


def test_every_subcommand_documents_its_codes_in_its_help(
        capsys: pytest.CaptureFixture[str]) -> None:
    documented = {cmd: codes for m in MODULES for cmd, codes in m.EXIT_CODES.items()}
    assert sorted(_leaf_commands(build_parser())) == sorted(documented)
    for command, codes in documented.items():
        assert codes and all(isinstance(code, ExitCode) for code in codes), command
        with pytest.raises(SystemExit) as done:
            main([*command.split(), "--help"])
        assert done.value.code == 0
        shown = re.findall(r"^\s+(\d+)\s+([A-Z_]+)\s", capsys.readouterr().out, re.MULTILINE)
        assert shown == [(str(int(c)), c.name) for c in sorted(codes)], command


def _ast(module: ModuleType) -> ast.Module:
    return ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))


def test_no_subcommand_has_numbers_of_its_own() -> None:
    for path in sorted(CLI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
                assert type(node.value.value) is not int, f"{path.name}:{node.lineno}"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("exit", "_exit"):
                assert not all(isinstance(a, ast.Constant) for a in node.args), \
                    f"{path.name}:{node.lineno}"
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assert not re.fullmatch(r"EXIT_[A-Z_]+", node.id) or node.id == "EXIT_CODES", \
                    f"{path.name}:{node.lineno}: {node.id}"


def test_every_code_a_module_uses_is_in_its_documented_table() -> None:
    for module in MODULES:
        used = {node.attr for node in ast.walk(_ast(module)) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == "ExitCode"}
        documented = {code.name for codes in module.EXIT_CODES.values() for code in codes}
        assert used <= documented, (module.__name__, used - documented)


def test_a_crash_is_internal_not_a_no(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def crash(_args: argparse.Namespace) -> int:
        raise RuntimeError("a bug")
    monkeypatch.setattr(run, "check_config", crash)
    assert main(["check-config"]) == ExitCode.INTERNAL
    assert "RuntimeError: a bug" in capsys.readouterr().err


def test_config_path_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config_file.CONFIG_ENV, raising=False)
    assert config_file.config_path(None)[0] == Path("/etc/kiosk/kiosk.toml")
    monkeypatch.setenv(config_file.CONFIG_ENV, "/srv/kiosk.toml")
    assert config_file.config_path(None)[0] == Path("/srv/kiosk.toml")
    assert config_file.config_path("given.toml")[0] == Path("given.toml")


NEEDS_CONFIG = [
    ["run"], ["check-config"], ["devices", "probe"], ["print", "{pdf}"], ["card", "read"],
    ["camera", "snap", "{dir}/x.jpg"], ["outbox", "status"], ["sync"],
    ["simulate", "--sessions", "1", "--db", "{dir}/o.db", "--jsonl", "{dir}/o.jsonl"],
]


@pytest.mark.parametrize("argv", NEEDS_CONFIG, ids=" ".join)
def test_a_missing_default_config_is_usage_naming_the_path(
        argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    default = tmp_path / "etc" / "kiosk" / "kiosk.toml"
    monkeypatch.setattr(config_file, "DEFAULT_CONFIG", str(default))
    monkeypatch.delenv(config_file.CONFIG_ENV, raising=False)
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert main([a.format(pdf=pdf, dir=tmp_path) for a in argv]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"no config file at {default} (the default)" in err, err
    assert "--config FILE" in err and config_file.CONFIG_ENV in err


def test_a_bad_config_named_by_the_environment(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[platform]\nurl = "https://x"\ntoken = "t"\nspeed = 3\n[devices.printer]\n'
                   'queue = "slips"\n', encoding="utf-8")
    monkeypatch.setenv(config_file.CONFIG_ENV, str(bad))
    assert main(["check-config"]) == ExitCode.USAGE
    assert "platform.speed" in capsys.readouterr().err
    bad.write_text(bad.read_text(encoding="utf-8").replace("speed = 3\n", ""), encoding="utf-8")
    assert main(["check-config"]) == ExitCode.OK
    assert capsys.readouterr().out.strip() == f"{bad}: ok"


def test_python_m_kiosk_cli_and_python_m_kiosk() -> None:
    for module in ("kiosk.cli", "kiosk"):
        proc = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == ExitCode.OK and "devices" in proc.stdout, proc.stderr


def test_simulate_against_deeply_nested_json_ends_without_a_traceback(tmp_path: Path) -> None:
    # Every answer a 200 with JSON 1,000 levels deep: the client's json parse recursed out of
    # the stack, a RecursionError that no one caught and that ended the run with a traceback.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = b"[" * 1000 + b"]" * 1000

    class Deep(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Deep)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "kiosk", "simulate", "--platform",
             f"http://127.0.0.1:{server.server_address[1]}", "--token", "t", "--sessions", "1",
             "--db", str(tmp_path / "o.db"), "--jsonl", str(tmp_path / "o.jsonl"),
             "--key-file", str(tmp_path / "o.key")],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "RecursionError" not in proc.stderr
    assert proc.returncode == ExitCode.OK, proc.stderr[-2000:]
