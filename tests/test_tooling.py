"""The tools a newcomer runs: every Makefile target calls a script that exists and parses, and
`make bench` finds every benchmark under bench/."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_script_the_makefile_calls_exists_and_parses() -> None:
    makefile = (ROOT / "Makefile").read_text()
    scripts = re.findall(r"bash (scripts/[\w.-]+\.sh)", makefile)
    assert {"scripts/run.sh", "scripts/test.sh", "scripts/bench.sh"} <= set(scripts)
    for script in scripts:
        path = ROOT / script
        assert path.is_file(), f"the Makefile calls {script}, which does not exist"
        checked = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, f"{script}: {checked.stderr}"


def test_make_bench_runs_every_benchmark() -> None:
    """bench.sh runs each module with a `__main__` block; each of them ends with a JSON line (its `main`
    returns the figures and prints them last), and the helpers without one are not benchmarks."""
    runnable = sorted(
        path.stem
        for path in (ROOT / "bench").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    )
    assert runnable == ["capacity", "console", "field", "intake", "load", "router", "tiles"]
    script = (ROOT / "scripts" / "bench.sh").read_text()
    assert 'grep -q \'^if __name__ == "__main__":\' "$file"' in script
    for name in runnable:
        source = (ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8")
        assert "json.dumps" in source, f"bench/{name}.py prints no JSON line"
