"""``n3crypto incentives``: the incentive model from the command line, and its demo chapter.

Each subcommand reads one JSON file (``--input FILE.json``); numbers may be
JSON integers, decimals (read exactly, never as binary floats) or strings
such as ``"3/4"``. Output is a rich table, or JSON with ``--json`` (exact
numbers as strings ``"p/q"``; irrational incomes also as a float).

Input shapes::

  pvcg:          {"capacities": [...], "cost_types": [...], "alpha": 10,
                  "adjustment": "none" | "redistribute", "resolution": 1}
  cremer-mclean: {"type_values": [[...], ...], "prior": [[...], ...],
                  "method": "lp" | "loss", "extraction": "profile" | "interim",
                  "check_conditions": true}
  stake:         {"locks": [{"owner": "a", "amount": 1000, "days": 365,
                  "elapsed": 10}], "gas_fees": 5000, "operating_costs": 1000,
                  "developers": ["d1"], "circulating_supply": 1000000}
  contribution:  {"weights": [w1, w2, w3], "nodes": [{"id": "r1",
                  "online_hours": 24, "data_volume": 100, "delay": 2,
                  "reputation": 0}], "pool": 1000}

>>> from click.testing import CliRunner
>>> import json, pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "p.json").write_text(json.dumps({"capacities": [10, 10], "cost_types": [1, 3],
...                                           "alpha": 10}))
>>> out = CliRunner().invoke(incentives, ["pvcg", "--input", str(d / "p.json"), "--json"])
>>> json.loads(out.output)["payments"]
['23', '0']
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from n3crypto import errors
from n3crypto._cli import fail as _fail
from n3crypto.incentives import (
    BlameReport,
    DeliveryReport,
    PointsLedger,
    PoolPointMapping,
    Reputation,
    Surd,
    Weights,
    bandwidth_contribution,
    cremer_mclean_payments,
    lock,
    pledge_required,
    pvcg_auction,
    settle_week,
)
from n3crypto.incentives.contribution import LinearPointMapping, PointMapping, read_reputation
from n3crypto.incentives.money import to_units
from n3crypto.incentives.staking import NodeTier

__all__ = ["demo_chapter", "incentives"]


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(), parse_float=Decimal)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}", 2)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{path} is not valid JSON: {exc}", 2)
    if not isinstance(data, dict):
        _fail(f"{path} must hold a JSON object", 2)
    return data


def _num(x: object) -> str:
    """Exact rendering of a number for tables and JSON."""
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        d, twos, fives = x.denominator, 0, 0
        while d % 2 == 0:
            d, twos = d // 2, twos + 1
        while d % 5 == 0:
            d, fives = d // 5, fives + 1
        if d == 1 and max(twos, fives) <= 12:  # a finite decimal: print it exactly
            places = max(twos, fives)
            scaled = abs(x.numerator) * 10**places // x.denominator
            sign = "-" if x < 0 else ""
            return f"{sign}{scaled // 10**places}.{scaled % 10**places:0{places}d}"
        return f"{x.numerator}/{x.denominator}"
    if isinstance(x, Surd):
        return _num(x.r) if x.is_rational else f"{float(x):.6f}"
    if isinstance(x, float) and math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return str(x)


def _jsonable(x: object) -> object:
    if isinstance(x, Surd):
        return _num(x.r) if x.is_rational else {"exact": repr(x), "approx": float(x)}
    if isinstance(x, Fraction | int | float) and not isinstance(x, bool):
        return _num(x) if not isinstance(x, int) else x
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    return x


def _emit(as_json: bool, payload: dict[str, object], tables: list[Table], notes: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False))
        return
    console = Console()
    for t in tables:
        console.print(t)
    for n in notes:
        console.print(n, highlight=False)


def _run(fn: Any) -> Any:
    try:
        return fn()
    except (errors.N3ValueError, errors.N3TypeError, KeyError) as exc:
        msg = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        _fail(msg, 2)
    except errors.N3CryptoError as exc:
        _fail(str(exc), 1)


_input = click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON input file (see `n3crypto incentives --help`).",
)
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def incentives() -> None:
    """The incentive model: contribution scores, PVCG, Crémer–McLean, staking.

    Each subcommand reads one JSON object (numbers: JSON integers, decimals
    read exactly, or strings such as "3/4"):

    \b
      pvcg           {"capacities": [...], "cost_types": [...], "alpha": 10,
                      "adjustment": "none"|"redistribute", "resolution": 1}
      cremer-mclean  {"type_values": [[...], ...], "prior": [[...], ...],
                      "method": "lp"|"loss", "extraction": "profile"|"interim",
                      "check_conditions": true}
      stake          {"locks": [{"owner": "a", "amount": 1000, "days": 365,
                      "elapsed": 10}], "gas_fees": 5000, "operating_costs": 1000,
                      "developers": ["d1"], "circulating_supply": 1000000}
      contribution   {"weights": [w1, w2, w3], "nodes": [{"id": "r1",
                      "online_hours": 24, "data_volume": 100, "delay": 2,
                      "reputation": 0}], "pool": 1000}
    """


def _pvcg_table(res: Any, title: str) -> Table:
    t = Table(title=title)
    for col in ("producer", "η (accepted)", "cost", "VCG τ̃", "adjust h", "payment τ", "utility"):
        t.add_column(col, justify="right")
    for i in range(len(res.acceptance)):
        t.add_row(
            str(i),
            _num(res.acceptance[i]),
            _num(res.costs[i]),
            _num(res.vcg_payments[i]),
            _num(res.adjustments[i]),
            _num(res.payments[i]),
            _num(res.utilities[i]),
        )
    return t


@incentives.command("pvcg")
@_input
@_json
def pvcg_cmd(input_path: Path, as_json: bool) -> None:
    """PVCG procurement auction: who supplies data, and what each is paid."""
    data = _load(input_path)
    res = _run(
        lambda: pvcg_auction(
            data["capacities"],
            data["cost_types"],
            alpha=data.get("alpha", 1),
            adjustment=data.get("adjustment", "none"),
            resolution=to_units(data.get("resolution", 1), "resolution"),
        )
    )
    payload = {
        "acceptance": res.acceptance,
        "accepted": res.accepted,
        "costs": res.costs,
        "vcg_payments": res.vcg_payments,
        "adjustments": res.adjustments,
        "payments": res.payments,
        "utilities": res.utilities,
        "income": res.income,
        "surplus": res.surplus,
        "budget_surplus": res.budget_surplus,
        "individually_rational": res.individually_rational,
        "weakly_budget_balanced": res.weakly_budget_balanced,
        "failed": list(res.failed),
    }
    notes = [
        f"income {_num(res.income)} = {res.income!r}; surplus {_num(res.surplus)}; "
        f"left after payments {_num(res.budget_surplus)}",
        f"IR: {res.individually_rational}  weak budget balance: {res.weakly_budget_balanced}",
    ]
    _emit(as_json, payload, [_pvcg_table(res, "PVCG auction")], notes)


@incentives.command("cremer-mclean")
@_input
@_json
def cremer_mclean_cmd(input_path: Path, as_json: bool) -> None:
    """Crémer–McLean payments for model users (p ≤ 0: the user pays)."""
    data = _load(input_path)
    res = _run(
        lambda: cremer_mclean_payments(
            data["type_values"],
            data["prior"],
            method=data.get("method", "lp"),
            extraction=data.get("extraction", "profile"),
            check_conditions=bool(data.get("check_conditions", True)),
        )
    )
    m = len(next(iter(res.payments.values())))
    t = Table(title=f"Crémer–McLean payments ({res.method}, exact={res.exact})")
    t.add_column("type profile")
    for j in range(m):
        t.add_column(f"p_{j}", justify="right")
    for th, pays in res.payments.items():
        t.add_row(str(th), *(_num(p) for p in pays))
    payload = {
        "payments": {",".join(map(str, th)): list(p) for th, p in res.payments.items()},
        "interim_utilities": res.interim_utilities,
        "exact": res.exact,
        "method": res.method,
        "max_extraction_error": res.max_extraction_error,
        "max_ir_violation": res.max_ir_violation,
        "max_ic_violation": res.max_ic_violation,
        "lp_distance": res.lp_distance,
    }
    notes = [
        f"max violations: extraction {res.max_extraction_error:.3g}, IR "
        f"{res.max_ir_violation:.3g}, IC {res.max_ic_violation:.3g}"
        + (f"; distance from LP {res.lp_distance:.6g}" if res.lp_distance is not None else "")
    ]
    _emit(as_json, payload, [t], notes)


@incentives.command("stake")
@_input
@_json
def stake_cmd(input_path: Path, as_json: bool) -> None:
    """veN3 locks, early-unstake penalties, the week's fee settlement, node pledges."""
    data = _load(input_path)

    def compute() -> tuple[list[dict[str, object]], Any, dict[str, int]]:
        rows: list[dict[str, object]] = []
        ve: dict[str, Fraction] = {}
        for entry in data.get("locks", []):
            owner = str(entry["owner"])
            lk = lock(to_units(entry["amount"], "amount"), to_units(entry["days"], "days"))
            row: dict[str, object] = {
                "owner": owner,
                "amount": lk.amount,
                "days": lk.days,
                "ve": lk.ve,
                "boost": lk.boost,
            }
            if "elapsed" in entry:
                un = lk.unstake(to_units(entry["elapsed"], "elapsed"))
                row["unstake_returned"], row["unstake_penalty"] = un.returned, un.penalty
            rows.append(row)
            ve[owner] = ve.get(owner, Fraction(0)) + lk.ve
        settlement = None
        if "gas_fees" in data:
            settlement = settle_week(
                to_units(data["gas_fees"], "gas_fees"),
                to_units(data.get("operating_costs", 0), "operating_costs"),
                ve,
                developers=[str(d) for d in data.get("developers", [])],
            )
        tiers = {}
        if "circulating_supply" in data:
            tiers = {
                tier.name.lower(): pledge_required(
                    tier, to_units(data["circulating_supply"], "circulating_supply")
                )
                for tier in NodeTier
            }
        return rows, settlement, tiers

    rows, settlement, tiers = _run(compute)
    tables = []
    t = Table(title="veN3 locks")
    for col in ("owner", "amount", "days", "veN3", "APR boost", "early unstake: back / penalty"):
        t.add_column(col, justify="right")
    for r in rows:
        un = f"{r['unstake_returned']} / {r['unstake_penalty']}" if "unstake_penalty" in r else "–"
        t.add_row(
            str(r["owner"]),
            str(r["amount"]),
            str(r["days"]),
            _num(r["ve"]),
            f"{float(r['boost']):.4f}×",
            un,
        )
    tables.append(t)
    payload: dict[str, object] = {"locks": rows, "pledges": tiers}
    notes: list[str] = []
    if settlement is not None:
        s = Table(title="weekly settlement")
        s.add_column("recipient")
        s.add_column("base units", justify="right")
        s.add_row("operating costs", str(settlement.costs_paid))
        for k, v in settlement.stakers.items():
            s.add_row(f"staker {k}", str(v))
        for k, v in settlement.developers.items():
            s.add_row(f"developer {k}", str(v))
        s.add_row("retained", str(settlement.retained))
        tables.append(s)
        payload["settlement"] = settlement.__dict__
        if settlement.shortfall:
            notes.append(f"fees fell short of costs by {settlement.shortfall}: nothing paid out")
    if tiers:
        notes.append("pledges: " + ", ".join(f"{k} {v}" for k, v in tiers.items()))
    _emit(as_json, payload, tables, notes)


