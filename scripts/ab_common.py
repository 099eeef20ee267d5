"""Shared by the scripts/ab_*.py measurement scripts: bench/compare loaded as a module (its Bench
class starts daemons, journald and load generators exactly as the benchmark does), and a
process's CPU time from /proc."""
import importlib.machinery
import os
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_loader = importlib.machinery.SourceFileLoader("compare", os.path.join(REPO, "bench", "compare"))
compare = types.ModuleType("compare")
compare.__file__ = _loader.path
_loader.exec_module(compare)


def cpu(pid):
    """utime + stime of a process in seconds; 0 when there is no such process (or no pid)."""
    if not pid:
        return 0.0
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
