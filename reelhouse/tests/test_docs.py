from __future__ import annotations

import re

from reelhouse.settings import BASE_DIR


def _documented() -> str:
    return (BASE_DIR / "docs" / "CONFIGURATION.md").read_text()


def test_every_environment_variable_is_documented() -> None:
    source = (BASE_DIR / "reelhouse" / "settings.py").read_text()
    read = set(re.findall(r'env\w*\("([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    assert read, "the pattern no longer finds the settings' variables"
    documented = _documented()
    missing = sorted(name for name in read if f"`{name}`" not in documented)
    assert not missing, f"add these to docs/CONFIGURATION.md: {missing}"


def test_the_readme_quickstart_is_the_two_commands() -> None:
    readme = (BASE_DIR / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)", quickstart, flags=re.MULTILINE)
    assert commands == ["make demo", "make test"]