@incentives.command("contribution")
@_input
@_json
def contribution_cmd(input_path: Path, as_json: bool) -> None:
    """Bandwidth contribution scores ρ and the epoch's tokens."""
    data = _load(input_path)

    def compute() -> tuple[list[dict[str, object]], dict[str, int] | None]:
        w = data["weights"]
        if not isinstance(w, list) or len(w) != 3:
            raise errors.N3ValueError("weights must be a list [w1, w2, w3]")
        weights = Weights(*w)
        ledger = PointsLedger()
        rows: list[dict[str, object]] = []
        for node in data["nodes"]:
            rep = node.get("reputation", 0)
            c = bandwidth_contribution(
                node["online_hours"],
                node["data_volume"],
                node["delay"],
                read_reputation(rep),
                weights,
            )
            ledger.record(0, str(node["id"]), c)
            rows.append({"id": str(node["id"]), "rho": c.rho, "blacklisted": c.blacklisted})
        mapping: PointMapping | None = None
        if "pool" in data:
            mapping = PoolPointMapping(to_units(data["pool"], "pool"))
        elif "tokens_per_point" in data:
            mapping = LinearPointMapping(data["tokens_per_point"])
        tokens = ledger.close(0, mapping) if mapping is not None else None
        return rows, tokens

    rows, tokens = _run(compute)
    t = Table(title="bandwidth contribution")
    for col in ("node", "ρ", "blacklisted", "tokens"):
        t.add_column(col, justify="right")
    for r in rows:
        tok = "–" if tokens is None else str(tokens[str(r["id"])])
        t.add_row(str(r["id"]), _num(r["rho"]), "yes" if r["blacklisted"] else "no", tok)
    _emit(as_json, {"nodes": rows, "tokens": tokens}, [t], [])


