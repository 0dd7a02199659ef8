"""`n3crypto incentives` subcommands, the demo chapter, and docs/incentives.md."""

from __future__ import annotations

import doctest
import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from n3crypto.cli_incentives import demo_chapter, incentives

DOCS = Path(__file__).resolve().parent.parent / "docs" / "incentives.md"


def run(tmp_path: Path, cmd: str, data: object, *extra: str) -> tuple[int, str, str]:
    f = tmp_path / "in.json"
    f.write_text(data if isinstance(data, str) else json.dumps(data))
    res = CliRunner().invoke(incentives, [cmd, "--input", str(f), *extra])
    return res.exit_code, res.stdout, res.stderr


def test_docs_page() -> None:
    failures, tried = doctest.testfile(
        str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert tried > 40
    assert failures == 0


def test_pvcg_json_and_table(tmp_path: Path) -> None:
    data = {"capacities": [4, 4, 4], "cost_types": [1, 2, "3"], "alpha": 8}
    code, out, _ = run(tmp_path, "pvcg", data, "--json")
    assert code == 0
    got = json.loads(out)
    assert got["payments"] == ["8", "0", "0"] and got["income"] == "16"
    assert got["weakly_budget_balanced"] and got["failed"] == []
    code, out, _ = run(tmp_path, "pvcg", data)
    assert code == 0 and "PVCG auction" in out and "weak budget balance: True" in out


def test_pvcg_decimals_are_exact(tmp_path: Path) -> None:
    text = '{"capacities": [0.1, 0.2], "cost_types": [0.3, 0.3], "alpha": 1, "resolution": 100}'
    code, out, _ = run(tmp_path, "pvcg", text, "--json")
    assert code == 0
    got = json.loads(out)
    assert got["accepted"] == ["0.1", "0.2"]
    assert isinstance(got["income"], dict) and got["income"]["approx"] == pytest.approx(0.3**0.5)


def test_cremer_mclean(tmp_path: Path) -> None:
    data = {
        "type_values": [[0, 4], [0, 4]],
        "prior": [["3/8", "1/8"], ["1/8", "3/8"]],
        "extraction": "interim",
    }
    code, out, _ = run(tmp_path, "cremer-mclean", data, "--json")
    assert code == 0
    got = json.loads(out)
    assert got["exact"] and set(got["payments"]) == {"0,0", "0,1", "1,0", "1,1"}
    code, out, _ = run(tmp_path, "cremer-mclean", data)
    assert code == 0 and "Crémer–McLean payments" in out
    data["extraction"] = "profile"
    code, _, err = run(tmp_path, "cremer-mclean", data)
    assert code == 2 and "interim" in err


def test_stake(tmp_path: Path) -> None:
    data = {
        "locks": [
            {"owner": "ana", "amount": 1000, "days": 365, "elapsed": 0},
            {"owner": "bo", "amount": 500, "days": 73},
        ],
        "gas_fees": 10_000,
        "operating_costs": 2_000,
        "developers": ["d1", "d2"],
        "circulating_supply": 10**9,
    }
    code, out, _ = run(tmp_path, "stake", data, "--json")
    assert code == 0
    got = json.loads(out)
    assert got["locks"][0]["ve"] == "1000" and got["locks"][0]["boost"] == "1.75"
    assert got["locks"][0]["unstake_penalty"] == 500
    s = got["settlement"]
    assert s["costs_paid"] + sum(s["stakers"].values()) + sum(s["developers"].values()) == 10_000
    assert got["pledges"] == {"super": 5_000_000, "tier1": 2_500_000, "ordinary": 1_250_000}
    code, out, _ = run(tmp_path, "stake", data)
    assert code == 0 and "weekly settlement" in out
    data["locks"][0]["days"] = 400
    code, _, err = run(tmp_path, "stake", data)
    assert code == 2 and "7–365" in err


def test_contribution(tmp_path: Path) -> None:
    data = {
        "weights": [2, 1, 4],
        "nodes": [
            {"id": "r1", "online_hours": 24, "data_volume": 100, "delay": 3, "reputation": "-0.5"},
            {"id": "r2", "online_hours": 1, "data_volume": 100, "delay": 5, "reputation": 0},
            {"id": "r3", "online_hours": 24, "data_volume": 50, "delay": 0, "reputation": "-inf"},
        ],
        "pool": 1000,
    }
    code, out, _ = run(tmp_path, "contribution", data, "--json")
    assert code == 0
    got = json.loads(out)
    assert [n["rho"] for n in got["nodes"]] == ["4300", "0", "0"]
    assert [n["blacklisted"] for n in got["nodes"]] == [False, True, True]
    assert got["tokens"] == {"r1": 1000, "r2": 0, "r3": 0}
    code, out, _ = run(tmp_path, "contribution", data)
    assert code == 0 and "bandwidth contribution" in out


@pytest.mark.parametrize(
    ("cmd", "text", "needle"),
    [
        ("pvcg", "{not json", "not valid JSON"),
        ("pvcg", "[1, 2]", "JSON object"),
        ("pvcg", '{"capacities": [1]}', "missing field"),
        ("pvcg", '{"capacities": [1], "cost_types": [-1]}', "negative"),
        ("contribution", '{"weights": [1, 1], "nodes": []}', "weights"),
        (
            "contribution",
            '{"weights": [1, 1, 1], "nodes": [{"id": "a", "online_hours": 1, '
            '"data_volume": 1, "delay": 1, "reputation": 1}]}',
            "≤ 0",
        ),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, cmd: str, text: str, needle: str) -> None:
    code, _, err = run(tmp_path, cmd, text)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_chapter(seed: int) -> None:
    buf = io.StringIO()
    demo_chapter(Console(file=buf, width=140), random.Random(seed))
    text = buf.getvalue()
    for needle in ("contribution", "PVCG", "veN3", "blacklisted", "every unit accounted for"):
        assert needle in text


def test_amounts_must_be_whole_units(tmp_path: Path) -> None:
    data = '{"locks": [{"owner": "a", "amount": 1000.5, "days": 30}]}'
    code, _, err = run(tmp_path, "stake", data)
    assert code == 2 and "whole number of base units" in err
