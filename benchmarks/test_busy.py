"""The busy core the report's contention pass runs under really spins, and stops."""

import os
import time

import pytest

from . import busy


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_busy_core_spins_on_one_cpu_while_open_and_is_gone_after():
    with busy.busy_core() as spinner:
        pid = spinner["pid"]
        start = _cpu_seconds(pid)
        time.sleep(0.5)
        assert _cpu_seconds(pid) - start > 0.2  # it burns CPU, not sleeps
        if spinner["cpu"] is not None:
            assert os.sched_getaffinity(pid) == {spinner["cpu"]}
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_command_needs_something_to_time(capsys):
    with pytest.raises(SystemExit) as exc:
        busy.main(["--pairs", "1"])
    assert exc.value.code == 2
    assert "give the command to time" in capsys.readouterr().err
