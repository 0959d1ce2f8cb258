"""A command's cost as its processes pay it: CPU seconds and peak memory of the whole tree.

Wall time on a shared machine moves with the load; CPU seconds (user + system of the
command and every descendant it waited for, from wait4) and memory move much less.
Memory is sampled from /proc every 50 ms over the command's process tree (the refresh,
its forkserver, its parsing workers): the peak of the summed resident sets (RSS, what
`ps` shows; pages shared between forked processes count in each) and of the summed
proportional sets (PSS: a shared page split between its sharers, so the tree's real
share of RAM).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_S = 0.05


@dataclass
class Cost:
    wall: float
    user: float
    system: float
    peak_rss_mb: float  # the tree's summed VmRSS at its highest
    peak_pss_mb: float  # the tree's summed Pss at its highest
    peak_processes: int
    returncode: int
    stdout: str = ""
    stderr: str = ""
    # (RSS MB, PSS MB, processes) of each kind of process, at the tree's RSS peak
    peaks_by_name: dict[str, tuple[float, float, int]] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        return self.user + self.system


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(root: int) -> list[int]:
    kids, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (bench_tui and bench_soak use this too)."""
    return _tree(pid)[1:]


def _memory(pid: int) -> tuple[float, float, str] | None:
    """(RSS kB, PSS kB, name) of a process, None when it is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    rss = pss = 0.0
    for line in rollup.splitlines():
        if line.startswith("Rss:"):
            rss = float(line.split()[1])
        elif line.startswith("Pss:"):
            pss = float(line.split()[1])
    return rss, pss, _name(cmdline)


def _name(cmdline: list[bytes]) -> str:
    text = b" ".join(cmdline).decode(errors="replace")
    if "forkserver" in text:
        return "forkserver+workers"  # workers are forks of it: the same command line
    if "resource_tracker" in text:
        return "resource tracker"
    if "multiprocessing" in text or "spawn_main" in text:
        return "worker"
    return os.path.basename(cmdline[0].decode(errors="replace")) if cmdline[0] else "?"


def run(cmd: list[str], **popen) -> Cost:
    """Run `cmd` to its end, sampling its process tree; stdout/stderr are captured."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)
    peak = {"rss": 0.0, "pss": 0.0, "n": 0, "names": {}}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = pss = 0.0
            names: dict[str, tuple[float, float, int]] = {}
            pids = _tree(proc.pid)
            for pid in pids:
                got = _memory(pid)
                if got is not None:
                    rss += got[0]
                    pss += got[1]
                    r, p, n = names.get(got[2], (0.0, 0.0, 0))
                    names[got[2]] = (r + got[0] / 1024, p + got[1] / 1024, n + 1)
            if rss > peak["rss"]:
                peak.update(rss=rss, n=len(pids), names=names)
            peak["pss"] = max(peak["pss"], pss)
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Read the pipes beside the sampler (a full pipe would stall the command), then reap
    # the command with wait4: its rusage counts every descendant it waited for.
    out: dict[str, str] = {}
    readers = [threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()))
               for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    for t in readers:
        t.join()
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Cost(wall, usage.ru_utime, usage.ru_stime, peak["rss"] / 1024, peak["pss"] / 1024,
                peak["n"], proc.returncode, out.get("stdout", ""), out.get("stderr", ""),
                dict(sorted(peak["names"].items())))


# ---------------------------------------------------------------- per thread

THREADS_USAGE = """\
python benchmarks/proc_sample.py threads --db DB refresh ...

Run `reader ARGS` in this process and print, on stderr, one JSON line: the CPU seconds
of each of its threads (from /proc/self/task, sampled every 20 ms, named by
threading's names: "main" is the fetch loop, "reader-writer" the writer), the seconds
each spent runnable but waiting for a core (schedstat), and the writer's wall and CPU
seconds inside store_results: its wall less its CPU is what it waited for, the GIL
(Python's sqlite3 lets it go around every step), a core, or the disk."""


def _threads_main(args: list[str]) -> None:
    import json
    import sys

    tick = os.sysconf("SC_CLK_TCK")
    names: dict[int, str] = {os.getpid(): "main"}
    cpu: dict[int, float] = {}
    waited: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        me = threading.get_native_id()
        while not done.is_set():
            for t in threading.enumerate():
                if t.native_id and t.native_id != me:
                    names.setdefault(t.native_id, t.name.split("_")[0])
            for tid in os.listdir("/proc/self/task"):
                try:
                    stat = Path(f"/proc/self/task/{tid}/stat").read_text()
                    run_q = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()[1]
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                cpu[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
                waited[int(tid)] = int(run_q) / 1e9
            done.wait(0.02)

    threading.Thread(target=sample, name="sampler", daemon=True).start()
    from reader.core import refresh

    inside = {"wall": 0.0, "cpu": 0.0}
    store_results = refresh.Refresher.store_results

    def timed(self, *a, **k):
        wall, used = time.perf_counter(), time.thread_time()
        try:
            return store_results(self, *a, **k)
        finally:
            inside["wall"] += time.perf_counter() - wall
            inside["cpu"] += time.thread_time() - used

    refresh.Refresher.store_results = timed
    started = time.perf_counter()
    from reader.cli import main

    try:
        main(args, standalone_mode=False)
    finally:
        wall = time.perf_counter() - started
        time.sleep(0.05)
        done.set()
        by_name: dict[str, list[float]] = {}
        for tid, used in cpu.items():
            got = by_name.setdefault(names.get(tid, "other"), [0.0, 0.0])
            got[0] += used
            got[1] += waited.get(tid, 0.0)
        mine = os.times()
        print(json.dumps({
            "wall": round(wall, 2), "process_cpu": round(mine.user + mine.system, 2),
            "threads_cpu_runq": {k: [round(v[0], 2), round(v[1], 2)]
                                 for k, v in sorted(by_name.items(), key=lambda x: -x[1][0])
                                 if v[0] + v[1] >= 0.01},
            "writer_store_wall": round(inside["wall"], 2),
            "writer_store_cpu": round(inside["cpu"], 2),
        }), file=sys.stderr)


if __name__ == "__main__":  # (a guard: forkserver workers import this module again)
    import sys

    if sys.argv[1:2] != ["threads"]:
        sys.exit(THREADS_USAGE)
    _threads_main(sys.argv[2:])
