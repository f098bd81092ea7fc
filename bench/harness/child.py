"""Entry point of the bench's helper processes (`Processes.start_helper`):

    python -m bench.harness.child MODULE:FUNCTION [--django]

With `--django`, `django.setup()` runs first (the settings come from the environment), so the
bench's own process never imports Django. The first line on stdin is the spec, JSON; the
function is called with it, and what it returns, unless None, is printed as one JSON line. A
helper that talks longer (a publisher taking one request a line) reads stdin on from there.
"""

from __future__ import annotations

import importlib
import json
import sys


def main() -> int:
    target, *flags = sys.argv[1:]
    if "--django" in flags:
        import django

        django.setup()
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    spec = json.loads(sys.stdin.readline() or "{}")
    try:
        result = function(spec)
    except KeyboardInterrupt:
        return 130
    if result is not None:
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
