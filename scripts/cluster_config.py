"""conf/cluster.yaml for scripts/cluster.py: the topology of a local cluster.

The file is flat YAML: `name: value` lines, `#` comments, values plain,
"double-quoted" or 'single-quoted' (the repository's scripts use no YAML
library, so this reads just that subset and refuses anything else).
"""
import os
import shlex

# Every setting, its default and its type (documented in conf/cluster.yaml).
DEFAULTS = {
    "shards": 3,
    "replicas": 1,
    "host": "127.0.0.1",
    "base-port": 7000,
    "metrics-base-port": 9200,
    "data-dir": ".cluster",
    "bin": "target/release/ferrocache",
    "server-args": "",
    "start-timeout": 10,
}


def parse_value(text):
    """A scalar: quoted string, integer or plain string (trailing # comment dropped)."""
    text = text.strip()
    if text[:1] in ('"', "'"):
        quote = text[0]
        end = text.find(quote, 1)
        rest = text[end + 1:].strip() if end > 0 else None
        if end < 0 or (rest and not rest.startswith("#")):
            raise ValueError(f"bad quoted value {text!r}")
        return text[1:end]
    text = text.split(" #", 1)[0].strip()
    try:
        return int(text)
    except ValueError:
        return text


def parse(text):
    """The settings in a flat YAML text, as {name: value}."""
    settings = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, colon, value = stripped.partition(":")
        if not colon or line[:1].isspace():
            raise ValueError(f"line {number}: expected `name: value`, got {line!r}")
        settings[name.strip()] = parse_value(value)
    return settings


def load(path, overrides=None):
    """DEFAULTS, then the file at `path` (if it exists), then `overrides`
    (None values skipped); unknown names and wrong types are errors."""
    settings = dict(DEFAULTS)
    if path and os.path.exists(path):
        with open(path) as f:
            settings.update(parse(f.read()))
    for name, value in (overrides or {}).items():
        if value is not None:
            settings[name] = value
    for name, value in settings.items():
        if name not in DEFAULTS:
            raise ValueError(f"{path}: unknown setting {name!r}")
        if isinstance(DEFAULTS[name], int) and not isinstance(value, int):
            raise ValueError(f"{path}: {name} must be an integer, not {value!r}")
        if isinstance(DEFAULTS[name], str):
            settings[name] = str(value)
    if settings["shards"] < 1 or settings["replicas"] < 0:
        raise ValueError("shards must be >= 1 and replicas >= 0")
    return settings


def server_args(settings):
    """The extra server arguments as an argv list."""
    return shlex.split(settings["server-args"])
