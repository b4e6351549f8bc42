#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw records of a benchmark run into its results.

    report.py RAWDIR OUTDIR

RAWDIR holds what bench/guest.sh wrote in the VM (raw.jsonl, mem/,
profile-*.txt) and what bench/run.sh added (portalloc-micro.md, host.txt).
Writes OUTDIR/latest.json (every figure with its unit, and the ratios) and
OUTDIR/latest.md, and prints the Markdown.  Exit status 1 when a measurement
is missing or its traffic was not accounted for (sent != received, sessions
that should have been there were not), 0 otherwise.

In a forwarding or setup round one client (bench/udpgen.c) sends the same
flows through every variant, in bursts of 64 packets that take turns, and
times each burst.  A variant's cost per packet in the round is its median
burst / 64: the host may stall or slow the VM during some bursts, but such
spells last many bursts of every variant, and the median burst is one that
ran undisturbed.  Its mean (all the time over all its packets) is reported
as well.  A ratio is taken within each round, then summarised over the
rounds.  The host's CPU time and run-queue wait of the vCPU that did the
work, sampled around each round (bench_clock in bench/lib.sh), tell how
contended the host was.
"""

import datetime
import json
import os
import re
import statistics
import sys

PAGE = 4096
BURST = 64		# packets per burst (udpgen's default)
VARIANTS = ("null", "plain", "nfnat", "natgw")
ROUTERS = ("plain", "nfnat", "natgw")
NAT = ("nfnat", "natgw")
NAMES = {"null": "no router (client and sink only)",
         "plain": "plain forwarding", "nfnat": "nf_nat (nft masquerade)",
         "natgw": "natgw"}
LEVELS = ("50", "90", "99", "99.9", "100")

problems = []


def problem(msg):
    problems.append(msg)


def summary(values, unit, digits=3):
    """median, min, max of @values, with their unit."""
    if not values:
        return None
    r = lambda x: round(x, digits) if digits else round(x)
    return {"median": r(statistics.median(values)), "min": r(min(values)),
            "max": r(max(values)), "n": len(values), "unit": unit}


def fig(value, unit, digits=3):
    return {"value": round(value, digits), "unit": unit}


def load_raw(rawdir):
    recs = []
    with open(os.path.join(rawdir, "raw.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def by(recs, **kw):
    return [r for r in recs if all(r.get(k) == v for k, v in kw.items())]


def check_traffic(r, what, nat_sessions=None):
    """Everything sent arrived, and the session count is as expected."""
    ok = True
    if r["errors"] or r["received"] != r["sent"]:
        problem("%s: sent %d, refused %d, received %d"
                % (what, r["sent"], r["errors"], r["received"]))
        ok = False
    if nat_sessions is not None and r["variant"] in NAT:
        before = r.get("sessions_before", nat_sessions)
        after = r.get("sessions_after")
        if before != nat_sessions or after != nat_sessions:
            problem("%s: %s sessions before, %s after, expected %d"
                    % (what, before, after, nat_sessions))
            ok = False
    return ok


def per_round(recs, field):
    """{round: {variant: value}} of the measured rounds (round >= 1)."""
    rounds = {}
    for r in recs:
        if r["round"] >= 1:
            rounds.setdefault(r["round"], {})[r["variant"]] = field(r)
    return rounds


def parse_clock(sample):
    """{tid: (run_ns, wait_ns)} of a bench_clock sample."""
    out = {}
    for part in sample.split(","):
        tid, run, wait = part.split(":")
        out[tid] = (int(run), int(wait))
    return out


def vcpu_time(r):
    """(run_ns, wait_ns) of the busiest qemu thread over the measurement,
    or None without both host samples."""
    if not r.get("clock0") or not r.get("clock1"):
        return None
    a, b = parse_clock(r["clock0"]), parse_clock(r["clock1"])
    deltas = [(b[t][0] - a[t][0], b[t][1] - a[t][1]) for t in b if t in a]
    return max(deltas) if deltas else None


def burst_cost(r):
    """ns per packet of the median burst."""
    return r["median"] / BURST


def mean_cost(r):
    return r["ns"] / r["sent"]


def wall_cost(r):
    """ns per packet over a single-variant run, on the client's clock."""
    return r["elapsed_us"] * 1e3 / r["sent"]


