"""Registry-driven fuzzing of every environment's inputs, each outcome sorted into one of four classes.

For every registered ID, in each of its forms (``gym``: ``gymnasium.make``; ``parallel`` and ``aec``: the
PettingZoo APIs), invalid inputs are sent to the call that receives them: actions (NaN, inf, strings,
booleans, complex numbers, wrong shapes, out-of-range integers), action dicts with missing or extra agents,
reset seeds and options, constructor keyword arguments (wrong types, NaN, absurd sizes) and calls at the wrong
point of an environment's life (before reset, after a game's match ended, after close). Each case is:

* ``clear``: refused at that call with ``ValueError``/``TypeError`` (or the framework's own error type, such
  as Gymnasium's ``ResetNeeded``) whose message names the environment ID, the argument and what was expected;
* ``obscure``: refused at that call with another error type, or a message missing one of those;
* ``silent``: accepted, and the next valid calls run on without complaint;
* ``late``: accepted, but a later valid call (the next step, the last agent's turn, the next reset) fails.

Framework-normal behaviour is not fuzzed: stepping a Gymnasium env on after ``terminated`` (goal envs keep
simulating; hindsight replays rely on it), unknown reset-option keys in the PettingZoo forms (PettingZoo's own
API tests reset with ``options={"options": 1}``), a dead agent's ``None`` turn in the AEC form, and a
non-string ``render_mode`` passed to ``gymnasium.make`` (it fails inside ``gymnasium.make`` before the env
runs; ``palaestra.make`` refuses it).

Run ``python -m palaestra.fuzz`` for the counts by class (``--id`` to restrict, ``--show`` to list cases).
"""

from __future__ import annotations

import argparse
import inspect
import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CLASSES = ("clear", "obscure", "silent", "late")
# Arguments that choose which registered game or task an ID is; fuzzing them would fuzz another ID.
IDENTITY = frozenset({"task", "game", "base_id", "preset", "team_size"})
# Words of an error message that say what was expected instead.
EXPECTATION = ("expected", "accepted:", "legal moves", "legal actions", "only valid action", "call reset()")
# Keyword arguments that end a match within a few steps, where a game accepts them.
SHORT_EPISODE = {"max_cycles": 2, "rounds": 1, "hands": 1, "max_turns": 2, "points_to_win": 1, "goals_to_win": 1}
MAX_STEPS_TO_END = 3000


@dataclass(frozen=True)
class Result:
    """One fuzzed call and its class; ``detail`` is the error raised (type and message), if any."""

    env_id: str
    form: str
    kind: str
    label: str
    verdict: str
    detail: str = ""


def _bad_cameras() -> Any:
    from palaestra.sim.world import CameraConfig

    return [CameraConfig(width=0), CameraConfig(width=4096, height=4096), CameraConfig(fov=math.nan),
            CameraConfig(width=2.5)]


def _bad_physics() -> Any:
    from palaestra.sim.world import PhysicsConfig

    return [PhysicsConfig(timestep=0.0), PhysicsConfig(timestep=math.nan), PhysicsConfig(substeps=0),
            PhysicsConfig(solver_iterations=-1), PhysicsConfig(gravity=math.inf)]


_COUNT = [0, -1, 2.5, "3", True, math.nan, math.inf]
_IMAGE = [0, -1, 4096, 2.5, "64", True, math.nan]
_CHOICE = ["garbage", 3]
# Invalid values of each keyword argument, by name; ``None`` is added unless the default or annotation allows it.
BAD_KWARGS: dict[str, Callable[[], list[Any]]] = {
    "render_mode": lambda: list(_CHOICE),
    "obs_mode": lambda: list(_CHOICE),
    "reward_type": lambda: list(_CHOICE),
    "control": lambda: list(_CHOICE),
    "split": lambda: list(_CHOICE),
    "invalid_move": lambda: list(_CHOICE),
    "camera": lambda: ["garbage", *_bad_cameras()],
    "physics": lambda: ["fast", *_bad_physics()],
    "gripper_size": lambda: list(_IMAGE),
    "image_size": lambda: list(_IMAGE),
    "shaping": lambda: [math.nan, math.inf, "x", True],
    "dense_reward": lambda: ["garbage", 2, math.nan],
    "tasks": lambda: ["open_drawer", [], ["nope"], 3, [3]],
    **{name: (lambda: list(_COUNT)) for name in (
        "max_cycles", "goals_to_win", "points_to_win", "rounds", "hands", "max_turns", "length",
        "steps_per_instruction", "knockout_lead")},
}


