"""Benchmarks of the platform against the floor of its own machine.

Run with `make bench`. Data sets are generated here (seeded, reproducible) in a
database of their own; all traffic goes to 127.0.0.1 and every loop is bounded
in count and time. Prints every figure with its ratio and PASS/FAIL against
the targets, and writes bench/RESULTS.md.
"""

import os
import platform
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "RESULTS.md"


def _bench_database() -> str:
    # BENCH_DATABASE names the throwaway database, so that two checkouts can measure at once.
    name = os.environ.get("BENCH_DATABASE", "opencities_bench")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{base}/{name}"
    path = BASE_DIR / "var" / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


os.environ["DATABASE_URL"] = _bench_database()
# Served processes run as in production (DEBUG off); they and this process sign
# sessions with the same key, so a session made here is valid there.
os.environ["SECRET_KEY"] = "bench-only-secret-key-" + "0123456789" * 4
# A Meilisearch server, when one is set, gets an index of the benchmark's own.
os.environ["MEILISEARCH_INDEX_PREFIX"] = "opencities-bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"

import django  # noqa: E402

django.setup()

# A thousand viewers need more open files than the default soft limit.
import resource  # noqa: E402

from django.db import connection  # noqa: E402

_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(_soft, min(_hard, 65536)), _hard))

from bench.common import QUICK, lines, make_world, say, verdicts  # noqa: E402
from bench.fanout import bench_fanout  # noqa: E402
from bench.needs import bench_needs  # noqa: E402
from bench.pages import bench_pages  # noqa: E402
from bench.search_index import bench_search  # noqa: E402


def machine() -> str:
    """The machine and the versions the figures were measured with."""
    from importlib.metadata import version

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // (1024 * 1024)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT 1")
        database = (
            cursor.fetchone()[0].split(",")[0]
            if connection.vendor == "postgresql"
            else f"SQLite {connection.Database.sqlite_version}"
        )
    redis_version = "not used"
    if os.environ.get("REDIS_URL"):
        import redis

        redis_version = (
            "Redis " + redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["redis_version"]
        )
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("Django", "channels", "daphne", "channels-redis", "Twisted", "websockets")
    )
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    return (
        f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}), {memory} GiB, "
        f"{platform.system()} {platform.release()}; load average at the start {load}\n"
        f"Python {platform.python_version()}; {packages}\n"
        f"{database}; {redis_version}"
    )


def main():
    started = time.time()
    say("# Benchmark results")
    say(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}{'; quick run' if QUICK else ''}")
    say(f"\n{machine()}")
    world = make_world()
    chosen = set(sys.argv[1:])
    sections = (bench_pages, bench_needs, bench_search, bench_fanout)
    for section in sections:
        if chosen and section.__name__.removeprefix("bench_") not in chosen:
            continue
        try:
            section(world)
        except Exception as error:
            say(f"  section {section.__name__} failed: {error!r}")
            verdicts.append((section.__name__, False))
        if not chosen:  # keep what was measured, even if a later section is cut short
            RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    passed = sum(1 for _name, ok in verdicts if ok)
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    say(
        f"\n{passed} of {len(verdicts)} targets met; {time.time() - started:.0f} s; "
        f"load average at the end {load}"
    )
    if not chosen:
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
