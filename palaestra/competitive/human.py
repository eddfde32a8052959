"""Human play: control one volleyball player with the keyboard against the scripted opponents.

>>> from palaestra.competitive.human import action_for_keys
>>> action_for_keys(left=False, right=True, jump=True, side="left")   # towards the net, jumping
5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from palaestra.envs.competitive.volley_core import ACTIONS
from palaestra.envs.competitive.volleyball import SIDES

HELP = ("move: arrows or A/D", "jump: up, W or space", "quit: Esc")


def action_for_keys(left: bool, right: bool, jump: bool, side: str) -> int:
    """The Discrete action for the held keys. Keys name screen directions; actions are in the agent's own
    frame (+1 towards the net), so the same key moves a left- and a right-side player the same way on screen."""
    if side not in SIDES:
        raise ValueError(f"side={side!r} is not valid; expected one of {SIDES}")
    screen = int(right) - int(left)
    own = screen if side == "left" else -screen
    return ACTIONS.index((own, bool(jump)))


def play(
    env_id: str = "palaestra/Volleyball-v0",
    opponent: str = "strong",
    side: str = "left",
    max_frames: int | None = None,
    events: Iterable[Sequence[Any]] | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Play one match in a window as ``<side>_0``; every other player is the ``opponent`` scripted level.

    ``events`` replaces the keyboard with one list of pygame events per frame (tests, replays); the frames
    are then not paced to real time. The match ends when it is decided, at ``max_frames``, on Esc or when
    the window is closed. Returns the ID, side, opponent, ``score`` (own, other), ``outcome`` (1, 0, -1, or
    ``None`` when stopped early), ``frames`` and ``track``: the controlled player's x on screen each frame.
    """
    import pygame

    import palaestra
    from palaestra.envs.competitive import volleyball
    from palaestra.envs.competitive.volleyball import OPPONENTS

    if palaestra.get(env_id).entry_point.partition(":")[0] != volleyball.__name__:
        raise ValueError(f"{env_id}: human play supports the volleyball games only")
    if side not in SIDES:
        raise ValueError(f"{env_id}: side={side!r} is not valid; expected one of {SIDES}")
    if opponent not in OPPONENTS:
        raise ValueError(f"{env_id}: opponent={opponent!r} is not a level; expected one of {list(OPPONENTS)}")
    env = palaestra.make_parallel(env_id, render_mode="human")
    if events is not None:
        env.metadata = {**env.metadata, "render_fps": 0}  # replayed input runs as fast as it can be drawn
    me = f"{side}_0"
    env.hud, env.highlight = HELP, me
    body = env.court.players[env.possible_agents.index(me)]
    feed = iter(events) if events is not None else None
    held = {"left": False, "right": False, "jump": False}
    keymap = {pygame.K_LEFT: "left", pygame.K_a: "left", pygame.K_RIGHT: "right", pygame.K_d: "right",
              pygame.K_UP: "jump", pygame.K_w: "jump", pygame.K_SPACE: "jump"}
    try:
        observations, infos = env.reset(seed=seed)
        bots = {a: OPPONENTS[opponent](env) for a in env.possible_agents if a != me}
        for i, bot in enumerate(bots.values()):
            bot.reset(None if seed is None else seed + i)
        frames, quit_, track = 0, False, []
        while env.agents and (max_frames is None or frames < max_frames):
            for event in (next(feed, ()) if feed is not None else pygame.event.get()):
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                    quit_ = True
                elif event.type in (pygame.KEYDOWN, pygame.KEYUP) and event.key in keymap:
                    held[keymap[event.key]] = event.type == pygame.KEYDOWN
            if quit_:
                break
            actions = {a: bot(observations[a], a) for a, bot in bots.items()}
            actions[me] = action_for_keys(held["left"], held["right"], held["jump"], side)
            observations, _, _, _, infos = env.step(actions)
            frames += 1
            track.append(body.x)
        final = infos.get(me, {})
        score = final.get("score", (0, 0))
        return {"env_id": env_id, "side": side, "opponent": opponent, "score": score,
                "outcome": final.get("outcome"), "frames": frames, "track": track}
    finally:
        env.close()
