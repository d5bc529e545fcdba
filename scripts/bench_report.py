"""How scripts/bench.py shows its results: a Markdown table, or JSON.

The table is Markdown so that it reads in a terminal and pastes into the
README as it is.
"""
import json


def _num(value, spec):
    return "n/a" if value is None else format(value, spec)


def throughput_table(rows, summary):
    lines = [
        "| test | P | redis rps | ferrocache rps | rps ratio "
        "| redis CPU us/req | ferrocache CPU us/req | CPU ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['test']} | {r['pipeline']} | {_num(r['redis_rps'], ',.0f')} "
            f"| {_num(r['ferrocache_rps'], ',.0f')} | {_num(r['rps_ratio'], '.3f')} "
            f"| {_num(r['redis_cpu_us'], '.2f')} | {_num(r['ferrocache_cpu_us'], '.2f')} "
            f"| {_num(r['cpu_ratio'], '.3f')} |")
    lines.append("")
    lines.append(f"Geometric means: throughput {_num(summary['geomean_rps_ratio'], '.3f')}, "
                 f"server CPU efficiency {_num(summary['geomean_cpu_ratio'], '.3f')} "
                 f"(median of {summary['rounds']} paired rounds per row).")
    lowest = summary.get("lowest_cpu_row")
    if lowest:
        lines.append(f"Lowest CPU ratio: {lowest['cpu_ratio']:.3f} "
                     f"({lowest['test']} P={lowest['pipeline']}).")
    if summary.get("coarse_cpu_runs"):
        lines.append(f"Note: {summary['coarse_cpu_runs']} runs used under 0.2 s of server CPU "
                     "(10 ms clock ticks): raise --requests for steadier CPU figures.")
    lines.append("Ratios above 1.0 favour ferrocache: rps ratio = ferrocache rps / redis rps; "
                 "CPU ratio = redis CPU per request / ferrocache CPU per request.")
    lines.append("The rps and CPU columns are each side's median; a ratio is the median of "
                 "the ratios within each round, so it need not equal the columns' quotient.")
    return "\n".join(lines)


def memory_table(result):
    lines = [
        f"{result['keys']:,} keys of {result['datasize']} bytes (SET key:N), growth per key:",
        "",
        "| measure | redis B/key | ferrocache B/key | ratio |",
        "|---|---|---|---|",
    ]
    for measure in ("used_memory", "rss"):
        r = result[measure]
        lines.append(f"| {measure} | {r['redis']:.1f} | {r['ferrocache']:.1f} "
                     f"| {_num(r['ratio'], '.3f')} |")
    lines.append("")
    lines.append("ratio = redis bytes per key / ferrocache bytes per key (above 1.0: "
                 "ferrocache uses less).")
    return "\n".join(lines)


def as_json(document):
    return json.dumps(document, indent=2, sort_keys=True)
