#!/usr/bin/env python3
"""The national roll-up as an analyst would run it: read every box's Parquet exports under DIR
with DuckDB and print GMV, margin and delivered orders by region (and the same from the daily
facts) as one JSON object. Usage: gmv_by_region.py DIR FROM TO (Nepal days, both included)."""
import json
import sys

import duckdb

root, first, last = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
orders = con.execute(
    f"""
    SELECT region, sum(total_paisa), sum(commission_paisa), count(*)
    FROM read_parquet('{root}/*/orders-*.parquet')
    WHERE delivered_on BETWEEN DATE '{first}' AND DATE '{last}'
    GROUP BY region ORDER BY region
    """
).fetchall()
facts = con.execute(
    f"""
    SELECT region, sum(gmv_paisa), sum(commission_paisa)
    FROM read_parquet('{root}/*/daily_facts-*.parquet')
    WHERE dimension = 'all' AND date BETWEEN DATE '{first}' AND DATE '{last}'
    GROUP BY region ORDER BY region
    """
).fetchall()
types = dict(
    (name, kind)
    for name, kind, *_ in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{root}/*/orders-*.parquet')"
    ).fetchall()
)
print(
    json.dumps(
        {
            "orders": {r: {"gmv_paisa": int(g), "commission_paisa": int(c), "delivered": int(n)} for r, g, c, n in orders},
            "facts": {r: {"gmv_paisa": int(g), "commission_paisa": int(c)} for r, g, c in facts},
            "types": types,
        }
    )
)