def bad_box_actions(shape: tuple[int, ...]) -> list[tuple[str, Any]]:
    """Invalid actions for a ``Box`` of ``shape``: every value finite and in range is valid (it is clipped)."""
    n = int(np.prod(shape))
    good = np.zeros(shape)
    return [
        ("nan", np.full(shape, np.nan)),
        ("inf", np.full(shape, np.inf)),
        ("-inf in one component", np.where(np.arange(n).reshape(shape) == 0, -np.inf, 0.0)),
        ("text", "forward"),
        ("numeric strings", np.full(shape, "0.5")),
        ("list of strings", ["0"] * n),
        ("booleans", np.ones(shape, dtype=bool)),
        ("list of booleans", [True] * n),
        ("complex", np.full(shape, 0.5 + 1j)),
        ("complex, zero imaginary part", good.astype(complex)),
        ("one component too many", np.zeros(n + 1)),
        ("scalar", 0.5),
        ("None", None),
        ("dict", {"x": 0.0}),
        ("objects", np.array([object()] * n, dtype=object).reshape(shape)),
    ]


def bad_discrete_actions(n: int) -> list[tuple[str, Any]]:
    """Invalid actions for a ``Discrete(n)``."""
    return [
        ("-1", -1), ("n", n), ("2**70", 2**70), ("-2**70", -(2**70)), ("inf", math.inf), ("nan", math.nan),
        ("1.5", 1.5), ("text", "1"), ("True", True), ("None", None), ("array of two", np.array([0, 1])),
        ("complex", 1 + 0j), ("float32 nan", np.float32("nan")),
    ]


BAD_SEEDS: list[tuple[str, Any]] = [
    ("-1", -1), ("1.5", 1.5), ("text", "0"), ("True", True), ("list", [1, 2]), ("nan", math.nan),
]


