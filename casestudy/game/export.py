"""The game's record: every decision and result as JSON and CSV, and the files a facilitator
sends after the session (``python -m casestudy.game export --room CODE --out DIR``).

- ``game.json``: the setup, the roles and who played them, and round by round every decision
  (its value, who made it and how: a table, a bot, or a default at the lock) and the reveal
  (every organisation's reported and underlying position against its control total, funds,
  risk share, volume risk, its fallback and whether it would sign again; the NHS system and
  the place); then every event of the room as the store keeps it.
- ``decisions.csv``: one row per decision; ``results.csv``: one row per organisation and
  round. Text a spreadsheet would read as a formula is neutralised (``names.write_csv``).
- ``debrief.html``: one static page (``casestudy.game.debrief``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..names import csv_safe

if TYPE_CHECKING:
    from .play import Game


def game_json(game: Game) -> str:
    """The game's record and the room's events, as one JSON document."""
    from .headless import game_record

    record = game_record(game)
    record["room"] = json.loads(game.room.export_json())
    return json.dumps(record, indent=1, ensure_ascii=False) + "\n"


def decisions_frame(record: dict[str, Any]) -> pd.DataFrame:
    """One row per decision recorded, round by round (``game_record``'s)."""
    rows = []
    for rr in record["rounds"]:
        for d in rr["decisions"]:
            value = d["value"]
            rows.append({"round": rr["round"], "year": rr["year"], "role": d["role"],
                         "decision": d["kind"], "target": d["target"],
                         "value": json.dumps(value) if isinstance(value, dict) else value,
                         "how": d["how"], "in_force": d["in_force"]})
        for d in rr["defaults"]:
            rows.append({"round": rr["round"], "year": rr["year"], "role": None,
                         "decision": d["kind"], "target": d["target"], "value": "default",
                         "how": "default", "in_force": True})
    columns = ["round", "year", "role", "decision", "target", "value", "how", "in_force"]
    return pd.DataFrame(rows, columns=columns)


def results_frame(record: dict[str, Any]) -> pd.DataFrame:
    """One row per organisation and round, then one per round for the NHS system and for
    the place (``org_id`` "system" and "place")."""
    rows = []
    for rr in record["rounds"]:
        base = {"round": rr["round"], "year": rr["year"], "national_rule": rr["national_rule"],
                "cards": " ".join(rr["cards"])}
        for org in rr["organisations"]:
            rows.append({**base, **org})
        system = rr["system"]
        rows.append({**base, "org_id": "system", "name": "The NHS system",
                     "position_gbp_m": system["position_gbp_m"],
                     "underlying_position_gbp_m": system["underlying_position_gbp_m"],
                     "control_total_gbp_m": system["control_total_gbp_m"],
                     "met_control_total": system["met_control_total"],
                     "fallback_position_gbp_m": system["fallback_position_gbp_m"]})
        rows.append({**base, "org_id": "place", "name": "The whole place",
                     "position_gbp_m": system["place_position_gbp_m"],
                     "underlying_position_gbp_m": system["place_underlying_position_gbp_m"],
                     "fallback_position_gbp_m": system["place_fallback_position_gbp_m"]})
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    csv_safe(frame).to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def game_csv(game: Game) -> dict[str, str]:
    """``decisions.csv`` and ``results.csv`` as text."""
    from .headless import game_record

    record = game_record(game)
    return {"decisions.csv": _csv(decisions_frame(record)),
            "results.csv": _csv(results_frame(record))}


def write_record(game: Game, folder: Path) -> list[Path]:
    """Write ``game.json``, ``decisions.csv``, ``results.csv`` and ``debrief.html`` into
    ``folder`` (made if missing); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"game-{game.code}"
    files = {f"{stem}.json": game.export_json(),
             **{f"{stem}-{name}": text for name, text in game.export_csv().items()},
             f"{stem}-debrief.html": game.debrief_html()}
    paths = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
