"""Runners shared by the experiment tests."""

from __future__ import annotations

from actlab.experiments.runner import LocalRunner


class CountingRunner(LocalRunner):
    """The local runner, remembering which configs it was asked to run."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.given: list = []

    def run(self, configs, count=None):
        configs = list(configs)
        self.given.extend(configs)
        yield from super().run(configs, count=len(configs))