class Driver:
    """Drives one environment in one form with valid calls, and makes the invalid ones."""

    def __init__(self, env_id: str, form: str, kwargs: dict[str, Any] | None = None) -> None:
        import gymnasium as gym

        import palaestra

        self.env_id, self.form = env_id, form
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if form == "gym":
                self.env = gym.make(env_id, **(kwargs or {}))
            elif form == "parallel":
                self.env = palaestra.make_parallel(env_id, **(kwargs or {}))
            else:
                self.env = palaestra.make_aec(env_id, **(kwargs or {}))
        self._rng = np.random.default_rng(0)
        self.ended = False
        self.rewards: list[float] = []

    # -- valid calls ------------------------------------------------------------------------------
    def reset(self, **kwargs: Any) -> Any:
        self.ended = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.env.reset(**{"seed": 0, **kwargs})

    def agents(self) -> list[str]:
        return list(self.env.possible_agents) if self.form != "gym" else []

    def space(self, agent: str | None = None) -> Any:
        return self.env.action_space if self.form == "gym" else self.env.action_space(agent)

    def sample(self, agent: str | None = None, mask: Any = None) -> Any:
        space = self.space(agent)
        space.seed(int(self._rng.integers(2**31)))
        return space.sample(mask) if mask is not None else space.sample()

    def step(self) -> None:
        """One valid step (one agent's turn in the AEC form); sets :attr:`ended` when the episode ended."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.form == "gym":
                _, reward, terminated, _, _ = self.env.step(self.sample())
                # Only the env's own ending: stepping on after gym.make's time limit truncated is allowed.
                self.ended, self.rewards = bool(terminated), [float(reward)]
            elif self.form == "parallel":
                _, rewards, _, _, _ = self.env.step({a: self.sample(a) for a in self.env.agents})
                self.ended, self.rewards = not self.env.agents, [float(r) for r in rewards.values()]
            else:
                self.env.step(self.aec_action())
                self.ended, self.rewards = not self.env.agents, [float(r) for r in self.env.rewards.values()]

    def aec_action(self) -> Any:
        agent = self.env.agent_selection
        if self.env.terminations.get(agent) or self.env.truncations.get(agent):
            return None
        observation = self.env.observe(agent)
        mask = observation.get("action_mask") if isinstance(observation, dict) else None
        return self.sample(agent, None if mask is None else np.asarray(mask, dtype=np.int8))

    def finish_cycle(self) -> None:
        """The AEC form: valid turns until the parallel step resolves (the agent after the current cycle)."""
        for _ in range(len(self.env.possible_agents) + 1):
            if not self.env.agents:
                return
            self.step()

    def close(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.env.close()

    # -- what the environment accepts ---------------------------------------------------------------
    def constructor(self) -> tuple[list[str], dict[str, inspect.Parameter]]:
        """The constructor's keyword arguments (through ``**kwargs`` passed on to a base class, not through a
        ``**unknown`` that is refused), and every parameter of the class hierarchy by name."""
        base = self.env.unwrapped if self.form == "gym" else getattr(self.env, "unwrapped", self.env)
        base = getattr(base, "env", base)  # PettingZoo's parallel_to_aec keeps the parallel game as .env
        names: list[str] = []
        params: dict[str, inspect.Parameter] = {}
        passed_on = True
        for cls in type(base).__mro__:
            if "__init__" not in vars(cls):
                continue
            signature = inspect.signature(cls.__init__).parameters.values()
            for p in signature:
                params.setdefault(p.name, p)
            if passed_on:
                names += [p.name for p in signature
                          if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
                passed_on = any(p.kind is p.VAR_KEYWORD and p.name != "unknown" for p in signature)
        return [n for n in dict.fromkeys(names) if n not in IDENTITY], params


def judge(error: BaseException, env_id: str, needles: Sequence[str], framework: bool = False) -> tuple[str, str]:
    """``clear`` when ``error`` is a ``ValueError``/``TypeError``/Gymnasium error naming ``env_id``, every one of
    ``needles`` and what was expected; ``framework`` also accepts Gymnasium's own ``ResetNeeded`` as it is."""
    import gymnasium

    message = str(error)
    detail = f"{type(error).__name__}: {message}"[:300]
    if framework and isinstance(error, gymnasium.error.ResetNeeded) and "reset" in message.lower():
        return "clear", detail
    typed = isinstance(error, (ValueError, TypeError, gymnasium.error.Error))
    named = env_id in message and all(n.lower() in message.lower() for n in needles)
    expects = any(word in message.lower() for word in EXPECTATION)
    return ("clear" if typed and named and expects else "obscure"), detail


