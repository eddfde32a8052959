"""The documentation works: every fenced Python example runs, every relative link resolves, every env page
states what a user needs.

Each page's ```python blocks run in order in one namespace (a page may build on its earlier blocks), in a
scratch folder. Long examples run with their budgets capped (episodes, matches, training steps, collected
steps) by wrapping the library functions they call: the code run is the page's own.
"""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path

import pytest

from palaestra import registry, third_party
from palaestra.docs import code_blocks

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def python_blocks(page: Path) -> list[tuple[int, str]]:
    return code_blocks(page.read_text())


def _cap(fn, **limits):
    """``fn`` with each named count argument capped at its limit (a default of None means the limit)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def capped(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name, limit in limits.items():
            value = bound.arguments.get(name, signature.parameters[name].default)
            if value is None and bound.arguments.get("seeds") is not None:
                continue  # explicit seeds fix the count
            bound.arguments[name] = limit if value is None else min(value, limit)
        return fn(*bound.args, **bound.kwargs)

    return capped


@pytest.fixture
def reduced_budget(monkeypatch):
    """Cap the counts of the long-running calls the pages make, wherever a page imports them from."""
    import palaestra.competitive as competitive
    import palaestra.evaluation as evaluation
    from palaestra.evaluation import episodes, matches

    caps = [
        ((evaluation, episodes), "evaluate", {"episodes": 2}),
        ((competitive, matches), "evaluate", {"matches": 2}),
        ((competitive, matches), "round_robin", {"matches": 2}),
    ]
    try:
        import palaestra.data as data
        import palaestra.data.collect as collect

        caps += [((data, collect), "collect_play", {"episodes": 1, "steps_per_episode": 240}),
                 ((data, collect), "collect_demos", {"steps": 150})]
    except ImportError:  # the data extra is missing: its page fails on import, as it would for a reader
        pass
    for modules, name, limits in caps:
        capped = _cap(getattr(modules[0], name), **limits)
        for module in modules:
            monkeypatch.setattr(module, name, capped)
    try:
        from stable_baselines3.common.base_class import BaseAlgorithm
        from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
    except ImportError:
        return
    # Training: a few steps past SAC's 100 warm-up steps, and a replay buffer that is not 1M transitions.
    setup = BaseAlgorithm._setup_learn
    monkeypatch.setattr(BaseAlgorithm, "_setup_learn",
                        lambda self, total_timesteps, *a, **k: setup(self, min(total_timesteps, 120), *a, **k))
    monkeypatch.setattr(OffPolicyAlgorithm, "__init__", _cap(OffPolicyAlgorithm.__init__, buffer_size=5_000))


# A library bug the page runs into, not a page error: strict, so the fix turns this into a failure to remove it.
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize("page", [
    pytest.param(p, marks=[pytest.mark.xfail(strict=True, raises=FileNotFoundError, reason=KNOWN[name])]
                 if (name := str(p.relative_to(ROOT))) in KNOWN else [], id=name)
    for p in PAGES if python_blocks(p)
])
def test_page_examples_run(page, tmp_path, monkeypatch, reduced_budget):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    before = set(registry.ids())
    try:
        for line, block in python_blocks(page):
            # Leading newlines put a traceback's line numbers on the page's own lines.
            exec(compile("\n" * line + block, str(page), "exec"), namespace)
    finally:
        for env_id in set(registry.ids()) - before:  # a page that registers its own environment
            third_party.unregister(env_id)


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # code is not a link
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_fences_are_found_where_the_pages_have_them():
    # Guards the runner itself: a page with an example must yield it, with its first line.
    quickstart = python_blocks(ROOT / "docs" / "quickstart.md")
    assert len(quickstart) >= 5 and quickstart[0][1].startswith("import gymnasium as gym")


@pytest.mark.parametrize("record", registry.RECORDS, ids=lambda r: r.name)
def test_env_description_states_reward_kwargs_success_and_perturbations(record):
    from palaestra.docs import describe

    d = describe(record)
    assert d.reward, f"{record.id}: no 'Reward:' section in its environment or entry point docstring"
    assert "render_mode" in d.options and all(name in d.options for name in record.kwargs)
    assert d.success
    assert bool(d.perturbations) == ("preset" in record.kwargs)
    # The committed page says what the code says (a changed reward or success rule needs the page regenerated).
    page = ROOT / "docs" / "envs" / f"{record.name}.md"
    stale = f"{page.relative_to(ROOT)} is out of date: run python -m palaestra.docs --ids {record.id}"
    text = page.read_text() if page.exists() else ""
    assert d.reward in text and f"| Success | {d.success} |" in text, stale
    assert all(line in text for line in d.perturbations), stale
    assert (page.parent / "img" / f"{record.name}.png").exists(), stale


def test_a_task_with_its_own_success_test_documents_it():
    # The page's success rule is read from the task class: a task that changes the default distance test
    # must say its rule in a "Success:" sentence, so a changed rule cannot leave the page saying the old one.
    from palaestra.docs import success_rule
    from palaestra.envs.manipulation.task import Task
    from palaestra.envs.manipulation.tasks import TASKS

    for name, task in TASKS.items():
        own = any(getattr(task, m) is not getattr(Task, m) for m in ("is_success", "goal_distance"))
        if own:
            assert "Success:" in (task.__doc__ or ""), f"task {name!r} overrides its success test, no Success: line"
    record = registry.get("palaestra/Reach-v0")
    threshold_cm = TASKS["reach"].distance_threshold * 100
    assert success_rule(record, TASKS["reach"]).startswith(f"achieved goal within {threshold_cm:g} cm")
