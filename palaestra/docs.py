"""Environment reference pages generated from the registry: ``python -m palaestra.docs [--out docs]``.

Writes ``<out>/envs/<Name>.md`` and ``<out>/envs/img/<Name>.png`` per record and ``<out>/envs/index.md``
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

from palaestra import registry
from palaestra.registry import EnvRecord

IMAGE_SIZE = 256


@dataclass(frozen=True)
class EnvDescription:
    """What a user needs to know about one ID: the record's fields plus facts read from a built environment.

    ``options`` are the constructor's keyword arguments with their defaults, the record's kwargs applied;
    ``reward`` and ``observation`` are those sections of the environment class docstring; ``task`` is the
    docstring of the environment's task object (what the goal and the task's observation part mean), if any.
    """

    record: EnvRecord
    observation_space: str
    action_space: str
    reward: str
    options: Mapping[str, Any]
    observation: str = ""
    task: str = ""


def describe(record: EnvRecord) -> EnvDescription:
    """Describe ``record``, building its environment once to read the spaces."""
    env = _build(record)
    try:
        if record.multi_agent:
            agents = env.possible_agents
            observation = "\n".join(f"{a}: {env.observation_space(a)}" for a in agents)
            action = "\n".join(f"{a}: {env.action_space(a)}" for a in agents)
        else:
            observation, action = str(env.observation_space), str(env.action_space)
        task = getattr(env.unwrapped, "task", None)
        task_doc = inspect.getdoc(type(task)) or "" if task is not None else ""
    finally:
        env.close()
    entry = record.load_entry_point()
    return EnvDescription(
        record,
        observation,
        action,
        docstring_section(entry, "Reward"),
        options(record),
        observation=docstring_section(entry, "Observation"),
        task=task_doc,
    )


def options(record: EnvRecord) -> dict[str, Any]:
    """The entry point's keyword arguments and defaults, with the values the record fixes.

    A class constructor that passes ``**kwargs`` on to its base class also lists the base's arguments.
    """
    entry = record.load_entry_point()
    signatures = [inspect.signature(entry)]
    if inspect.isclass(entry):
        signatures = [inspect.signature(c.__init__) for c in inspect.getmro(entry) if "__init__" in vars(c)]
    found: dict[str, Any] = {}
    for signature in signatures:
        for name, param in signature.parameters.items():
            if name == "self" or name in found or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            found[name] = record.kwargs.get(name, None if param.default is param.empty else param.default)
        if not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            break
    return found


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
            # reST literals (``x``) read as Markdown code and in a terminal as `x`.
            return re.sub(r"``(.+?)``", r"`\1`", " ".join(text))
    return ""


def render_image(record: EnvRecord, size: int = IMAGE_SIZE) -> np.ndarray:
    """An RGB frame of the environment just after ``reset(seed=0)``, rendered headless."""
    kwargs: dict[str, Any] = {"render_mode": "rgb_array"}
    if "camera" in options(record):
        from palaestra.sim.world import CameraConfig

        kwargs["camera"] = CameraConfig(width=size, height=size)
    env = _build(record, **kwargs)
    try:
        env.reset(seed=0)
        return np.asarray(env.render(), dtype=np.uint8)
    finally:
        env.close()


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
    expert = f"`{r.expert}` (success threshold {r.expert_threshold:.0%})" if r.expert else "none yet"
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
        f"| Success | {r.success} |",
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
        description.reward or "See the environment class docstring.",
        "",
        "## Keyword arguments",
        "",
        "| name | default |",
        "|---|---|",
        *(
            f"| `{name}` | `{value!r}`{' (set by this ID)' if name in r.kwargs else ''} |"
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
        expert = r.expert.rpartition(":")[2] if r.expert else "-"
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
        write_png(image, render_image(r))
        page = envs_dir / f"{r.name}.md"
        guide = Path(out) / "guides" / f"{guide_name(r)}.md"
        link = f"../guides/{guide.name}" if guide.exists() else None
        page.write_text(env_page(describe(r), f"img/{image.name}", link))
        written += [page, image]
    index = envs_dir / "index.md"
    index.write_text(index_page(registry.RECORDS))
    return [*written, index]


def _build(record: EnvRecord, **kwargs: Any) -> Any:
    import palaestra

    if record.multi_agent:
        return (palaestra.make_parallel if record.parallel else palaestra.make_aec)(record.id, **kwargs)
    return palaestra.make(record.id, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m palaestra.docs``."""
    parser = argparse.ArgumentParser(prog="python -m palaestra.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="documentation root (default: docs)")
    parser.add_argument("--ids", nargs="+", metavar="ID", help="only these pages (the index always lists all)")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.ids):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