def _attempt(env_id: str, call: Callable[[], Any], follow: Callable[[], Any], needles: Sequence[str],
             framework: bool = False) -> tuple[str, str]:
    """The class of ``call`` (an invalid input), judged by its error or, without one, by the valid ``follow``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except Exception as error:  # noqa: BLE001 - every error is classified
            return judge(error, env_id, needles, framework)
        try:
            follow()
        except Exception as error:  # noqa: BLE001
            return "late", f"{type(error).__name__}: {error}"[:300]
    return "silent", ""


def _runtime_cases(driver: Driver) -> Iterator[tuple[str, str, Callable[[], Any], Callable[[], Any], tuple[str, ...]]]:
    """``(kind, label, bad call, follow-up valid calls, needles)`` for a reset environment."""
    env = driver.env
    if driver.form == "gym":
        space = env.action_space
        for label, action in _actions_for(space):
            yield "action", label, (lambda a=action: env.step(a)), driver.step, ("action",)
    elif driver.form == "parallel":
        agents = driver.agents()
        first = agents[0]

        def valid() -> dict[str, Any]:
            return {a: driver.sample(a) for a in env.agents}

        for label, action in _actions_for(env.action_space(first)):
            yield "action", label, (lambda a=action: env.step({**valid(), first: a})), driver.step, ("action", first)
        yield "agents", "a list instead of a dict", (lambda: env.step(list(valid().values()))), driver.step, ("actions",)
        yield "agents", "None instead of a dict", (lambda: env.step(None)), driver.step, ("actions",)
        yield "agents", "empty dict", (lambda: env.step({})), driver.step, (first,)
        yield "agents", f"missing {first}", (lambda: env.step({a: v for a, v in valid().items() if a != first})), \
            driver.step, (first,)
        yield "agents", "extra agent", (lambda: env.step({**valid(), "nobody_0": driver.sample(first)})), \
            driver.step, ("nobody_0",)
        yield "agents", "agent as int", (lambda: env.step({**valid(), 0: driver.sample(first)})), \
            driver.step, ("agent",)
    else:
        first = env.agent_selection
        for label, action in _actions_for(env.action_space(first)):
            yield "action", label, (lambda a=action: env.step(a)), driver.finish_cycle, ("action",)
    for label, seed in BAD_SEEDS:
        yield "seed", label, (lambda s=seed: env.reset(seed=s)), driver.step, ("seed",)
    for label, options, needle in _bad_options(driver):
        yield "options", label, (lambda o=options: env.reset(seed=0, options=o)), driver.step, (needle,)


def _actions_for(space: Any) -> list[tuple[str, Any]]:
    from gymnasium import spaces

    if isinstance(space, spaces.Discrete):
        return bad_discrete_actions(int(space.n))
    if isinstance(space, spaces.Box):
        return bad_box_actions(space.shape)
    return [("None", None), ("text", "garbage")]


def _bad_options(driver: Driver) -> list[tuple[str, Any, str]]:
    cases = [("text", "x", "options"), ("int", 3, "options"), ("list", ["goal"], "options")]
    if driver.form == "gym":
        # PettingZoo's own API tests reset with options={"options": 1} and require it ignored: framework-normal.
        cases.append(("unknown key", {"bogus_option": 1}, "bogus_option"))
    observation_space = driver.env.observation_space if driver.form == "gym" else None
    goal = getattr(observation_space, "spaces", {}).get("desired_goal")
    if goal is not None:
        shape = goal.shape
        cases += [("goal of NaNs", {"goal": np.full(shape, np.nan)}, "goal"),
                  ("goal of wrong shape", {"goal": np.zeros(shape[0] + 1)}, "goal"),
                  ("goal as text", {"goal": "up"}, "goal")]
    return cases


def fuzz_env(env_id: str, form: str, kinds: Sequence[str] | None = None) -> list[Result]:
    """Every case of ``env_id`` in ``form`` (``kinds`` restricts them: action, agents, seed, options,
    kwargs, lifecycle)."""
    results: list[Result] = []

    def add(kind: str, label: str, verdict: str, detail: str) -> None:
        results.append(Result(env_id, form, kind, label, verdict, detail))

    driver = Driver(env_id, form)
    try:
        driver.reset()
        for kind, label, call, follow, needles in _runtime_cases(driver):
            if kinds and kind not in kinds:
                continue
            verdict, detail = _attempt(env_id, call, follow, needles)
            try:
                driver.reset()
            except Exception as error:  # noqa: BLE001 - a refusal that broke the env is a late failure
                if verdict != "late":
                    verdict, detail = "late", f"reset after it: {type(error).__name__}: {error}"[:300]
                driver.close()
                driver = Driver(env_id, form)
                driver.reset()
            add(kind, label, verdict, detail)
        names, params = driver.constructor()
    finally:
        driver.close()
    if not kinds or "kwargs" in kinds:
        for label, kwargs, needle in _bad_kwargs(form, names, params):
            add("kwargs", label, *_kwargs_case(env_id, form, kwargs, needle))
    if not kinds or "lifecycle" in kinds:
        for label, verdict, detail in _lifecycle(env_id, form, names):
            add("lifecycle", label, verdict, detail)
    return results


def _bad_kwargs(form: str, names: Sequence[str], params: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    yield "unknown keyword", {"bogus_option": 1}, "bogus_option"
    for name in names:
        values = BAD_KWARGS.get(name, lambda: [])()
        if form == "gym" and name == "render_mode":
            # gymnasium.make itself calls render_mode.endswith() before the env runs: not palaestra's to check.
            values = [v for v in values if isinstance(v, str)]
        param = params.get(name)
        if param is not None and param.default is not None and "None" not in str(param.annotation) and values:
            values.append(None)
        for value in values:
            yield f"{name}={value!r}", {name: value}, name


def _kwargs_case(env_id: str, form: str, kwargs: dict[str, Any], needle: str) -> tuple[str, str]:
    holder: list[Driver] = []

    def build() -> None:
        holder.append(Driver(env_id, form, kwargs))

    def use() -> None:
        driver = holder[0]
        driver.reset()
        driver.step()
        for reward in driver.rewards:
            if not math.isfinite(reward):
                raise ValueError(f"non-finite reward {reward}")

    try:
        return _attempt(env_id, build, use, (needle,))
    finally:
        for driver in holder:
            driver.close()


def _lifecycle(env_id: str, form: str, names: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    """Steps before reset, after a game's match ended and after close, on one environment in turn (games get a
    short match). Gymnasium leaves stepping on after ``terminated`` to the env (goal envs keep simulating, and
    hindsight replays rely on it), so only the games' end is fuzzed."""
    try:
        driver = Driver(env_id, form, {k: v for k, v in SHORT_EPISODE.items() if k in names})
    except TypeError:  # a factory that fixes what its class takes (a one-hand Kuhn game: no ``hands``)
        driver = Driver(env_id, form)
    env, nothing = driver.env, (lambda: None)

    def step_all() -> Any:
        if form == "parallel":
            return env.step({a: driver.sample(a) for a in driver.agents()})
        return env.step(driver.sample(driver.agents()[0] if form == "aec" else None))

    try:
        yield "step before reset", *_attempt(env_id, step_all, nothing, ("reset",), framework=form == "gym")
        if form == "parallel":
            yield "step({}) before reset", *_attempt(env_id, lambda: env.step({}), nothing, ("reset",))
        if form != "gym" and _run_to_end(driver):
            yield "step after the match ended", *_attempt(env_id, step_all, nothing, ("reset",))
            if form == "parallel":
                yield "step({}) after the match ended", *_attempt(env_id, lambda: env.step({}), nothing, ("reset",))
        driver.reset()
        driver.close()
        yield "step after close", *_attempt(env_id, step_all, nothing, ("close",))
        yield "reset after close", *_attempt(env_id, lambda: env.reset(seed=0), nothing, ("close",))
    finally:
        driver.close()


