"""Prints bytes per order by table from `khaacho sizes` JSON read on stdin."""
import json
import sys

s = json.load(sys.stdin)
orders = max(s["orders"], 1)
print(f"database file: {s['file_bytes'] / 1e6:.1f} MB, {s['orders']:,} orders, "
      f"{s['file_bytes'] / orders:,.0f} bytes per order; on disk {s.get('disk_bytes', 0) / 1e6:.1f} MB, "
      f"{s.get('disk_bytes', 0) / orders:,.0f} bytes per order (the rest is room grown but never written); "
      f"by table:")
for t in s["tables"][:12]:
    print(f"  {t['name']:<28} {t['rows']:>9,} rows {t['bytes'] / orders:>8,.0f} B/order")
print(f"  {'(free pages, redb records)':<28} {'':>14} {s['other_bytes'] / orders:>8,.0f} B/order")
