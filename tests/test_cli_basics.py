import subprocess
import sys


def run_qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True)


def test_help_lists_commands_and_exits_zero():
    result = run_qa("--help")
    assert result.returncode == 0
    assert "usage: qa" in result.stdout


def test_no_command_prints_help_and_fails():
    result = run_qa()
    assert result.returncode == 2
    assert "usage: qa" in result.stdout
