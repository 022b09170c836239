"""Writes of 民情收集, one module per channel: `meetings` (例会 and their minutes), `visits` (grid
workers' door-to-door visits), `opinion` (民情征求意见表), `ledger` (the 民情台账: read, check, import,
export) with `ledger_web` (the same import from the web page, run in the background), and `chat`
(WeChat group exports). Every demand they create goes through `demands.services`."""
