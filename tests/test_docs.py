"""The docs keep up with the code: every setting and every command is documented."""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import fields
from pathlib import Path

from bot.cli import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_example_config():
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for f in fields(Settings):
        assert f.name in text, f"config.example.toml lacks {f.name}"
        assert f.metadata["help"] in text
    example = tomllib.loads(text)
    assert all(not f.metadata["secret"] for f in fields(Settings) if f.name in example)  # no secrets in the repo


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"run_bot.py {name}" in readme, f"README does not document `{name}`"
    assert "make run" in readme and "make test" in readme


def test_the_systemd_unit_makes_its_own_private_state_directory():
    unit = (ROOT / "deploy" / "gridbot.service").read_text(encoding="utf-8")
    assert "StateDirectory=gridbot" in unit and "UMask=0077" in unit
    assert "useradd" in unit  # User=gridbot must exist before the first start
    assert "ReadWritePaths=/var/lib/gridbot" not in unit  # fails the start when the directory is missing
    assert "Environment=BOT_DB=/var/lib/gridbot/" in unit


def test_the_docs_name_no_file_outside_the_repository():
    """QA: docs/wechat.md sent readers to ../shared/PROTOCOLS.md, which a clone of the repository does not have."""
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        for name in re.findall(r"[`(]([\w./-]+\.md)[`)]", doc.read_text(encoding="utf-8")):
            assert (doc.parent / name).exists() or (ROOT / name).exists(), f"{doc.name} points to missing {name}"


def test_make_eval_without_the_evaluation_set_says_what_is_missing(tmp_path):
    missing = tmp_path / "no-such-set"
    result = subprocess.run(["make", "-s", "eval", f"EVAL_DIR={missing}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert f"没有找到评测集：{missing}/messages.jsonl" in result.stderr and "EVAL_DIR" in result.stderr
