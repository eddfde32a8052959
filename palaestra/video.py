"""Recording episodes as video: what ``palaestra record ID --policy ... --out clip.mp4`` runs.

>>> from palaestra.video import record
>>> clip = record("palaestra/Reach-v0", "reach.gif", policy="expert", steps=10)  # doctest: +SKIP

Frames are the environment's own ``rgb_array`` render, what a person watching would see: the Panda scenes are
rendered by a camera of ``size`` pixels (not upscaled 84 px observations), the 2D and fighting games draw their
court or ring, and a turn-based game draws its text board. Frames of different sizes (a text board grows as the
game goes on) are centred on one canvas of at least ``size`` pixels a side.

A policy is named the way a person names it: ``random``; ``expert`` (a task's or a cooperative game's scripted
expert, a competitive game's strongest scripted level); a game's level by name (``perfect``, ``heuristic``...);
or the path of a model file written by ``palaestra train`` (``.pt``, or an older ``.zip``), loaded by
:func:`palaestra.baselines.train.load_model`.
In a game, ``policy`` plays the first side and ``opponent`` (by default the same level, or the strongest level
against a model) every other side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palaestra import registry
from palaestra.registry import EnvRecord

MIN_SIZE = 256
DEFAULT_STEPS = 300
DEFAULT_FPS = 24
FORMATS = (".mp4", ".gif")
MODEL_SUFFIXES = (".pt", ".zip")  # weights written by palaestra train; SB3 archives of older versions
_MACRO_BLOCK = 16  # H.264 encoders want frame sides divisible by 16; frames are padded to it, never resized


@dataclass(frozen=True)
class Clip:
    """A written recording: its path, frame count and size, frame rate and the policies that played."""

    path: Path
    frames: int
    width: int
    height: int
    fps: int
    policy: str
    opponent: str | None = None


def policy_names(env_id: str) -> list[str]:
    """The policy names ``env_id`` accepts besides a model path: random, expert (when there is one), levels."""
    record_ = registry.get(env_id)
    if record_.multi_agent:
        levels = _levels(record_)
        expert = ["expert"] if levels or record_.expert else []
        return list(dict.fromkeys(["random", *expert, *levels]))
    return ["random", *(["expert"] if record_.expert else [])]


def record(env_id: str, out: str | Path, policy: str = "random", *, fps: int | None = None, **options: Any) -> Clip:
    """Play ``env_id`` with ``policy`` and write the frames to ``out``; ``options`` as :func:`frames` takes them
    (``opponent``, ``steps``, ``episodes``, ``size``, ``seed``).

    ``out`` ends in ``.mp4`` (H.264 through imageio-ffmpeg) or ``.gif``; both need the ``video`` extra. Raises
    ``ValueError`` naming the environment for an unknown policy, a bad size or format, before a frame is taken.
    """
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{env_id}: cannot write {str(path)!r}; expected a file ending in {' or '.join(FORMATS)}")
    imageio = _imageio()
    record_ = registry.get(env_id)
    if record_.multi_agent:
        options["opponent"] = _opponent(record_, policy, options.get("opponent"))
    images = frames(env_id, policy, **options)
    rate = fps or _default_fps(record_)
    canvas = _write(imageio, images, path, rate, options.get("size", MIN_SIZE))
    height, width = canvas[0].shape[:2]
    return Clip(path, len(canvas), width, height, rate, policy, options.get("opponent"))


def write_clip(images: list[np.ndarray], out: str | Path, fps: int = DEFAULT_FPS) -> Path:
    """Write RGB frames (a keyboard match's window, say) to ``out`` (``.mp4`` or ``.gif``); returns the path."""
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"cannot write {str(path)!r}; expected a file ending in {' or '.join(FORMATS)}")
    _write(_imageio(), images, path, fps, MIN_SIZE)
    return path