def demo_chapter(console: Console, rng: random.Random) -> None:
    """Contribution scores → reputation → rewards; a PVCG auction; staking.

    >>> import io
    >>> buf = io.StringIO()
    >>> demo_chapter(Console(file=buf, width=120), random.Random(1))
    >>> "every unit accounted for" in buf.getvalue()
    True
    """
    console.rule("[bold]Incentives: who earns what")
    # 1. Reputation from events, then contribution scores and the epoch's tokens.
    rep = Reputation(alpha=Fraction(1, 1000))
    relays = [f"relay-{i}" for i in range(6)]
    flaky, corrupt = rng.sample(relays, 2)
    for t_id in range(80):
        path = rng.sample(relays, 3)
        bad = corrupt in path and rng.random() < 0.8
        for r in path:
            rep.apply(BlameReport(r, f"transfer-{t_id}", f"receiver-{t_id % 7}", blamed=bad))
    for _ in range(rng.randint(3, 8)):
        rep.apply(DeliveryReport(flaky, delivered=False))
    rep.review()
    weights = Weights(10, 5, 100)
    ledger = PointsLedger()
    table = Table(title="Epoch 1: reputation → contribution ρ = (ω₁T − ω₂t + ω₃δ)·D → tokens")
    for col in ("relay", "δ", "blame p-value", "T (h)", "D (MiB)", "delay (s)", "ρ", "status"):
        table.add_column(col, justify="right")
    stats = {}
    for r in relays:
        hours, vol, delay = rng.randint(12, 24), rng.randint(50, 500), rng.randint(1, 6)
        status = rep.status(r)
        c = rep.score(r, hours, vol, delay, weights)
        ledger.record(1, r, c)
        stats[r] = (status, hours, vol, delay, c)
    tokens = ledger.close(1, PoolPointMapping(1_000_000))
    for r, (status, hours, vol, delay, c) in stats.items():
        table.add_row(
            r,
            _num(status.delta),
            f"{float(status.p_value):.2e}",
            str(hours),
            str(vol),
            str(delay),
            _num(c.rho),
            "[red]blacklisted[/]" if c.blacklisted else f"{tokens[r]:,} units",
        )
    console.print(table)
    console.print(
        f"{flaky} lost deliveries (small deductions); {corrupt} was on blamed paths often "
        "enough to pass the blame test; the 1,000,000-unit pool is split pro rata to ρ."
    )
    if sum(tokens.values()) != 1_000_000:
        raise errors.IntegrityError("demo: the epoch's pool was not paid out exactly")

    # 2. A PVCG auction among data providers.
    caps = [rng.randint(20, 100) for _ in range(5)]
    costs = [Fraction(rng.randint(1, 20), 10) for _ in range(5)]
    alpha = 60
    res = pvcg_auction(caps, costs, alpha=alpha, adjustment="redistribute")
    console.print(
        _pvcg_table(
            res, f"PVCG: income α·√(Σ qη) with α = {alpha}; cost types {list(map(str, costs))}"
        )
    )
    console.print(
        f"income {float(res.income):.3f}, paid {float(sum(res.payments)):.3f}, "
        f"left {float(res.budget_surplus):.3f}; every utility ≥ 0: {res.individually_rational}; "
        f"payments ≤ income: {res.weakly_budget_balanced}"
    )
    if not (res.individually_rational and res.weakly_budget_balanced):
        raise errors.IntegrityError("demo: PVCG lost a guaranteed property")

    # 3. Staking and the week's fees.
    locks = {
        name: lock(rng.randint(1, 50) * 1000, rng.choice([7, 30, 90, 180, 365]))
        for name in ("ana", "bo", "cy")
    }
    fees = rng.randint(50_000, 90_000)
    s = settle_week(
        fees, 20_000, {k: v.ve for k, v in locks.items()}, developers=["dev-1", "dev-2"]
    )
    st = Table(title=f"Week: {fees:,} units of gas fees, 20,000 of operating costs")
    for col in ("who", "lock", "veN3", "boost", "paid"):
        st.add_column(col, justify="right")
    for k, lk in locks.items():
        st.add_row(
            k,
            f"{lk.amount:,} × {lk.days} d",
            f"{float(lk.ve):,.1f}",
            f"{float(lk.boost):.3f}×",
            f"{s.stakers[k]:,}",
        )
    for d, v in s.developers.items():
        st.add_row(d, "", "", "", f"{v:,}")
    console.print(st)
    paid = s.costs_paid + sum(s.stakers.values()) + sum(s.developers.values()) + s.retained
    if paid != fees:
        raise errors.IntegrityError("demo: the week's fees were not conserved")
    console.print(
        "75 % of the net fees to stakers by veN3, 25 % to developers; every unit accounted for."
    )
