"""One CliRunner for every Click the supported Pythons get.

pip resolves Typer 0.23 + Click 8.1 on Python 3.9 and a Typer that vendors Click >= 8.2 on
3.10+. The two runners disagree on stderr: Click >= 8.2 always captures it apart
(`result.stderr`) and `result.output` holds both streams; Click 8.1 mixes stderr into stdout
unless `mix_stderr=False`, and then `result.output` is stdout alone and `result.stderr`
raises when mixed. This runner gives the 8.2 contract on both: `.stdout`, `.stderr`, and
`.output` = everything the command printed.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer.testing import CliRunner as _TyperRunner

_OLD_CLICK = "mix_stderr" in inspect.signature(_TyperRunner.__init__).parameters


class Result:
    """The Click 8.2 view of a Click 8.1 result (only `output` differs)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def output(self) -> str:
        return self._inner.stdout + self._inner.stderr

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return repr(self._inner)


class CliRunner(_TyperRunner):
    def __init__(self, **kwargs: Any) -> None:
        if _OLD_CLICK:
            kwargs.setdefault("mix_stderr", False)
        super().__init__(**kwargs)

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        result = super().invoke(*args, **kwargs)
        return Result(result) if _OLD_CLICK else result