def _write(imageio: Any, images: list[np.ndarray], path: Path, rate: int, size: int) -> list[np.ndarray]:
    canvas = _canvas(images, size, _MACRO_BLOCK if path.suffix.lower() == ".mp4" else 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gif":
        imageio.mimwrite(path, canvas, duration=1000 / rate, loop=0)
    else:
        imageio.mimwrite(path, canvas, fps=rate, macro_block_size=_MACRO_BLOCK)
    return canvas


def frames(
    env_id: str,
    policy: str = "random",
    *,
    opponent: str | None = None,
    steps: int = DEFAULT_STEPS,
    episodes: int = 1,
    size: int = MIN_SIZE,
    seed: int = 0,
) -> list[np.ndarray]:
    """The rendered frames of ``episodes`` seeded episodes (the first frame right after each reset).

    Recording stops after ``steps`` env steps in all (an AEC game's step is one agent's move).
    """
    record_ = registry.get(env_id)
    for name, value in (("steps", steps), ("episodes", episodes), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{record_.id}: {name} must be a positive integer, got {value!r}")
    if size < MIN_SIZE:
        raise ValueError(f"{record_.id}: size must be at least {MIN_SIZE} px, got {size}")
    if record_.multi_agent:
        return list(_game_frames(record_, policy, opponent, steps, episodes, size, seed))
    if opponent is not None:
        raise ValueError(f"{record_.id} is a single-agent task; opponent= is for competitive games")
    return list(_task_frames(record_, policy, steps, episodes, size, seed))


def render_kwargs(record_: EnvRecord, size: int = MIN_SIZE) -> dict[str, Any]:
    """The keyword arguments that build ``record_`` rendering RGB frames of ``size`` px where it has a camera.

    A camera scene (manipulation, playroom, their presets) keeps its own camera pose, only larger; the camera
    also makes pixel observations, so an ID whose observations are pixels keeps its observation size.
    """
    kwargs: dict[str, Any] = {"render_mode": "rgb_array"}
    env = build(record_, **kwargs)
    try:
        camera = getattr(env.unwrapped, "camera", None)
    finally:
        env.close()
    if dataclasses.is_dataclass(camera) and not record_.kwargs.get("obs_mode") == "pixels":
        kwargs["camera"] = dataclasses.replace(camera, width=size, height=size)
    return kwargs


def build(record_: EnvRecord, **kwargs: Any) -> Any:
    """The environment of ``record_``: a Gymnasium env, or a game's parallel (else AEC) PettingZoo env."""
    import palaestra

    if record_.multi_agent:
        return (palaestra.make_parallel if record_.parallel else palaestra.make_aec)(record_.id, **kwargs)
    return palaestra.make(record_.id, **kwargs)


def strip(images: list[np.ndarray], count: int = 4, height: int = MIN_SIZE) -> np.ndarray:
    """``count`` frames evenly spread over ``images`` in one picture: side by side, at most ``height`` rows
    each (scaled down, never up); frames more than twice as wide as tall (a text board) stacked instead."""
    if not images:
        raise ValueError("no frames to lay out")
    picks = np.linspace(0, len(images) - 1, min(count, len(images))).round().astype(int)
    chosen = _canvas([images[i] for i in picks], 1, 1)
    rows, columns = chosen[0].shape[:2]
    if rows > height:
        keep_rows = np.linspace(0, rows - 1, height).round().astype(int)
        keep_columns = np.linspace(0, columns - 1, max(1, round(columns * height / rows))).round().astype(int)
        chosen = [image[keep_rows][:, keep_columns] for image in chosen]
    stacked = columns > 2 * rows
    gap = np.full((4, chosen[0].shape[1], 3) if stacked else (chosen[0].shape[0], 4, 3), 255, np.uint8)
    parts = [part for image in chosen for part in (image, gap)][:-1]
    return np.concatenate(parts, axis=0 if stacked else 1)


# -- single-agent tasks ----------------------------------------------------------------------------------------


def _task_frames(
    record_: EnvRecord, policy: str, steps: int, episodes: int, size: int, seed: int
) -> Iterator[np.ndarray]:
    env = build(record_, **render_kwargs(record_, size))
    try:
        act = _task_policy(record_, policy, env)
        reset = getattr(act, "reset", None)
        env.action_space.seed(seed)
        taken = 0
        for episode in range(episodes):
            obs, _ = env.reset(seed=seed + episode)
            if callable(reset):
                reset()
            yield _rgb(env.render(), record_)
            done = False
            while not done and taken < steps:
                obs, _, terminated, truncated, _ = env.step(act(obs))
                taken += 1
                done = terminated or truncated
                yield _rgb(env.render(), record_)
            if taken >= steps:
                return
    finally:
        env.close()


def _task_policy(record_: EnvRecord, policy: str, env: Any) -> Callable[[Any], Any]:
    if policy == "random":
        return lambda obs: env.action_space.sample()
    if policy == "expert":
        if record_.expert is None:
            raise ValueError(f"{record_.id} has no scripted expert; policies: random or a model file")
        return record_.load_expert()(env)
    if _is_model(policy):
        model = _load_model(record_, policy)
        return lambda obs: model.predict(obs, deterministic=True)[0]
    raise _unknown_policy(record_, policy)


def _unknown_policy(record_: EnvRecord, name: str) -> ValueError:
    return ValueError(f"{record_.id}: unknown policy {name!r}; expected one of {policy_names(record_.id)} "
                      f"or the path of a model file ({', '.join(MODEL_SUFFIXES)})")


def _is_model(policy: str) -> bool:
    return policy.endswith(MODEL_SUFFIXES)


def _load_model(record_: EnvRecord, path: str) -> Any:
    """A model written by ``palaestra train`` for ``record_`` (or the task a perturbation preset wraps)."""
    from palaestra.baselines.train import load_model

    model, config = load_model(path)
    if config.env_id not in (record_.id, record_.kwargs.get("base_id")):
        raise ValueError(f"{path} was trained on {config.env_id}, not {record_.id}")
    return model


# -- games -------------------------------------------------------------------------------------------------------


class _ClipFull(Exception):
    """Raised by the recording env once the clip has its frames: it ends the match early."""


class _Recorder:
    """Passes every call to a PettingZoo env and renders a frame after each reset and step."""

    def __init__(self, env: Any, record_: EnvRecord, steps: int) -> None:
        self._env, self._record, self._left = env, record_, steps
        self.images: list[np.ndarray] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        result = self._env.reset(*args, **kwargs)
        self.images.append(_rgb(self._env.render(), self._record))
        return result

    def step(self, action: Any) -> Any:
        result = self._env.step(action)
        self.images.append(_rgb(self._env.render(), self._record))
        self._left -= 1
        if self._left <= 0:
            raise _ClipFull
        return result


def _game_frames(
    record_: EnvRecord, policy: str, opponent: str | None, steps: int, episodes: int, size: int, seed: int
) -> Iterator[np.ndarray]:
    from palaestra.competitive.match import play_match, teams_of

    env = build(record_, **render_kwargs(record_, size))
    recorder = _Recorder(env, record_, steps)
    try:
        opponent = _opponent(record_, policy, opponent)
        first, *others = teams_of(env)
        seats = {first: _game_policy(record_, policy, recorder)}
        seats.update({team: _game_policy(record_, opponent, recorder) for team in others})
        for episode in range(episodes):
            try:
                play_match(recorder, seats, seed=seed + episode)
            except _ClipFull:
                break
        yield from recorder.images
    finally:
        env.close()


def _opponent(record_: EnvRecord, policy: str, opponent: str | None) -> str:
    """The other sides' policy: as given, else the strongest level against a model, else ``policy`` itself."""
    if opponent is not None:
        return opponent
    return _strongest(record_) if _is_model(policy) else policy


def _levels(record_: EnvRecord) -> list[str]:
    """A game's scripted levels, weakest first (none when the record names no opponents)."""
    from palaestra.competitive.match import opponent_table

    return list(opponent_table(record_.id)) if record_.opponents else []


def _strongest(record_: EnvRecord) -> str:
    levels = _levels(record_)
    if not levels:
        raise ValueError(f"{record_.id} has no scripted levels; policies: random or a model file")
    return levels[-1]


def _game_policy(record_: EnvRecord, name: str, env: Any) -> Any:
    from palaestra.competitive.match import build_policy
    from palaestra.competitive.policy import RandomPolicy

    if _is_model(name):
        from palaestra.baselines.games import predict
        from palaestra.competitive import SidePolicy

        model = _load_model(record_, name)
        return SidePolicy(env, lambda obs, side: predict(model.policy, obs), Path(name).stem)
    names = policy_names(record_.id)
    if name not in names:
        raise _unknown_policy(record_, name)
    if name == "expert":
        if not _levels(record_):  # a cooperative game: its expert is one policy playing every agent
            return record_.load_expert()(env)
        name = _strongest(record_)
    if name == "random" and "random" not in _levels(record_):
        return RandomPolicy(env)
    return build_policy(name, env, record_.id)


# -- frames ------------------------------------------------------------------------------------------------------


def _rgb(frame: Any, record_: EnvRecord) -> np.ndarray:
    image = np.asarray(frame)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
        raise RuntimeError(f"{record_.id}: render() gave {type(frame).__name__} {getattr(image, 'shape', '')}, "
                           "expected an (H, W, 3) uint8 frame")
    return image[..., :3]


def _canvas(images: list[np.ndarray], size: int, multiple: int) -> list[np.ndarray]:
    """The frames centred on one background-coloured canvas of at least ``size`` px, sides a ``multiple``."""
    if not images:
        raise ValueError("no frames were rendered")
    height = max(size, *(i.shape[0] for i in images))
    width = max(size, *(i.shape[1] for i in images))
    height, width = -(-height // multiple) * multiple, -(-width // multiple) * multiple
    out = []
    for image in images:
        if image.shape[:2] == (height, width):
            out.append(image)
            continue
        canvas = np.empty((height, width, 3), np.uint8)
        canvas[:] = image[0, 0]  # the frame's own background (a text board's white, a court's floor)
        top, left = (height - image.shape[0]) // 2, (width - image.shape[1]) // 2
        canvas[top:top + image.shape[0], left:left + image.shape[1]] = image
        out.append(canvas)
    return out


def _default_fps(record_: EnvRecord) -> int:
    # A turn-based game moves a few times a minute in play: two moves a second stay readable.
    return 2 if "turn-based" in record_.tags or "matrix-game" in record_.tags else DEFAULT_FPS


def _imageio() -> Any:
    try:
        import imageio.v2 as imageio
    except ModuleNotFoundError:
        raise ModuleNotFoundError('recording video needs imageio: pip install "palaestra[video]"') from None
    return imageio