def contention(recs):
    """How long vCPU 0 waited for a host CPU, as a share of its run time."""
    shares = []
    for r in recs:
        if r["test"] in ("fwd", "setup"):
            t = vcpu_time(r)
            if t and t[0]:
                shares.append(100.0 * t[1] / (t[0] + t[1]))
    return summary(shares, "% of vCPU 0's time spent waiting for a host CPU", 1)


def ratios(rounds, pairs):
    """Rate ratios a/b, each from one round's costs: cost(b) / cost(a)."""
    out = {}
    for a, b in pairs:
        vals = [v[b] / v[a] for v in rounds.values()
                if a in v and b in v and v[a] > 0 and v[b] > 0]
        out["%s/%s" % (a, b)] = summary(vals, "ratio")
    return out


def router_only(costs):
    """Per round, each variant's cost less the null baseline's."""
    out = {}
    for rnd, v in costs.items():
        if "null" in v:
            out[rnd] = {x: v[x] - v["null"] for x in ROUTERS if x in v}
    return out


def best_ratios(costs, pairs):
    """Rate ratios of the router's own work from each variant's best (least)
    cost over the rounds: contention only ever adds time, so the least
    cost is the one nearest to an idle host's."""
    best = {}
    for v in VARIANTS:
        cs = [x[v] for x in costs.values() if v in x]
        if cs:
            best[v] = min(cs)
    out = {}
    for a, b in pairs:
        if a in best and b in best and "null" in best:
            ra, rb = best[a] - best["null"], best[b] - best["null"]
            if ra > 0 and rb > 0:
                out["%s/%s" % (a, b)] = fig(rb / ra, "ratio")
    return out


def cost_summaries(rounds, what):
    """rate and cost summaries per variant of {round: {variant: ns}}."""
    out = {}
    for v in VARIANTS:
        cs = [x[v] for x in rounds.values() if v in x]
        if cs:
            out[v] = {"rate": summary([1e9 / c for c in cs if c > 0],
                                      "%s/s" % what, 0),
                      "cost": summary(cs, "ns/%s" % what[:-1], 0)}
    return out


PAIRS = (("natgw", "plain"), ("nfnat", "plain"), ("natgw", "nfnat"))


def forwarding(recs):
    res = {}
    labels = []
    for r in by(recs, test="fwd"):
        if r["flows"] not in labels:
            labels.append(r["flows"])
    for label in labels:
        meas = [r for r in by(recs, test="fwd", flows=label) if r["round"] >= 0]
        nflows = meas[0]["nflows"]
        ok = all([check_traffic(r, "forwarding %s flows, %s, round %d"
                                % (label, r["variant"], r["round"]), nflows)
                  for r in meas])
        costs = per_round(meas, burst_cost)
        walls = per_round(meas, mean_cost)
        router = router_only(costs)
        res[label] = {
            "flows": nflows, "verified": ok,
            # the router's own work: whole path less the null baseline
            "router": {"variants": cost_summaries(router, "packets"),
                       "ratios": ratios(router, PAIRS),
                       "ratios_of_best": best_ratios(costs, PAIRS)},
            # client + router + sink, as measured
            "whole_path": {"variants": cost_summaries(costs, "packets"),
                           "ratios": ratios(costs, PAIRS)},
            "whole_path_mean": {"variants": cost_summaries(walls, "packets"),
                                "ratios": ratios(walls, PAIRS)},
        }
    return res


