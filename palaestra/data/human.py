"""Human play: drive the playroom's arm with the keyboard in a window, and record it as play data.

Keys name directions on the screen (the static camera faces the robot from across the desk), so "up"
moves the gripper away from the viewer (-x), "right" to the screen's right (+y):

>>> action_for_keys({"w", "d"}, gripper_closed=True).tolist()
[-1.0, 1.0, 0.0, -1.0]
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from palaestra.data.collect import PLAYROOM
from palaestra.envs.play.scene import STATIC_CAMERA

# pygame key name -> (action axis, sign)
KEYS: dict[str, tuple[int, float]] = {
    "w": (0, -1.0), "up": (0, -1.0), "s": (0, 1.0), "down": (0, 1.0),
    "a": (1, -1.0), "left": (1, -1.0), "d": (1, 1.0), "right": (1, 1.0),
    "r": (2, 1.0), "f": (2, -1.0),
}
HELP = (
    "move: W A S D or arrows", "up / down: R / F", "gripper: space (toggle)", "new episode: N", "quit: Esc",
)
VIEW = 192  # rendered frame side (px), shown SCALE times larger: affordable at the 24 Hz control rate
SCALE = 2.5
PANEL = 250  # width (px) of the help panel beside the frame


def action_for_keys(held: Iterable[str], gripper_closed: bool) -> np.ndarray:
    """The playroom action for the held keys (pygame key names) and the gripper's toggled state.

    Full-speed displacement along each axis whose key is held (opposite keys cancel), and -1 (close) or
    +1 (open) for the gripper.
    """
    action = np.zeros(4, dtype=np.float32)
    for name in set(held):
        if name in KEYS:
            axis, sign = KEYS[name]
            action[axis] += sign
    action[3] = -1.0 if gripper_closed else 1.0
    return action


def play_keyboard(
    env_id: str = PLAYROOM,
    out: str | os.PathLike | None = None,
    max_steps: int | None = None,
    events: Iterable[Sequence[Any]] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Play in a window until Esc, the window is closed, Ctrl-C (or SIGTERM, SIGHUP) or ``max_steps`` steps;
    N starts a new episode.

    With ``out`` (relative to the working directory or absolute) every episode at least one step long is
    recorded into a play dataset there, in the format of ``collect_play`` (``source="human"``), the episode
    under way included whichever way the session ends; after Ctrl-C or a signal the metadata says
    ``interrupted``. Episode ``i`` starts from seed ``seed + i``.
    ``events`` replaces the keyboard with one list of pygame events per step (tests, replays); steps are
    then not paced to real time. Returns ``episodes`` (those with a step), ``steps``, ``ee`` (the gripper's
    position after each step), ``out`` (absolute) and ``interrupted``.
    """
    import pygame

    import palaestra
    from palaestra.data.dataset import stop_signals_interrupt

    if env_id != PLAYROOM:
        raise ValueError(f"{env_id}: keyboard play records the free playroom only; expected {PLAYROOM}")
    env = palaestra.make(env_id)
    play = env.unwrapped
    camera = dataclasses.replace(STATIC_CAMERA, width=VIEW, height=VIEW)
    writer = None
    if out is not None:
        from palaestra.data.dataset import PlayDatasetWriter

        info = {"env_id": env_id, "env_kwargs": {}, "seed": seed, "agent": "keyboard", "source": "human",
                "steps_per_episode": env.spec.max_episode_steps}
        writer = PlayDatasetWriter(out, env, info)
    feed = iter(events) if events is not None else None
    held: set[str] = set()
    closed, quit_, interrupted, episodes, steps, ee = False, False, False, 0, 0, []
    episode: dict[str, Any] = {}
    try:
        with stop_signals_interrupt():
            # Display and font only: pygame.init() would also open audio, which on a machine without a sound
            # card prints a screenful of ALSA errors.
            pygame.display.init()
            pygame.font.init()
            side = int(VIEW * SCALE)
            screen = pygame.display.set_mode((side + PANEL, side))
            pygame.display.set_caption(f"{env_id}: keyboard play")
            font, clock = pygame.font.Font(None, 24), pygame.time.Clock()
            while not quit_ and (max_steps is None or steps < max_steps):
                obs, _ = env.reset(seed=seed + episodes)
                episode = {"observations": [obs], "actions": [], "states": [play.state], "agent_tasks": [""],
                           "seed": seed + episodes, "index": episodes}
                new = False
                while not (quit_ or new) and (max_steps is None or steps < max_steps):
                    for event in (next(feed, ()) if feed is not None else pygame.event.get()):
                        if event.type == pygame.QUIT:
                            quit_ = True
                        elif event.type == pygame.KEYDOWN:
                            name = pygame.key.name(event.key)
                            quit_ |= name == "escape"
                            new |= name == "n"
                            closed ^= name == "space"
                            held.add(name)
                        elif event.type == pygame.KEYUP:
                            held.discard(pygame.key.name(event.key))
                    if quit_ or new:
                        break
                    action = action_for_keys(held, closed)
                    obs, _, terminated, truncated, _ = env.step(action)
                    for key, value in (("observations", obs), ("actions", action), ("states", play.state),
                                       ("agent_tasks", "")):
                        episode[key].append(value)
                    steps += 1
                    ee.append(play.state.ee_position.copy())
                    _draw(screen, font, play.scene.render_static(camera), side, episodes, len(episode["actions"]),
                          closed)
                    if feed is None:
                        clock.tick(play.metadata["render_fps"])
                    new = terminated or truncated
                if _keep(writer, episode):
                    episodes += 1
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM or SIGHUP: keep the episode under way
        interrupted = True
        if _keep(writer, episode):
            episodes = max(episodes, episode["index"] + 1)
    finally:
        if writer is not None:
            writer.finish(interrupted)
        env.close()
        pygame.quit()
    return {"episodes": episodes, "steps": steps, "ee": ee, "out": None if writer is None else str(writer.root),
            "interrupted": interrupted}


def _keep(writer: Any, episode: dict[str, Any]) -> bool:
    """Record ``episode`` unless it is already stored, cut to its last whole step (an interrupt can fall between
    the appends of one step); whether it has a step. An interrupt during the write waits for the write's end."""
    keys = ("observations", "states", "agent_tasks")
    steps = min(len(episode.get("actions", ())), *(len(episode.get(k, ())) - 1 for k in keys))
    if steps < 1:
        return False
    if writer is not None and writer.episodes <= episode["index"]:
        writer.add_episode(observations=episode["observations"][: steps + 1], actions=episode["actions"][:steps],
                           states=episode["states"][: steps + 1], agent_tasks=episode["agent_tasks"][: steps + 1],
                           seed=episode["seed"])
    return True


def _draw(screen: Any, font: Any, frame: np.ndarray, side: int, episode: int, step: int, closed: bool) -> None:
    import pygame

    surface = pygame.surfarray.make_surface(np.ascontiguousarray(frame.transpose(1, 0, 2)))
    screen.fill((30, 30, 30))
    screen.blit(pygame.transform.scale(surface, (side, side)), (0, 0))
    status = (f"episode {episode}, step {step}", f"gripper {'closed' if closed else 'open'}", "")
    for i, line in enumerate(status + HELP):
        screen.blit(font.render(line, True, (230, 230, 230)), (side + 12, 12 + 24 * i))
    pygame.display.flip()
