"""The instructed task changed mid-episode, as in Adversarial Data Collection (Huang et al., 2025): not a new
phrasing of the same task (:class:`~palaestra.wrappers.perturb.interventions.InstructionSwitch`) but another
task, feasible from the state the robot is in when the switch happens.
"""

from __future__ import annotations

from dataclasses import dataclass

from palaestra import instructions
from palaestra.envs.play import oracle
from palaestra.wrappers.perturb.base import Run
from palaestra.wrappers.perturb.interventions import _Occasional


@dataclass(frozen=True)
class TaskSwitch(_Occasional):
    """The playroom's instructed task replaced by a different feasible task mid-episode.

    For ``palaestra/PlayroomLanguage-v0`` and ``palaestra/PlayroomChain-v0`` (any environment whose
    unwrapped form offers ``instruct(task, text)``, ``instruction_task``, ``tasks`` and ``split``). The new
    task is drawn among those feasible from the current state (within the environment's ``tasks``), with a
    phrasing from the environment's split; from then on the instruction tokens, the success check and the
    reward are the new task's, judged from the state at the switch. In a chain the new task joins the
    tasks asked and must be done in what is left of the current instruction's step budget. Each switch is
    logged in ``info["perturbations"]`` (``target`` the new task, ``previous`` the old one, ``text``).
    ``strength`` > 0 enables it; ``rate``, ``start`` and ``limit`` say when.
    """

    kind = "task_switch"

    def before_step(self, run: Run) -> None:
        env = run.scene.env
        if not all(hasattr(env, name) for name in ("instruct", "instruction_task", "tasks", "split", "state")):
            raise TypeError(f"{getattr(env, 'env_id', type(env).__name__)}: TaskSwitch needs an instructed "
                            f"playroom (palaestra/PlayroomLanguage-v0 or palaestra/PlayroomChain-v0)")
        if not self.due(run):
            return
        previous = env.instruction_task
        choices = [t for t in oracle.feasible(env.state, env.tasks) if t != previous]
        if not choices:
            return
        task = choices[run.rng.integers(len(choices))]
        text = instructions.phrasings("play", task).draw(env.split, run.rng)
        env.instruct(task, text)
        if isinstance(getattr(env, "asked", None), list):  # a chain: the new task counts as asked
            env.asked.append(task)
        run.log(self.kind, 1.0, task, previous=previous, text=text)
