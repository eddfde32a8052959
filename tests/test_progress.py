"""Progress reporting (evaluation loops report finished episodes to the listener a command installs) and how results read."""

from __future__ import annotations

from palaestra import get
from palaestra.competitive import evaluate as evaluate_matches
from palaestra.evaluation import evaluate
from palaestra.progress import progress_bar, rate_text, reporting_episodes


def test_episode_and_match_loops_report_each_one_to_the_innermost_listener():
    outer, inner = [], []
    with reporting_episodes(lambda: outer.append(1)):
        with reporting_episodes(lambda: inner.append(1)):
            evaluate(get("palaestra/Reach-v0").load_expert(), "palaestra/Reach-v0", episodes=3)
        evaluate_matches("random", "random", "palaestra/TicTacToe-v0", matches=4)
    assert (len(inner), len(outer)) == (3, 4)
    evaluate_matches("random", "random", "palaestra/TicTacToe-v0", matches=2)  # no listener: nothing to call
    assert (len(inner), len(outer)) == (3, 4)


def test_rate_reads_per_second_or_per_minute():
    assert rate_text(None, "episodes") == "? episodes/s"
    assert rate_text(0.05, "envs") == "3.0 envs/min"
    assert rate_text(12.34, "steps") == "12.3 steps/s"
    assert rate_text(4567.0, "steps") == "4,567 steps/s"


def test_bar_shows_done_total_rate_and_time_left():
    from rich.console import Console

    console = Console(record=True, width=160, force_terminal=True)
    bar = progress_bar("episodes", console=console)
    task = bar.add_task("evaluating", total=10)
    bar.update(task, completed=4)
    console.print(bar.get_renderable())
    text = console.export_text()
    assert "evaluating" in text and "4/10" in text and "episodes/s" in text and "eta" in text


def test_results_print_as_sentences_not_dataclass_dumps():
    result = evaluate(get("palaestra/Reach-v0").load_expert(), "palaestra/Reach-v0", episodes=2)
    assert str(result).startswith("palaestra/Reach-v0: success 100.0% [") and "over 2 episodes" in str(result)
    match = evaluate_matches("random", "random", "palaestra/TicTacToe-v0", matches=2)
    assert str(match).startswith("palaestra/TicTacToe-v0: random vs random over 2 matches: ")
