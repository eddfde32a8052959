"""The referee of drone volleyball: touches per side, faults, points and the record of every point.

Pure game logic, no physics: the match env feeds it the ball's touches and landing and the drones'
faults each step. Rules (VolleyBots' turn-based rules, indoor volleyball's where VolleyBots is silent):

* a side may touch the ball at most three times before it crosses the net; a serve is the serving side's
  only touch (the ball must go straight over);
* no drone touches the ball twice in a row;
* the ball landing in the court scores for the side opposite the half it lands in; landing out scores
  against the side that touched it last;
* a drone that crashes (touches the floor), crosses the net's plane or leaves the airspace around the court
  loses the point for its side;
* a rally longer than the time limit (a ball held or balanced) is lost by the side that has the ball.
"""

from __future__ import annotations

from dataclasses import dataclass

from palaestra.sim.drones.court import CourtSpec

MAX_TOUCHES = 3


@dataclass(frozen=True)
class PointRecord:
    """One point as the referee saw it: who won it, why, and the rally's touches in order."""

    number: int
    winner: str
    reason: str
    step: int
    touches: tuple[str, ...]
    landing: tuple[float, float] | None = None
    culprit: str | None = None  # the drone whose fault it was, if any


class Referee:
    """Keeps a match's score and rally state; :meth:`touch`, :meth:`landed`, :meth:`fault` and
    :meth:`timeout` return a :class:`PointRecord` when they end the rally, else ``None``.

    ``teams`` maps the two sides to their agents; the first side plays the half x < 0.
    """

    def __init__(self, teams: dict[str, tuple[str, ...]], court: CourtSpec) -> None:
        self.sides = tuple(teams)
        self.team_of = {agent: team for team, agents in teams.items() for agent in agents}
        self.court = court
        self.reset(self.sides[0])

    def reset(self, server: str) -> None:
        """A new match served by side ``server``."""
        self.score = dict.fromkeys(self.sides, 0)
        self.record: tuple[PointRecord, ...] = ()
        self.new_rally(server)

    def new_rally(self, server: str) -> None:
        self.server = server
        self.possession = server
        self.count = 0  # touches by the side in possession since the ball came over
        self.last: str | None = None
        self.serving = True
        self.rally_touches: list[str] = []

    def other(self, team: str) -> str:
        return self.sides[1] if team == self.sides[0] else self.sides[0]

    def may_hit(self, agent: str) -> bool:
        """Whether ``agent`` may touch the ball now without a fault."""
        if self.team_of[agent] != self.possession:
            return True
        return agent != self.last and self.count < (1 if self.serving else MAX_TOUCHES)

    # -- events ------------------------------------------------------------------------------------
    def touch(self, agent: str, step: int) -> PointRecord | None:
        team = self.team_of[agent]
        self.rally_touches.append(agent)
        if team != self.possession:
            self.possession, self.count, self.last = team, 0, None
            self.serving = False
        if agent == self.last:
            return self._point(self.other(team), "double touch", step, culprit=agent)
        self.count += 1
        self.last = agent
        if self.count > (1 if self.serving else MAX_TOUCHES):
            reason = "serve not over the net" if self.serving else "four touches"
            return self._point(self.other(team), reason, step, culprit=agent)
        return None

    def landed(self, x: float, y: float, step: int) -> PointRecord:
        if self.court.inside(x, y):
            half = self.sides[0] if x < 0.0 else self.sides[1]
            return self._point(self.other(half), "ball landed in", step, landing=(x, y))
        return self._point(self.other(self.possession), "ball out", step, landing=(x, y))

    def fault(self, agent: str, reason: str, step: int) -> PointRecord:
        return self._point(self.other(self.team_of[agent]), reason, step, culprit=agent)

    def timeout(self, step: int) -> PointRecord:
        return self._point(self.other(self.possession), "rally too long", step)

    def _point(self, winner: str, reason: str, step: int, landing=None, culprit=None) -> PointRecord:
        self.score[winner] += 1
        point = PointRecord(len(self.record) + 1, winner, reason, step, tuple(self.rally_touches),
                            landing, culprit)
        self.record = self.record + (point,)
        return point
