"""``palaestra/PlayroomLanguage-v0``: follow one instruction, judged by the task oracle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra import instructions
from palaestra.envs.play import oracle
from palaestra.envs.play.env import PlayroomEnv

MAX_TOKENS = 16  # every playroom phrasing fits; longer text is truncated by the vocabulary


class PlayroomLanguageEnv(PlayroomEnv):
    """The playroom with a natural-language instruction per episode.

    Observation: ``Dict(observation, instruction)``: the free playroom's observation and the instruction as
    ``MAX_TOKENS`` int64 token ids of the fixed vocabulary (``palaestra.instructions``; 0 pads). The raw text
    is ``env.unwrapped.instruction`` and ``info["instruction"]``; ``info["task"]`` names the oracle task.
    The task is drawn uniformly among those feasible from the start (``tasks`` restricts them) and its
    phrasing among the ``split`` set (``"train"`` or ``"heldout"``). Other keyword arguments are those of
    the free playroom (``obs_mode``...).
    Reward: 1 on the step where the oracle first sees the task done between the instruction's start
    state and now, and the episode terminates; 0 otherwise. :meth:`instruct` gives a new instruction
    mid-episode (the hook for chains of instructions).
    """

    env_id = "palaestra/PlayroomLanguage-v0"
    accepted = PlayroomEnv.accepted + ("tasks", "split")

    def __init__(
        self,
        split: str = "train",
        tasks: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        self.vocabulary = instructions.vocabulary()
        self.split, self.tasks = split, tasks  # checked with the other options before the scene is built
        super().__init__(**options)  # obs_mode, render_mode, camera, gripper_size, physics
        self.instruction = ""
        self.instruction_task = ""
        self.instruction_start = None
        self._tokens = np.zeros(MAX_TOKENS, dtype=np.int64)

    def _check_arguments(self) -> None:
        if not isinstance(self.split, str) or self.split not in instructions.SPLITS:
            raise ValueError(
                f"{self.env_id}: split={self.split!r} is not valid; expected one of {list(instructions.SPLITS)}"
            )
        self.tasks = self._task_names(self.tasks)

    def _observation_space(self) -> spaces.Space:
        tokens = spaces.Box(0, len(self.vocabulary) - 1, shape=(MAX_TOKENS,), dtype=np.int64)
        return spaces.Dict({"observation": self.scene_space, "instruction": tokens})

    def instruct(self, task: str, text: str | None = None) -> None:
        """Ask for ``task`` from the current state on, phrased as ``text`` or by a phrasing drawn from the split."""
        if task not in oracle.TASKS:
            raise ValueError(f"{self.env_id}: unknown task {task!r}; expected one of {list(oracle.TASKS)}")
        if text is None:
            text = instructions.phrasings("play", task).draw(self.split, self.np_random)
        self.instruction, self.instruction_task, self.instruction_start = text, task, self.state
        self._tokens = self.vocabulary.encode(text, MAX_TOKENS)

    def _begin_episode(self) -> None:
        names = oracle.feasible(self.start_state, self.tasks)
        if not names:
            raise ValueError(f"{self.env_id}: none of the tasks {self.tasks} is feasible from this start state")
        self.instruct(names[self.np_random.integers(len(names))])

    def _obs(self) -> dict[str, Any]:
        return {"observation": self._scene_obs(), "instruction": self._tokens.copy()}

    def _done(self) -> bool:
        return oracle.TASKS[self.instruction_task].check(self.instruction_start, self.state)

    def _judge(self) -> tuple[float, bool]:
        done = self._done()
        return (1.0 if done else 0.0), done

    def _info(self) -> dict[str, Any]:
        return {"is_success": self._done(), "instruction": self.instruction, "task": self.instruction_task}
