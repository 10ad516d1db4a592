"""The room's state, derived from its events alone: ``derive(info, events) -> RoomState``.

Nothing here reads a database or a clock: the same events give the same state, in any
process, after any restart. Events are read in id order; one that breaks a rule the store
also enforces on writing (a prediction after its moment was locked) is ignored, so the
state stays right even for a record written by an older or faulty writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..scenario import Scenario


@dataclass(frozen=True)
class Event:
    """One row of the record: what happened, to which room and team, when, written by whom."""

    id: int  # grows with every event; a page asks for the events after the last id it saw
    room: str  # the room's code
    team_id: int | None  # None for the facilitator's and the room's own events
    kind: str
    payload: Mapping[str, Any]
    at_s: float  # seconds since 1970-01-01 UTC, by the writer's clock
    by: str  # "table", "console" or "room"


@dataclass(frozen=True)
class TeamState:
    team_id: int
    name: str  # as typed: escape it before it reaches HTML
    bot: bool  # an example or rehearsal table, never counted with the real ones
    joined_at_s: float
    last_active_s: float  # the table's own last event (not the facilitator's on its behalf)


@dataclass(frozen=True)
class MomentState:
    """A prediction moment: its question, where it stands, and each table's last prediction
    made while it was open (real tables in ``predictions``, bots in ``bot_predictions``)."""

    moment: str
    question: str
    options: tuple[str, ...]
    status: str  # "open", "locked" or "revealed"
    opened_at_s: float
    answer: int | None  # the right option's index, once revealed
    predictions: Mapping[int, int]  # team id -> chosen option
    bot_predictions: Mapping[int, int]

    def _counted(self, bots: bool) -> dict[int, int]:
        return {**self.predictions, **self.bot_predictions} if bots else dict(self.predictions)

    def distribution(self, *, bots: bool = False) -> tuple[int, ...]:
        """How many tables chose each option (``bots=True`` counts example tables too)."""
        counts = [0] * len(self.options)
        for choice in self._counted(bots).values():
            counts[choice] += 1
        return tuple(counts)

    def right_share(self, *, bots: bool = False) -> float | None:
        """Of the tables that predicted before the reveal, the share that chose the answer;
        None before the reveal or when no table predicted."""
        counted = self._counted(bots)
        if self.answer is None or not counted:
            return None
        return sum(choice == self.answer for choice in counted.values()) / len(counted)


@dataclass(frozen=True)
class TeamScenario:
    """The last scenario a table saved for a round, with its stated reason."""

    team_id: int
    round: int
    payload: Mapping[str, Any]  # Scenario.to_dict()
    reason: str
    at_s: float
    event_id: int
    by: str = "table"  # "console": the round's baseline, given to a table with no deal at the lock

    @cached_property
    def scenario(self) -> Scenario:
        return Scenario.from_dict(self.payload)


@dataclass(frozen=True)
class RoundState:
    """A team round the facilitator opened: its demand against plan, whether it is locked,
    and the tables whose deals were shown to the room, in the order shown."""

    round: int
    demand_shock: float
    status: str  # "open" or "locked"
    opened_at_s: float
    locked_at_s: float | None
    revealed: tuple[int, ...]  # team ids


@dataclass(frozen=True)
class PhaseState:
    name: str
    round: int | None
    at_s: float


@dataclass(frozen=True)
class TimerState:
    seconds: int
    label: str
    started_at_s: float
    stopped_at_s: float | None = None

    @property
    def ends_at_s(self) -> float:
        return self.started_at_s + self.seconds

    def remaining_s(self, now_s: float) -> float:
        """Seconds left at ``now_s`` (``time.time()``); 0 once stopped or run out."""
        if self.stopped_at_s is not None:
            return 0.0
        return max(0.0, self.ends_at_s - now_s)


@dataclass(frozen=True)
class RoomInfo:
    code: str
    title: str
    created_at_s: float


@dataclass(frozen=True)
class RoomState:
    """Everything the pages show, derived from the events up to ``last_event_id``."""

    code: str
    title: str
    created_at_s: float
    last_event_id: int
    event_count: int
    teams: Mapping[int, TeamState]  # by team id, in the order they joined
    moments: Mapping[str, MomentState]  # in the order they were first opened
    scenarios: Mapping[tuple[int, int], TeamScenario]  # (team id, round) -> last saved
    phases: tuple[PhaseState, ...]
    timer: TimerState | None  # the last one started
    kinds: Mapping[str, int] = field(default_factory=dict)  # events of each kind
    rounds: Mapping[int, RoundState] = field(default_factory=dict)  # team rounds, by number

    @property
    def phase(self) -> PhaseState | None:
        return self.phases[-1] if self.phases else None

    def round_scenarios(self, round: int) -> dict[int, TeamScenario]:
        """Each table's scenario for ``round``, by team id, in joining order."""
        return {team: self.scenarios[team, round] for team in self.teams
                if (team, round) in self.scenarios}


