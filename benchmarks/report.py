"""Tables, the scaling line and the targets of a benchmark run."""

from __future__ import annotations

from statistics import mean
from typing import Any

#: A locations page must run at no less than this fraction of the floor's rate.
PAGE_RATIO_TARGET = 0.5
#: The page's cost at the largest data set over its cost at the smallest, at most.
SCALING_TARGET = 1.5


def summarise(ocpi_runs: list[dict[str, Any]], floor_runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean figures of the repeats of one endpoint, the ratio and the error flag."""
    ocpi_rps = mean(r["rps"] for r in ocpi_runs)
    floor_rps = mean(r["rps"] for r in floor_runs)
    problems = []
    for who, runs in (("OCPI", ocpi_runs), ("floor", floor_runs)):
        non_2xx = sum(r["non_2xx"] for r in runs)
        errors = sum(r["socket_errors"] for r in runs)
        if non_2xx:
            problems.append(f"{who}: {non_2xx} non-2xx/3xx")
        if errors:
            problems.append(f"{who}: {errors} socket errors")
    return {
        "ocpi_rps": round(ocpi_rps, 1),
        "floor_rps": round(floor_rps, 1),
        "ratio": round(ocpi_rps / floor_rps, 3) if floor_rps else 0.0,
        "ocpi_latency_mean_ms": round(mean(r["latency_mean_ms"] for r in ocpi_runs), 2),
        "ocpi_latency_p99_ms": round(mean(r["latency_p99_ms"] for r in ocpi_runs), 2),
        "floor_latency_mean_ms": round(mean(r["latency_mean_ms"] for r in floor_runs), 2),
        "ocpi_cost_ms": round(1000 / ocpi_rps, 3) if ocpi_rps else None,
        "problems": problems,
    }


def table(size: dict[str, Any]) -> str:
    """The table of one data set size."""
    header = ("endpoint", "OCPI req/s", "floor req/s", "ratio", "OCPI mean lat.", "OCPI p99 lat.", "flags")
    rows = [header]
    for row in size["endpoints"]:
        s = row["summary"]
        rows.append(
            (
                row["name"],
                f"{s['ocpi_rps']:.0f}",
                f"{s['floor_rps']:.0f}",
                f"{s['ratio']:.2f}",
                f"{s['ocpi_latency_mean_ms']:.1f} ms",
                f"{s['ocpi_latency_p99_ms']:.1f} ms",
                "FLAGGED: " + "; ".join(s["problems"]) if s["problems"] else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {1, 2, 3, 4, 5}

    def line(cells: tuple[str, ...]) -> str:
        out = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(out) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    title = (
        f"{size['locations']:,} locations (seeded in {size['seed_seconds']:.1f} s, "
        f"database {size['database_bytes'] / 1e6:.1f} MB)"
    )
    return "\n".join([title, "", line(rows[0]), rule, *(line(r) for r in rows[1:])])


#: The rows the targets apply to: the page as shipped (list cache on) and with the cache off.
PAGE_ROWS = (("page", "locations page"), ("page_uncached", "locations page (list cache off)"))


def _row(size: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((row["summary"] for row in size["endpoints"] if row["key"] == key), None)


def verdicts(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    """For each page row: the ratio target at each size and the scaling target (largest vs smallest size)."""
    out: dict[str, Any] = {}
    for key, name in PAGE_ROWS:
        ratios, pages = [], []
        for size in sizes:
            page = _row(size, key)
            if page is None:
                continue
            met = page["ratio"] >= PAGE_RATIO_TARGET and not page["problems"]
            ratios.append({"locations": size["locations"], "ratio": page["ratio"], "met": met})
            if page["ocpi_cost_ms"]:
                pages.append((size["locations"], page))
        if not ratios:
            continue
        scaling = None
        if len(pages) >= 2:
            (small, small_page), (large, large_page) = pages[0], pages[-1]
            factor = large_page["ocpi_cost_ms"] / small_page["ocpi_cost_ms"]
            scaling = {
                "small": small,
                "large": large,
                "small_cost_ms": small_page["ocpi_cost_ms"],
                "large_cost_ms": large_page["ocpi_cost_ms"],
                "factor": round(factor, 3),
                "target": SCALING_TARGET,
                "met": factor <= SCALING_TARGET,
            }
        out[key] = {"name": name, "ratio_target": PAGE_RATIO_TARGET, "ratios": ratios, "scaling": scaling}
    return out


def verdict_lines(result: dict[str, Any]) -> str:
    """Per page row: one line per ratio check, the scaling line and its target."""
    lines = []
    for check in result.values():
        name = check["name"]
        for ratio in check["ratios"]:
            lines.append(
                f"Target {name} >= {check['ratio_target']:.1f} x floor at {ratio['locations']:,} locations: "
                f"{ratio['ratio']:.2f} -> {'MET' if ratio['met'] else 'NOT MET'}"
            )
        scaling = check["scaling"]
        if scaling is None:
            lines.append(f"Scaling of the {name}: needs two data set sizes (--locations 1000,100000)")
            continue
        lines.append(
            f"Scaling of the {name}: {scaling['large_cost_ms']:.2f} ms/request at {scaling['large']:,} locations "
            f"vs {scaling['small_cost_ms']:.2f} ms at {scaling['small']:,}: x{scaling['factor']:.2f} "
            f"(target <= {scaling['target']:.1f}) -> {'MET' if scaling['met'] else 'NOT MET'}"
        )
    if not lines:
        lines.append("No locations page measured: no target checked")
    return "\n".join(lines)
