"""The PyBullet client of a :class:`~palaestra.sim.world.World`: bound once, and copied by pickling.

Environments are copied with (cloud)pickle by SuperSuit, Ray and ``multiprocessing``. A client records the
calls that set its scene up, and pickles as a replay of them into a new headless client plus Bullet's own
serialisation of the current state and of every saved state, so a copy is an independent world in the same
state.
"""

from __future__ import annotations

import functools
import os
import tempfile

import pybullet as p
import pybullet_data
from pybullet_utils import bullet_client

from palaestra.sim import meshes, quiet_fd


# What a saved state (saveState / saveBullet) does not hold: the bodies themselves, their dynamics and
# colours, motor targets and engine settings. A client records these calls so that a copy can replay them.
_CREATIONS = frozenset((
    "createCollisionShape", "createCollisionShapeArray", "createVisualShape", "createVisualShapeArray",
    "createMultiBody", "createConstraint", "loadURDF",
))
# Settings: a later call with the same target and keywords replaces an earlier one, so the record stays as
# long as the scene. The value is how many leading positional arguments name the setting's target.
_SETTINGS = {
    "setGravity": 0, "setTimeStep": 0, "setPhysicsEngineParameter": 0, "changeDynamics": 2,
    "changeVisualShape": 2, "changeConstraint": 1, "setCollisionFilterPair": 4, "setCollisionFilterGroupMask": 2,
    "enableJointForceTorqueSensor": 2,
}
_MOTORS = frozenset(("setJointMotorControl2", "setJointMotorControlArray", "setJointMotorControlMultiDof"))
# Calls a replay cannot reproduce; after one of them a copy is refused rather than silently wrong.
_UNCOPYABLE = frozenset((
    "removeBody", "removeConstraint", "loadTexture", "changeTexture", "loadSDF", "loadMJCF", "loadBullet",
    "loadSoftBody", "createSoftBodyAnchor", "removeUserConstraint", "resetSimulation",
))


