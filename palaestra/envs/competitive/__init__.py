"""PettingZoo games: one module per game, each a pure rules/physics core with a thin PettingZoo shell.

Conventions every game follows (the conformance tests and the competitive tools rely on them):

* The module has ``env(**kwargs)`` (AEC) and, for simultaneous-move games, ``parallel_env(**kwargs)``; the
  registry record's entry point names one of them. Unknown kwargs raise a ``TypeError`` naming the ID.
* ``possible_agents`` are named ``"<team>_<i>"``; the env's ``teams`` attribute maps each team (side) to its
  agents in order, e.g. ``{"left": ("left_0",), "right": ("right_0",)}``.
* When a match ends, the ``info`` of every agent still playing carries ``"outcome"``: ``1`` win, ``0`` draw,
  ``-1`` loss (an agent that left earlier, such as a tagged prey, may lack it; its team's result is its own).
  A game that ends on its own clock (``max_cycles``) decides by score, so every match has an outcome.
* An action for an unknown or finished agent, or a malformed action, raises ``ValueError`` naming the ID
  (see :mod:`palaestra.envs.competitive.common`).
* Randomness only from the env's generator seeded by ``reset(seed=...)``; same seed, same match.
* Scripted opponents: a module-level ``OPPONENTS`` dict, weakest level first (``"random"``), of
  :data:`palaestra.competitive.policy.PolicyFactory` values building :class:`~palaestra.competitive.Policy`.
"""