def _run_to_end(driver: Driver) -> bool:
    """Play valid steps until the match ends (within :data:`MAX_STEPS_TO_END`); ``False`` if it does not."""
    driver.reset()
    for _ in range(MAX_STEPS_TO_END):
        driver.step()
        if driver.ended:
            return True
    return False


def forms(record: Any) -> list[str]:
    """The forms an ID is used in: ``gym`` for single-agent IDs, ``parallel`` (when it has one) and ``aec``."""
    if not record.multi_agent:
        return ["gym"]
    return (["parallel"] if record.parallel else []) + ["aec"]


def fuzz(ids: Sequence[str] | None = None, kinds: Sequence[str] | None = None) -> list[Result]:
    """Every case of every registered ID (or of ``ids``) in every form."""
    from palaestra import registry

    records = [registry.get(i) for i in ids] if ids else list(registry.records())
    return [r for record in records for form in forms(record) for r in fuzz_env(record.id, form, kinds)]


def counts(results: Sequence[Result]) -> dict[str, int]:
    tally = Counter(r.verdict for r in results)
    return {c: tally.get(c, 0) for c in CLASSES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m palaestra.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--id", dest="ids", nargs="+", metavar="ID", help="only these IDs (default: all)")
    parser.add_argument("--kind", dest="kinds", nargs="+", metavar="KIND",
                        help="only these kinds: action agents seed options kwargs lifecycle")
    parser.add_argument("--show", nargs="*", default=None, metavar="CLASS",
                        help="list the cases of these classes (default with no value: obscure silent late)")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    results = fuzz(args.ids, args.kinds)
    if args.show is not None:
        show = set(args.show or ("obscure", "silent", "late"))
        for r in results:
            if r.verdict in show:
                print(f"{r.verdict:8} {r.env_id} [{r.form}] {r.kind}: {r.label}  {r.detail}")
    by_kind: dict[str, Counter] = {}
    for r in results:
        by_kind.setdefault(r.kind, Counter())[r.verdict] += 1
    print(f"{'kind':10}" + "".join(f"{c:>9}" for c in CLASSES))
    for kind, tally in by_kind.items():
        print(f"{kind:10}" + "".join(f"{tally.get(c, 0):>9}" for c in CLASSES))
    total = counts(results)
    print(f"{'total':10}" + "".join(f"{total[c]:>9}" for c in CLASSES) + f"   ({len(results)} cases)")
    return 0 if total["clear"] == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
