"""``palaestra/PlayroomChain-v0``: a chain of instructions in one episode, without resets (CALVIN's protocol)."""

from __future__ import annotations

from typing import Any

from palaestra.envs.play import oracle
from palaestra.envs.play.language_env import PlayroomLanguageEnv
from palaestra.checks import check_positive_int

CHAIN_LENGTH = 5
STEPS_PER_INSTRUCTION = 150  # PlayroomLanguage-v0's episode length


class PlayroomChainEnv(PlayroomLanguageEnv):
    """The language playroom with ``length`` instructions in a row; one episode is one chain.

    Observation and action: those of ``PlayroomLanguage-v0`` (the instruction tokens change when the next
    instruction is given). The first task is drawn as in that env. Each next task is drawn among those feasible
    from the state the previous one left, preferring tasks not yet asked in this chain.
    Reward: 1 for each instruction the oracle sees done. The episode terminates when all ``length`` are done
    (``info["is_success"]``), and is cut short when one instruction is not done within
    ``steps_per_instruction`` steps. ``info["chain_completed"]`` counts the instructions done in a row, and the
    average of its final value over episodes is CALVIN's average length. :func:`palaestra.envs.play.chains.
    evaluate_chains` reports the same figures with the success rate at every chain position.
    """

    env_id = "palaestra/PlayroomChain-v0"
    accepted = PlayroomLanguageEnv.accepted + ("length", "steps_per_instruction")

    def __init__(self, length: int = CHAIN_LENGTH, steps_per_instruction: int = STEPS_PER_INSTRUCTION,
                 **options: Any) -> None:
        self.length, self.steps_per_instruction = length, steps_per_instruction  # checked before the scene is built
        super().__init__(**options)
        self.asked: list[str] = []
        self.completed = 0
        self._since_instruction = 0

    def _check_arguments(self) -> None:
        super()._check_arguments()
        self.length = check_positive_int(self.env_id, "length", self.length)
        self.steps_per_instruction = check_positive_int(self.env_id, "steps_per_instruction", self.steps_per_instruction)

    def _begin_episode(self) -> None:
        super()._begin_episode()
        self.asked, self.completed, self._since_instruction = [self.instruction_task], 0, 0

    def _judge(self) -> tuple[float, bool]:
        self._since_instruction += 1
        if self._done():
            self.completed += 1
            if self.completed == self.length:
                return 1.0, True
            feasible = oracle.feasible(self.state, self.tasks)
            fresh = [t for t in feasible if t not in self.asked]
            choices = fresh or feasible
            self.instruct(choices[self.np_random.integers(len(choices))])
            self.asked.append(self.instruction_task)
            self._since_instruction = 0
            return 1.0, False
        return 0.0, self._since_instruction >= self.steps_per_instruction

    def _info(self) -> dict[str, Any]:
        return {
            "is_success": self.completed == self.length,
            "chain_completed": self.completed,
            "instruction": self.instruction,
            "task": self.instruction_task,
        }
