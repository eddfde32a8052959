"""Environment reference pages generated from the registry: ``python -m palaestra.docs [--out docs]``.

Writes ``<out>/envs/<Name>.md`` and ``<out>/envs/img/<Name>.png`` (four frames of an episode) per record and
``<out>/envs/index.md``
(the table of every record). :func:`describe` is also what ``palaestra info`` prints, so the pages and the
command never disagree.
"""

from __future__ import annotations

import argparse
import inspect
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from palaestra import registry, third_party
from palaestra.registry import EnvRecord

IMAGE_SIZE = 256
PREVIEW_FRAMES = 4
PREVIEW_STEPS = 150


@dataclass(frozen=True)
class EnvDescription:
    """What a user needs to know about one ID: the record's fields plus facts read from a built environment.

    ``options`` are the constructor's keyword arguments with their defaults, the record's kwargs applied;
    ``reward`` and ``observation`` are those sections of the environment class docstring; ``task`` is the
    docstring of the environment's task object (what the goal and the task's observation part mean), if any;
    ``success`` the success rule read from the task class (see :func:`success_rule`); ``perturbations`` the
    disturbances a perturbation preset applies, one line each.
    """

    record: EnvRecord
    observation_space: str
    action_space: str
    reward: str
    options: Mapping[str, Any]
    observation: str = ""
    task: str = ""
    success: str = ""
    perturbations: tuple[str, ...] = ()


def describe(record: EnvRecord) -> EnvDescription:
    """Describe ``record``, building its environment once to read the spaces and its classes."""
    from palaestra.video import build

    env = build(record)
    try:
        if record.multi_agent:
            agents = env.possible_agents
            observation = "\n".join(f"{a}: {env.observation_space(a)}" for a in agents)
            action = "\n".join(f"{a}: {env.action_space(a)}" for a in agents)
        else:
            observation, action = str(env.observation_space), str(env.action_space)
        env_class = type(env.unwrapped)
        task = getattr(env.unwrapped, "task", None)
        task_class = type(task) if task is not None and not isinstance(task, (str, int)) else None
    finally:
        env.close()
    entry = record.load_entry_point()
    return EnvDescription(
        record,
        observation,
        action,
        _first(docstring_section, (entry, env_class), "Reward") or _first(sentence, (entry, env_class), "Reward"),
        options(record, env_class),
        observation=_first(docstring_section, (entry, env_class), "Observation"),
        task=inspect.getdoc(task_class) or "" if task_class is not None else "",
        success=success_rule(record, task_class or env_class),
        perturbations=perturbations(record),
    )


def options(record: EnvRecord, env_class: type | None = None) -> dict[str, Any]:
    """The entry point's keyword arguments and defaults, with the values the record fixes.

    A constructor that passes ``**kwargs`` on (to its base class, or a factory function to ``env_class``, a
    preset to the task it wraps) also lists the arguments they take; ``**unknown`` marks a constructor that
    refuses anything else, so the chain stops there.
    """
    signatures = _signatures(record.load_entry_point())
    base_id = record.kwargs.get("base_id")
    if base_id is not None:  # a perturbation preset passes its kwargs to the base task's entry point
        signatures += _signatures(registry.get(base_id).load_entry_point())
    if env_class is not None:
        signatures += _signatures(env_class)
    fixed = fixed_kwargs(record)
    found: dict[str, Any] = {}
    for signature in signatures:
        for name, param in signature.parameters.items():
            if name == "self" or name in found or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            found[name] = fixed.get(name, None if param.default is param.empty else param.default)
        passes_on = [p for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD and p.name != "unknown"]
        if not passes_on:
            break
    return found


def fixed_kwargs(record: EnvRecord) -> dict[str, Any]:
    """The keyword arguments an ID sets: its own, and for a perturbation preset its base task's."""
    base_id = record.kwargs.get("base_id")
    return {**(registry.get(base_id).kwargs if base_id is not None else {}), **record.kwargs}


def _signatures(entry: Any) -> list[inspect.Signature]:
    if inspect.isclass(entry):
        return [inspect.signature(c.__init__) for c in inspect.getmro(entry) if "__init__" in vars(c)]
    return [inspect.signature(entry)]


def success_rule(record: EnvRecord, task_class: type | None) -> str:
    """The success rule as the code states it, so a changed rule shows on the page without retyping it.

    From the task's (or environment's) docstring ``Success:`` sentence when it has one; else, for a task
    that keeps :class:`~palaestra.envs.manipulation.task.Task`'s distance test, from its
    ``distance_threshold``; else the registry's one-line ``success``.
    """
    stated = sentence(task_class, "Success") if task_class is not None else ""
    if stated:
        return stated
    from palaestra.envs.manipulation.task import Task

    if task_class is not None and issubclass(task_class, Task):
        default_test = all(
            getattr(task_class, method) is getattr(Task, method) for method in ("is_success", "goal_distance")
        )
        if default_test:
            threshold = float(task_class.distance_threshold)
            return (f"achieved goal within {threshold * 100:g} cm of the desired goal "
                    f"(`distance_threshold = {threshold:g}`).")
    return record.success