def setup(recs):
    meas = [r for r in by(recs, test="setup") if r["round"] >= 0]
    ok = True
    for r in meas:
        what = "setup, %s, round %d" % (r["variant"], r["round"])
        ok &= check_traffic(r, what)
        if r["variant"] in NAT and r["sessions_after"] != r["sent"]:
            problem("%s: %d new flows made %d sessions"
                    % (what, r["sent"], r["sessions_after"]))
            ok = False
    costs = per_round(meas, burst_cost)
    walls = per_round(meas, mean_cost)
    router = router_only(costs)
    return {
        "verified": ok, "packets": meas[0]["sent"] if meas else 0,
        "note": "every packet a new flow: a session each for nfnat and "
                "natgw; plain forwards them without any",
        "router": {"variants": cost_summaries(router, "sessions"),
                   "ratios": ratios(router, PAIRS),
                   "ratios_of_best": best_ratios(costs, PAIRS)},
        "whole_path": {"variants": cost_summaries(costs, "sessions"),
                       "ratios": ratios(costs, PAIRS)},
        "whole_path_mean": {"variants": cost_summaries(walls, "sessions"),
                            "ratios": ratios(walls, PAIRS)},
    }


def read_slabinfo(path):
    caches = {}
    with open(path) as f:
        for line in f:
            if line.startswith(("slabinfo", "#")):
                continue
            p = line.split()
            # name active num objsize objperslab pagesperslab : tunables
            # l b s : slabdata active_slabs num_slabs sharedavail
            caches[p[0]] = {"objs": int(p[1]), "objsize": int(p[3]),
                            "bytes": int(p[14]) * int(p[5]) * PAGE}
    return caches


def read_meminfo(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v.split()[0]) * 1024
    return out


def memory(recs, rawdir, meta):
    res = {}
    tables = {"natgw": meta.get("hash_buckets", 0) * 8,
              "nfnat": meta.get("ct_buckets", 0) * 8}
    main_cache = {"natgw": "natgw_session", "nfnat": "nf_conntrack"}
    for r in by(recs, test="mem"):
        v, total = r["variant"], r["sessions"]
        n = total - r.get("sessions_before", 0)	# made between the snapshots
        d = os.path.join(rawdir, "mem")
        try:
            s0 = read_slabinfo(os.path.join(d, r["before"] + ".slabinfo"))
            s1 = read_slabinfo(os.path.join(d, r["after"] + ".slabinfo"))
            m0 = read_meminfo(os.path.join(d, r["before"] + ".meminfo"))
            m1 = read_meminfo(os.path.join(d, r["after"] + ".meminfo"))
        except OSError as e:
            problem("memory of %s: %s" % (v, e))
            continue
        if not n:
            problem("memory of %s: no sessions" % v)
            continue
        grown = {}
        for name, c in s1.items():
            delta = c["bytes"] - s0.get(name, {"bytes": 0})["bytes"]
            dobjs = c["objs"] - s0.get(name, {"objs": 0})["objs"]
            # caches that grew by at least one object per 64 sessions
            if dobjs * 64 >= n and delta > 0:
                grown[name] = {"bytes_per_session": fig(delta / n, "bytes"),
                               "objects_per_session": fig(dobjs / n, "objects"),
                               "object_size": fig(c["objsize"], "bytes", 0)}
        slab = sum(g["bytes_per_session"]["value"] for g in grown.values())
        used = (m0["MemFree"] - m1["MemFree"]) / n
        label = "%s@%d" % (v, total)
        res[label] = {
            "variant": v, "sessions": total, "sessions_measured": n,
            "cache": main_cache[v],
            "slab_caches": grown,
            "slab_per_session": fig(slab, "bytes"),
            "table": fig(tables[v], "bytes"),
            "table_per_session": fig(tables[v] / total, "bytes"),
            "total_per_session": fig(slab + tables[v] / total, "bytes"),
            "memfree_drop_per_session": fig(used, "bytes"),
        }
        if main_cache[v] not in grown:
            problem("memory of %s: slab cache %s did not grow (merged?)"
                    % (v, main_cache[v]))
    return res


