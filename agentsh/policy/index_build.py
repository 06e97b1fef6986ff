"""The text of `agentsh/policy/index.py`, rendered from the family modules.

The index lets the engine know which family owns a program without importing
every family on every command. `scripts/policy-index` writes it;
tests/policy/test_index.py fails when it is stale.
"""

from __future__ import annotations

import importlib
import pprint

from agentsh.policy.engine import FAMILY_MODULES

HEADER = '''"""Which family module judges which program. Generated: do not edit.

Regenerate with `scripts/policy-index` after changing a
family's PROGRAMS or NPM_PACKAGES (tests/policy/test_index.py checks it).
"""

'''


def render() -> str:
    programs: dict[str, list[str]] = {}
    npm: dict[str, str] = {}
    for name in FAMILY_MODULES:
        module = importlib.import_module(f"agentsh.policy.{name}")
        for program in module.PROGRAMS:
            programs.setdefault(program, []).append(name)
        npm.update(getattr(module, "NPM_PACKAGES", {}))
    owners = {program: tuple(names) for program, names in sorted(programs.items())}
    return (
        HEADER
        + "PROGRAMS: dict[str, tuple[str, ...]] = "
        + pprint.pformat(owners, width=99, sort_dicts=True)
        + "\n\nNPM_PACKAGES: dict[str, str] = "
        + pprint.pformat(dict(sorted(npm.items())), width=99, sort_dicts=True)
        + "\n"
    )
