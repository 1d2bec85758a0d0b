"""Prints the writer's group-commit figures from a Khaacho /metrics page read on stdin."""
import sys

m = {}
for line in sys.stdin:
    if line.startswith("khaacho_store_"):
        name, value = line.split()[:2]
        m[name] = float(value)
jobs, commits = m["khaacho_store_jobs"], m["khaacho_store_commits"]
exec_us = m["khaacho_store_exec_seconds"] / jobs * 1e6
commit_ms = m["khaacho_store_commit_seconds"] / commits * 1e3
print(f"writer: {int(jobs)} jobs in {int(commits)} commits ({jobs / commits:.1f} a commit, "
      f"largest {int(m['khaacho_store_largest_batch'])}); {exec_us:.0f} us running each job, "
      f"{commit_ms:.2f} ms each commit")