def portalloc(recs):
    res = {}
    n_ports = None
    for v in ("nfnat", "natgw"):
        res[v] = {}
        fills = by(recs, test="portfill", variant=v)
        probes = by(recs, test="portprobe", variant=v)
        for level in LEVELS:
            lf = [r for r in fills if str(r["level"]) == level]
            lp = [r for r in probes if str(r["level"]) == level]
            if not lp:
                problem("port allocation: no probes for %s at %s%%" % (v, level))
                continue
            n_ports = lp[0]["ports"]
            sent = sum(r["sent"] for r in lp)
            failed = sum(r["sent"] - r["received"] for r in lp)
            refused = sum(r["errors"] for r in lp)
            if refused:
                problem("port allocation, %s at %s%%: the kernel refused %d"
                        % (v, level, refused))
            occ = [100.0 * r["occupied"] / r["ports"] for r in lp]
            free = [r["ports"] - r["occupied"] for r in lp]
            res[v][level] = {
                "occupancy": summary(occ, "% of the ports", 3),
                "free_ports": summary(free, "ports", 0),
                "probes": sent,
                "failures": failed,
                "failure_rate": fig(100.0 * failed / sent, "%"),
                # failures although the batch had free ports left to take
                # A batch that left a port free failed only while ports
                # were free; one that took the last is not counted.
                "failures_with_free_port": sum(
                    r["sent"] - r["received"] for r in lp
                    if r["ports"] - r["occupied"] - r["received"] > 0),
                # a probe batch is a single burst, on the client's clock
                "cost": summary([wall_cost(r) for r in lp],
                                "ns/new flow (wall clock)", 0),
                "fill_attempts": sum(r["attempts"] for r in lf),
                "fill_reached": summary([100.0 * r["sessions"] / n_ports
                                         for r in lf], "% of the ports", 3),
            }
        lv = res[v]
        if "50" in lv and "99.9" in lv:
            lv["cost_99.9_over_50"] = fig(lv["99.9"]["cost"]["median"]
                                          / lv["50"]["cost"]["median"], "ratio")
    res["ports"] = n_ports
    return res


def portalloc_micro(rawdir):
    """Rows of make -C tests bench's table (bench_portalloc.sh)."""
    rows = []
    try:
        with open(os.path.join(rawdir, "portalloc-micro.md")) as f:
            lines = f.read().splitlines()
    except OSError:
        problem("no port allocator microbenchmark output")
        return rows
    header = None
    for line in lines:
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue
        row = dict(zip(header, cells))
        rows.append(row)
    if not rows:
        problem("port allocator microbenchmark printed no table")
    return rows


def dumps(recs):
    res = {}
    for r in by(recs, test="dump"):
        key = "%s %s@%d" % (r["op"], r["variant"], r["sessions"])
        e = res.setdefault(key, {"op": r["op"], "variant": r["variant"],
                                 "sessions": r["sessions"], "ms": []})
        e["ms"].append(r["ms"])
        if r.get("rc", 0):
            problem("%s failed (exit %d)" % (key, r["rc"]))
        if r.get("intr", 0):
            problem("%s: dump interrupted by a concurrent change" % key)
    for e in res.values():
        ms = e.pop("ms")
        e["time"] = summary(ms, "ms", 1)
        e["per_session"] = fig(statistics.median(ms) * 1e3 / max(e["sessions"], 1),
                               "us/session")
    return res


def config(recs):
    res = {}
    for r in by(recs, test="config"):
        if r["rep"] < 1:	# the first one warms the caches up
            continue
        res.setdefault("%s %s" % (r["tool"], r["op"]), []).append(r["ms"])
    return {k: summary(v, "ms (VM wall time)", 1) for k, v in res.items()}