def derive(info: RoomInfo, events: Iterable[Event]) -> RoomState:
    """The state after ``events`` (in id order) of the room ``info``."""
    teams: dict[int, dict[str, Any]] = {}
    moments: dict[str, dict[str, Any]] = {}
    scenarios: dict[tuple[int, int], TeamScenario] = {}
    phases: list[PhaseState] = []
    timer: TimerState | None = None
    kinds: dict[str, int] = {}
    rounds: dict[int, dict[str, Any]] = {}
    last_id = count = 0
    for event in events:
        last_id, count = event.id, count + 1
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
        payload, team = event.payload, event.team_id
        if event.kind == "join" and team is not None:
            teams[team] = {"team_id": team, "name": payload["name"], "bot": payload["bot"],
                           "joined_at_s": event.at_s, "last_active_s": event.at_s}
            continue
        if team in teams and event.by == "table":
            teams[team]["last_active_s"] = max(teams[team]["last_active_s"], event.at_s)
        if event.kind == "prediction":
            moment = moments.get(payload["moment"])
            if (team in teams and moment is not None and moment["status"] == "open"
                    and payload["choice"] < len(moment["options"])):
                which = "bot_predictions" if teams[team]["bot"] else "predictions"
                moment[which][team] = payload["choice"]
        elif event.kind == "scenario" and team in teams:
            held = rounds.get(payload["round"])
            if held is None or held["status"] == "open":  # a locked round takes no more deals
                scenarios[team, payload["round"]] = TeamScenario(
                    team, payload["round"], payload["scenario"], payload.get("reason", ""),
                    event.at_s, event.id, event.by)
        elif event.kind == "round_open":
            if payload["round"] not in rounds:
                rounds[payload["round"]] = {
                    "round": payload["round"], "demand_shock": payload["demand_shock"],
                    "status": "open", "opened_at_s": event.at_s, "locked_at_s": None,
                    "revealed": ()}
        elif event.kind == "round_lock":
            held = rounds.get(payload["round"])
            if held is not None and held["status"] == "open":
                held["status"], held["locked_at_s"] = "locked", event.at_s
        elif event.kind == "round_reveal":
            held = rounds.get(payload["round"])
            if (held is not None and held["status"] == "locked" and payload["team"] in teams
                    and payload["team"] not in held["revealed"]):
                held["revealed"] += (payload["team"],)
        elif event.kind == "moment_open":
            moment = moments.get(payload["moment"])
            if moment is None:
                moments[payload["moment"]] = {
                    "moment": payload["moment"], "question": payload["question"],
                    "options": tuple(payload["options"]), "status": "open",
                    "opened_at_s": event.at_s, "answer": None, "predictions": {},
                    "bot_predictions": {}}
            elif moment["status"] == "locked" and tuple(payload["options"]) == moment["options"]:
                moment["status"] = "open"
        elif event.kind == "moment_lock":
            moment = moments.get(payload["moment"])
            if moment is not None and moment["status"] == "open":
                moment["status"] = "locked"
        elif event.kind == "moment_reveal":
            moment = moments.get(payload["moment"])
            if (moment is not None and moment["status"] in ("open", "locked")
                    and payload["answer"] < len(moment["options"])):
                moment["status"], moment["answer"] = "revealed", payload["answer"]
        elif event.kind == "phase":
            phases.append(PhaseState(payload["name"], payload.get("round"), event.at_s))
        elif event.kind == "timer_start":
            timer = TimerState(payload["seconds"], payload.get("label", ""), event.at_s)
        elif event.kind == "timer_stop" and timer is not None and timer.stopped_at_s is None:
            timer = TimerState(timer.seconds, timer.label, timer.started_at_s, event.at_s)
    return RoomState(
        code=info.code, title=info.title, created_at_s=info.created_at_s,
        last_event_id=last_id, event_count=count,
        teams={t: TeamState(**values) for t, values in teams.items()},
        moments={m: MomentState(**values) for m, values in moments.items()},
        scenarios=scenarios, phases=tuple(phases), timer=timer, kinds=kinds,
        rounds={r: RoundState(**values) for r, values in sorted(rounds.items())})
