#!/usr/bin/env python3
"""网格小助手: the command line entry point (see `python run_bot.py --help`)."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