def goals(res):
    g = []

    def add(goal, target, value, unit, met):
        g.append({"goal": goal, "target": target,
                  "measured": None if value is None else round(value, 3),
                  "unit": unit, "met": bool(met) if value is not None else None})

    def med(x):
        return x["median"] if x else None

    def best(block, key):
        x = block["router"]["ratios_of_best"].get(key)
        return x["value"] if x else None

    # The router's own work, from the best round of each variant (see
    # best_ratios); the median of the per-round ratios is in the tables.
    fwd = res["forwarding"].get("64Ki")
    if fwd:
        x = best(fwd, "natgw/plain")
        add("established forwarding at 64Ki flows, natgw/plain",
            ">= 0.85", x, "ratio", x is not None and x >= 0.85)
        x = best(fwd, "natgw/nfnat")
        add("established forwarding at 64Ki flows, natgw/nf_nat",
            "about 1.7", x, "ratio", x is not None and x >= 1.7)
    st = res.get("setup")
    if st:
        x = best(st, "natgw/nfnat")
        add("session setup, natgw/nf_nat", ">= 2", x, "ratio",
            x is not None and x >= 2)
    mem = [m for m in res["memory"].values() if m["variant"] == "natgw"]
    if mem:
        m = mem[0]
        add("memory per session at %d sessions (slab)" % m["sessions"],
            "<= 128 bytes", m["slab_per_session"]["value"], "bytes",
            m["slab_per_session"]["value"] <= 128)
        add("the same, with the hash table's share", "<= 128 bytes",
            m["total_per_session"]["value"], "bytes",
            m["total_per_session"]["value"] <= 128)
    pa = res["portalloc"].get("vm", {}).get("natgw", {})
    if pa:
        fails = sum(pa[l]["failures_with_free_port"] for l in LEVELS if l in pa)
        add("port allocation: failures while a port is free", "0", fails,
            "failures", fails == 0)
        c = pa.get("cost_99.9_over_50")
        add("port allocation: cost at 99.9% / cost at 50%", "<= 2",
            c and c["value"], "ratio", c is not None and c["value"] <= 2)
    cfg = res["config"].get("natctl apply")
    add("apply 20 EIPs, 40 SNAT, 100 DNAT (natctl -f)", "< 100 ms", med(cfg),
        "ms (VM time)", cfg is not None and cfg["median"] < 100)
    d = [e for e in res["dumps"].values()
         if e["op"] == "natctl-show" and e["sessions"] >= 1000000]
    if d:
        add("dump %d sessions (natctl session show)" % d[0]["sessions"],
            "< 5 s", d[0]["time"]["median"] / 1e3, "s (VM time)",
            d[0]["time"]["median"] < 5000)
    return g


def profiles(rawdir):
    """The top self-time symbols of each profile."""
    out = {}
    for f in sorted(os.listdir(rawdir)):
        if not f.startswith("profile-"):
            continue
        top, on = [], False
        with open(os.path.join(rawdir, f)) as fh:
            for line in fh:
                if line.startswith("## self"):
                    on = True
                elif line.startswith("##"):
                    on = False
                elif on and len(top) < 12:
                    m = re.match(r"\s*([0-9.]+)%\s+\[.\]\s+(\S+)", line)
                    if m:
                        top.append([m.group(2), float(m.group(1))])
        out[f[len("profile-"):-len(".txt")]] = {"file": f, "top_self": top,
                                                "unit": "% of the task's samples"}
    return out


# ---------------------------------------------------------------------------
# Markdown

def fmt_stat(s, scale=1.0, digits=0):
    if not s:
        return "n/a"
    f = "%%.%df" % digits
    return "%s (%s-%s)" % (f % (s["median"] * scale), f % (s["min"] * scale),
                           f % (s["max"] * scale))


def fmt_ratio(s):
    if not s:
        return "n/a"
    return "**%.2f** (%.2f-%.2f)" % (s["median"], s["min"], s["max"])


def fmt_cost(v):
    """ns/unit with the rate it means, for one variant's summaries."""
    if not v:
        return "n/a"
    return "%s ns, %.0f/s" % (fmt_stat(v["cost"]), v["rate"]["median"])


def cost_table(w, rows, first, variants):
    """rows: [(label, block)], block has variants and ratios (and maybe
    ratios_of_best, shown in brackets)."""
    w("| %s | %s | nf_nat/plain | natgw/plain | natgw/nf_nat |"
      % (first, " | ".join(NAMES[v] for v in variants)))
    w("|---|" + "---:|" * (len(variants) + 3))
    for label, b in rows:
        best = b.get("ratios_of_best", {})
        w("| %s | %s | %s |" % (
            label, " | ".join(fmt_cost(b["variants"].get(v)) for v in variants),
            " | ".join(fmt_ratio(b["ratios"][k]) +
                       (" [%.2f]" % best[k]["value"] if k in best else "")
                       for k in ("nfnat/plain", "natgw/plain", "natgw/nfnat"))))