def sentence(obj: Any, title: str) -> str:
    """The sentence after ``Title:`` anywhere in ``obj``'s docstring, up to the next sentence ("" when absent).

    A number the sentence names as one of ``obj``'s attributes (``:attr:`GOAL```) reads as its value.
    """
    doc = " ".join((inspect.getdoc(obj) or "").split())
    found = re.search(rf"\b{re.escape(title)}: (.+?\.)(?=\s+[A-Z]|\s*$)", doc)
    if not found:
        return ""

    def value(role: re.Match) -> str:
        attribute = getattr(obj, role.group(1), None)
        number = isinstance(attribute, (int, float)) and not isinstance(attribute, bool)
        return f"{attribute:g}" if number else role.group(0)

    return _markdown(re.sub(r":attr:`([A-Za-z_]\w*)`", value, found.group(1)))


def _first(read: Any, objects: Sequence[Any], title: str) -> str:
    return next((text for text in (read(obj, title) for obj in objects) if text), "")


def code_blocks(text: str, language: str = "python") -> list[tuple[int, str]]:
    """The fenced ```language blocks of Markdown ``text``, each with the line its code starts on (0-based)."""
    fence = re.compile(rf"^```{re.escape(language)}\n(.*?)^```", re.S | re.M)
    return [(text.count("\n", 0, m.start(1)), m.group(1)) for m in fence.finditer(text)]


def _markdown(text: str) -> str:
    """reST literals (````x````) and roles (``:attr:`x```) as Markdown code, which also reads well in a terminal."""
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", re.sub(r"``(.+?)``", r"`\1`", text))


def perturbations(record: EnvRecord) -> tuple[str, ...]:
    """The disturbances of a perturbation preset (``kind(arguments): what it does``), none for other IDs."""
    preset = record.kwargs.get("preset")
    if preset is None:
        return ()
    from palaestra.wrappers.perturb.presets import PRESETS

    lines = []
    for perturbation in PRESETS[preset]:
        doc = (inspect.getdoc(type(perturbation)) or "").split("\n\n")[0]
        lines.append(f"`{perturbation!r}`: {_markdown(' '.join(doc.split()))}")
    return tuple(lines)


def docstring_section(obj: Any, title: str) -> str:
    """The ``Title: ...`` paragraph of ``obj``'s docstring, continuation lines joined ("" when absent).

    A section ends at a blank line or at a line starting with a capital letter (the next sentence or
    section), which is how the environment docstrings are written.
    """
    lines = inspect.getdoc(obj).splitlines() if inspect.getdoc(obj) else []
    prefix = f"{title}:"
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            text = [line[len(prefix):].strip()]
            for follow in lines[i + 1:]:
                if not follow.strip() or follow[:1].isupper():
                    break
                text.append(follow.strip())
            return _markdown(" ".join(text))
    return ""


def preview(record: EnvRecord, size: int = IMAGE_SIZE, count: int = PREVIEW_FRAMES) -> np.ndarray:
    """``count`` frames of an episode from ``reset(seed=0)`` side by side, ``size`` px high.

    The scripted expert (a game's strongest level on every side) plays when there is one, else random
    actions; at most :data:`PREVIEW_STEPS` steps, so a long match shows its opening.
    """
    from palaestra.video import frames, policy_names, strip

    policy = "expert" if "expert" in policy_names(record.id) else "random"
    steps = min(record.max_episode_steps or PREVIEW_STEPS, PREVIEW_STEPS)
    return strip(frames(record.id, policy, steps=steps, size=size), count, size)


def write_png(path: str | Path, rgb: np.ndarray) -> None:
    """Write an ``(H, W, 3)`` uint8 array as an 8-bit RGB PNG (no imaging library needed)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB array, got shape {rgb.shape}")
    height, width, _ = rgb.shape
    # Each scanline is prefixed with filter type 0 (none).
    scanlines = np.concatenate((np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)), axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour, no interlace
    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def guide_name(record: EnvRecord) -> str:
    """The hand-written guide of a record (``docs/guides/<name>.md``): its game module, or its family's."""
    if record.family == "play":
        return "playroom"
    if record.family == "drones":
        return "drones"
    return record.entry_point.partition(":")[0].rsplit(".", 1)[-1]