class RecordingClient(bullet_client.BulletClient):
    """A BulletClient that binds each PyBullet function to this client once, not on every call, and that
    pickles as an independent copy of its world.

    ``BulletClient.__getattr__`` builds a new ``functools.partial`` per call; on the step path that costs
    more than a simulation substep's worth of Python every few calls.

    Pickling (``pickle``, ``cloudpickle``, ``copy.deepcopy``) replays the recorded scene set-up into a new
    headless client, then restores the full physics state (poses, velocities, contacts) and every saved
    state from Bullet's own serialisation; ``state_ids`` maps the original's saved-state ids to the copy's.
    """

    def __init__(self, connection_mode: int = p.DIRECT) -> None:
        self._record: dict[tuple, tuple[str, tuple, dict]] = {}
        self._saved: dict[int, bytes] = {}
        self._uncopyable: str | None = None
        self._creations = 0
        self.state_ids: dict[int, int] = {}
        super().__init__(connection_mode=connection_mode)
        # A fresh world with Bullet's simple broadphase instead of its default dynamic AABB tree, before anything
        # is built (so unrecorded; every copy runs this too). The tree keeps bookkeeping that no saved state
        # holds and that restoreState leaves as it is: fattened leaf bounds and a cursor that removes separated
        # pairs a few at a time, so how long a pair (and its contact manifold) outlives its overlap depended on
        # earlier episodes, and a restored world diverged from a fresh one after a few hundred steps. The simple
        # broadphase keeps exactly the pairs whose bounds overlap now; with the few dozen bodies of a scene its
        # all-pairs test costs less than a substep's noise.
        super().__getattr__("resetSimulation")(p.RESET_USE_SIMPLE_BROADPHASE)

    def __del__(self) -> None:
        if "_client" in self.__dict__:  # a refused connection (a second GUI) never got a client to disconnect
            super().__del__()

    def __getattr__(self, name: str):
        attribute = super().__getattr__(name)
        if name == "disconnect" or not callable(attribute):
            return attribute
        if name in _MOTORS:
            attribute = self._recording_motor(name, attribute)
        elif name in _CREATIONS or name in _SETTINGS or name in _UNCOPYABLE:
            attribute = functools.partial(self._recorded, name, attribute)
        elif name in ("saveState", "removeState"):
            attribute = functools.partial(getattr(self, f"_{name}"), attribute)
        self.__dict__[name] = attribute
        return attribute

    def _recorded(self, name: str, call, *args, **kwargs):
        result = call(*args, **kwargs)
        if name in _CREATIONS:
            self._remember_creation(name, args, kwargs)
        elif name in _SETTINGS:
            # Whole calls, keyed by target and keywords: PyBullet applies some keywords only together, and
            # a call can touch more than its target (a link's joint limits reset the base's friction).
            head = args[:_SETTINGS[name]]
            key = (name, *head, len(args), *sorted(kwargs))
            self._record.pop(key, None)
            self._record[key] = (name, args, kwargs)
        else:
            self._uncopyable = name
        return result

    def _recording_motor(self, name: str, call):
        """A motor command that also records itself, keyed by body, joints and mode (on the step path: lean)."""
        record = self._record

        def motor(body, joints, mode, *args, **kwargs):
            result = call(body, joints, mode, *args, **kwargs)
            key = (name, body, tuple(joints) if isinstance(joints, list) else joints, mode)
            record.pop(key, None)  # moved to the end: replayed after the settings it overrides
            record[key] = (name, (body, joints, mode, *args), kwargs)
            return result

        return motor

    def load_urdf(self, path: str, light: bool, *args, **kwargs) -> int:
        """``loadURDF`` of ``path`` (relative to ``pybullet_data`` or absolute), with light visual meshes if
        ``light``; recorded by its original path so that a copy rebuilds the light meshes where it runs."""
        self._remember_creation("load_urdf", (path, light, *args), kwargs)
        if light:
            full = path if os.path.isabs(path) else os.path.join(pybullet_data.getDataPath(), path)
            path = meshes.light_urdf(full)
        return super().__getattr__("loadURDF")(path, *args, **kwargs)  # unrecorded: recorded above by its source

    def _remember_creation(self, name: str, args: tuple, kwargs: dict) -> None:
        self._creations += 1
        self._record[("create", self._creations)] = (name, args, kwargs)

    def _saveState(self, call) -> int:
        state = call()
        self._saved[state] = self._state_bytes()
        return state

    def _removeState(self, call, state: int) -> None:
        call(state)
        self._saved.pop(state, None)

    def _state_bytes(self) -> bytes:
        handle, path = tempfile.mkstemp(suffix=".bullet")
        os.close(handle)
        try:
            self.saveBullet(path)
            with open(path, "rb") as file:
                return file.read()
        finally:
            os.unlink(path)

    def _restore_bytes(self, data: bytes) -> None:
        handle, path = tempfile.mkstemp(suffix=".bullet")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            self.restoreState(fileName=path)
        finally:
            os.unlink(path)

    def __reduce__(self):
        if self._client < 0:
            raise TypeError("cannot copy a PyBullet world that is closed")
        if self._uncopyable is not None:
            raise TypeError(f"cannot copy this PyBullet world: it called {self._uncopyable}, which a copy cannot replay")
        return _copy_client, (list(self._record.values()), dict(self._saved), self._state_bytes())


def _copy_client(record: list[tuple[str, tuple, dict]], saved: dict[int, bytes], current: bytes) -> RecordingClient:
    """A new headless client with the recorded scene, the saved states and the current physics state."""
    with quiet_fd(1):  # each connect prints "argv[0]=" to stdout from C
        client = RecordingClient(connection_mode=p.DIRECT)
    client.setAdditionalSearchPath(pybullet_data.getDataPath())
    for name, args, kwargs in record:
        getattr(client, name)(*args, **kwargs)
    for old, data in saved.items():
        client._restore_bytes(data)
        client.state_ids[old] = client.saveState()
    client._restore_bytes(current)
    return client