def markdown(res):
    out = []
    w = out.append
    env = res["environment"]
    hc = env.get("host_contention") or {}
    w("# natgw benchmark, %s" % res["generated"])
    w("")
    w("VM: Linux %s, %s CPUs, %d MiB, qemu TCG. %s rounds; in each, one "
      "client sends the same flows through every variant in alternating "
      "bursts of %d packets, and a variant's cost is its median burst. "
      "Figures are median (min-max) over the rounds; each ratio is taken "
      "within a round. Host: %s; the vCPU doing the work waited for a host "
      "CPU %s%% of the time (median over the rounds)." % (
          env.get("kernel"), env.get("cpus"), env.get("mem_kb", 0) // 1024,
          env.get("rounds"), BURST, env.get("host", ""),
          hc.get("median", "n/a")))
    w("")
    w("## Goals")
    w("")
    w("Forwarding and setup ratios are of the router's own work, from each "
      "variant's best round (see below).")
    w("")
    w("| goal | target | measured | met |")
    w("|---|---|---:|---|")
    for g in res["goals"]:
        w("| %s | %s | %s %s | %s |" % (
            g["goal"], g["target"],
            "n/a" if g["measured"] is None else g["measured"], g["unit"],
            {True: "yes", False: "**no**", None: "n/a"}[g["met"]]))
    fwd = res["forwarding"]
    w("")
    w("## Forwarding of established UDP flows")
    w("")
    w("The router's own work: each variant's cost per packet less that of "
      "the null baseline (the client and the sink alone) in the same round; "
      "in brackets, the ratio of the best (least) costs over the rounds.")
    w("")
    cost_table(w, [("%s (%d)%s" % (k, e["flows"], "" if e["verified"] else
                                   " UNVERIFIED"), e["router"])
                   for k, e in fwd.items()], "flows", ROUTERS)
    w("")
    w("Whole path (client + router + sink), as measured:")
    w("")
    cost_table(w, [(k, e["whole_path"]) for k, e in fwd.items()], "flows",
               VARIANTS)
    w("")
    w("Whole path, mean over all bursts (stalls included), as a cross-check:")
    w("")
    cost_table(w, [(k, e["whole_path_mean"]) for k, e in fwd.items()],
               "flows", VARIANTS)
    s = res.get("setup")
    if s:
        w("")
        w("## Session setup (every packet a new flow, %d per measurement)%s"
          % (s["packets"], "" if s["verified"] else " UNVERIFIED"))
        w("")
        w("nf_nat and natgw make a session per packet; plain forwards the "
          "same packets without any.")
        w("")
        cost_table(w, [("router's own work", s["router"]),
                       ("whole path", s["whole_path"]),
                       ("whole path, mean", s["whole_path_mean"])],
                   "", VARIANTS)
    w("")
    w("## Memory per session")
    w("")
    w("| variant | sessions | slab caches that grew (bytes/session) | slab | hash table share | total | MemFree drop |")
    w("|---|---:|---|---:|---:|---:|---:|")
    for m in res["memory"].values():
        caches = ", ".join("%s %.1f" % (k, c["bytes_per_session"]["value"])
                           for k, c in sorted(m["slab_caches"].items()))
        w("| %s | %d | %s | %.1f | %.1f | **%.1f** | %.1f |" % (
            NAMES[m["variant"]], m["sessions"], caches,
            m["slab_per_session"]["value"], m["table_per_session"]["value"],
            m["total_per_session"]["value"],
            m["memfree_drop_per_session"]["value"]))
    pa = res["portalloc"]
    w("")
    w("## Port allocation toward one destination (%s ports)"
      % pa["vm"].get("ports"))
    w("")
    w("New flows (probes) at each occupancy; cost per new flow on the "
      "client's clock (whole path), failures counted at the sink.")
    w("")
    w("| occupancy | nf_nat failures | nf_nat cost (ns) | natgw failures | natgw cost (ns) | nf_nat fill reached |")
    w("|---|---:|---:|---:|---:|---:|")
    for level in LEVELS:
        a = pa["vm"].get("nfnat", {}).get(level)
        b = pa["vm"].get("natgw", {}).get(level)
        if not a or not b:
            continue
        w("| %s%% | %d/%d (%.1f%%) | %s | %d/%d (%.1f%%) | %s | %.3f%% |" % (
            level, a["failures"], a["probes"], a["failure_rate"]["value"],
            fmt_stat(a["cost"]), b["failures"], b["probes"],
            b["failure_rate"]["value"], fmt_stat(b["cost"]),
            a["fill_reached"]["min"] if a["fill_reached"] else 0))
    for v in NAT:
        c = pa["vm"].get(v, {}).get("cost_99.9_over_50")
        if c:
            w("")
            w("%s: cost at 99.9%% / cost at 50%% = **%.2f**" % (NAMES[v], c["value"]))
    if pa["micro"]:
        w("")
        w("Userspace microbenchmark (`make -C tests bench`; instructions from callgrind):")
        w("")
        keys = list(pa["micro"][0].keys())
        w("| " + " | ".join(keys) + " |")
        w("|" + "---|" * len(keys))
        for row in pa["micro"]:
            w("| " + " | ".join(row.get(k, "") for k in keys) + " |")
    w("")
    w("## Control plane (VM time)")
    w("")
    w("| operation | time |")
    w("|---|---:|")
    for k, s in res["config"].items():
        w("| %s | %s ms |" % (k, fmt_stat(s, 1, 1)))
    for k, e in res["dumps"].items():
        w("| %s, %d sessions (%s) | %s ms (%.2f us/session) |" % (
            e["op"], e["sessions"], NAMES[e["variant"]],
            fmt_stat(e["time"], 1, 1), e["per_session"]["value"]))
    if res["profiles"]:
        w("")
        w("## Profiles (perf in the VM, top self time)")
        w("")
        for name, p in res["profiles"].items():
            w("- %s: %s" % (name, ", ".join("%s %.1f%%" % (sym, pct)
                                           for sym, pct in p["top_self"][:8])))
    w("")
    if problems:
        w("## Problems")
        w("")
        for p in problems:
            w("- %s" % p)
    else:
        w("All traffic accounted for: every packet sent arrived at the sink "
          "(or, for port allocation, was counted as a failure), and every "
          "established-flow measurement found its sessions in place.")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RAWDIR OUTDIR")
    rawdir, outdir = sys.argv[1:]
    try:
        recs = load_raw(rawdir)
    except (OSError, ValueError) as e:
        problem("no raw records: %s" % e)
        recs = []
    meta = (by(recs, test="meta") or [{}])[0]
    env = dict(meta)
    env.pop("test", None)
    try:
        with open(os.path.join(rawdir, "host.txt")) as f:
            env["host"] = "; ".join(l.strip() for l in f)
    except OSError:
        pass
    if not by(recs, test="end"):
        problem("the VM run did not finish (no end record)")
    env["host_contention"] = contention(recs)
    res = {
        "schema": "natgw-bench/1",
        "generated": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "environment": env,
    }
    res["forwarding"] = forwarding(recs)
    res["setup"] = setup(recs) if by(recs, test="setup") else {}
    res["memory"] = memory(recs, rawdir, meta)
    res["portalloc"] = {"vm": portalloc(recs), "micro": portalloc_micro(rawdir)}
    res["dumps"] = dumps(recs)
    res["config"] = config(recs)
    res["goals"] = goals(res)
    res["profiles"] = profiles(rawdir)
    res["problems"] = problems
    md = markdown(res)
    with open(os.path.join(outdir, "latest.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(os.path.join(outdir, "latest.md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