def env_page(description: EnvDescription, image: str | None, guide: str | None = None) -> str:
    """The Markdown page of one environment; ``image`` and ``guide`` are paths relative to the page."""
    r = description.record
    expert = f"`{r.expert_name}` (success threshold {r.expert_threshold:.0%})" if r.expert else "none yet"
    if r.opponents:
        expert = (
            f"scripted opponent levels in `{r.opponents}`; validated by the strongest against the weakest "
            f"(score threshold {r.expert_threshold:.0%})"
        )
    lines = [f"# {r.name}", "", r.summary, ""]
    if image:
        lines += [f"![{r.name}]({image})", ""]
    if description.task:
        lines += [description.task, ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| ID | `{r.id}` |",
        f"| Family | {r.family} |",
        f"| Tags | {', '.join(sorted(r.tags)) or '-'} |",
        f"| Max episode steps | {r.max_episode_steps or 'unlimited'} |",
        f"| Success | {description.success or r.success} |",
        f"| Scripted expert | {expert} |",
        *([f"| Guide | [rules, opponents and measured figures]({guide}) |"] if guide else []),
        "",
        "## Spaces",
        "",
        *([description.observation, ""] if description.observation else []),
        "Observation:",
        "",
        "```",
        description.observation_space,
        "```",
        "",
        "Action:",
        "",
        "```",
        description.action_space,
        "```",
        "",
        "## Reward",
        "",
        description.reward or "none: the environment gives no reward.",
        "",
        *(["## Perturbations", "", f"The `{r.kwargs['preset']}` preset applies, in this order:", "",
           *(f"- {line}" for line in description.perturbations), ""] if description.perturbations else []),
        "## Keyword arguments",
        "",
        "| name | default |",
        "|---|---|",
        *(
            f"| `{name}` | `{value!r}`{' (set by this ID)' if name in fixed_kwargs(r) else ''} |"
            for name, value in description.options.items()
        ),
        "",
        "## Usage",
        "",
        "```python",
        usage(r),
        "```",
        "",
    ]
    return "\n".join(lines)


def usage(record: EnvRecord) -> str:
    """A runnable snippet: make, reset, step and (when there is one) evaluate the scripted expert."""
    if record.multi_agent and not record.parallel:
        lines = [
            "import palaestra",
            "",
            f'env = palaestra.make_aec("{record.id}")',
            "env.reset(seed=0)",
            "for agent in env.agent_iter():",
            "    observation, reward, termination, truncation, info = env.last()",
            '    mask = observation["action_mask"] if isinstance(observation, dict) else None',
            "    env.step(None if termination or truncation else env.action_space(agent).sample(mask))",
        ]
        return "\n".join(lines)
    if record.multi_agent:
        lines = [
            "import palaestra",
            "",
            f'env = palaestra.make_parallel("{record.id}")',
            "observations, infos = env.reset(seed=0)",
            "actions = {agent: env.action_space(agent).sample() for agent in env.agents}",
            "observations, rewards, terminations, truncations, infos = env.step(actions)",
        ]
        return "\n".join(lines)
    lines = [
        "import gymnasium as gym",
        "import palaestra",
        "",
        "gym.register_envs(palaestra)",
        f'env = gym.make("{record.id}")',
        "obs, info = env.reset(seed=0)",
        "obs, reward, terminated, truncated, info = env.step(env.action_space.sample())",
    ]
    if record.expert:
        lines += [
            "",
            "from palaestra.evaluation import evaluate",
            "",
            f'expert = palaestra.get("{record.id}").load_expert()',
            f'result = evaluate(expert, "{record.id}", episodes=20)',
            "print(result.success_rate, result.ci_low, result.ci_high)",
        ]
    return "\n".join(lines)


def index_page(records: Sequence[EnvRecord]) -> str:
    """The Markdown table of ``records`` linking each to its page."""
    lines = [
        "# Environments",
        "",
        "Generated from `palaestra/registry.py` by `python -m palaestra.docs`.",
        "",
        "| Name | ID | Family | Tags | Max steps | Expert | Summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        expert = r.expert_name.rpartition(":")[2] if r.expert else "-"
        lines.append(
            f"| [{r.name}]({r.name}.md) | `{r.id}` | {r.family} | {', '.join(sorted(r.tags))} | "
            f"{r.max_episode_steps or '-'} | {expert} | {r.summary} |"
        )
    return "\n".join(lines) + "\n"


def generate(out: str | Path = "docs", env_ids: Sequence[str] | None = None) -> list[Path]:
    """Write the pages and images of ``env_ids`` (default: every record) and the full index; return the paths."""
    envs_dir = Path(out) / "envs"
    (envs_dir / "img").mkdir(parents=True, exist_ok=True)
    records = [registry.get(i) for i in env_ids] if env_ids else list(registry.RECORDS)
    written = []
    for r in records:
        image = envs_dir / "img" / f"{r.name}.png"
        write_png(image, preview(r))
        page = envs_dir / f"{r.name}.md"
        guide = Path(out) / "guides" / f"{guide_name(r)}.md" if r.builtin else None  # ours, not a third party's
        link = f"../guides/{guide.name}" if guide is not None and guide.exists() else None
        page.write_text(env_page(describe(r), f"img/{image.name}", link))
        written += [page, image]
    index = envs_dir / "index.md"
    index.write_text(index_page(registry.RECORDS))
    return [*written, index]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m palaestra.docs``."""
    parser = argparse.ArgumentParser(prog="python -m palaestra.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="documentation root (default: docs)")
    parser.add_argument("--ids", nargs="+", metavar="ID", help="only these pages (the index always lists all)")
    args = parser.parse_args(argv)
    third_party.load_plugins()  # IDs installed with a palaestra.envs entry point
    for path in generate(args.out, args.ids):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
