"""`make bench`: how fast the assistant answers under load, next to a stock Rasa assistant.

Absolute timings depend on the machine, so every run also measures Rasa 3.6's own `rasa init`
assistant on the same machine under the same load, and reports our figures as ratios to it
(issue 7). The modules, each with one job:

- `conversation`: what our simulated residents say, and what each turn must store.
- `baseline`: the stock assistant: copied from Rasa's template, trained once, served, and
  what its residents say.
- `load`: many residents at once over the REST channel (asyncio + aiohttp).
- `stats`: percentiles and throughput from the turns' timings.
- `answers`: whether every answer reached the database.
- `machine`: readings from /proc (peak memory, process start times, CPU used by others).
- `startup`, `training_time`, `profiling`: start-up to the first answer, a full training,
  a py-spy profile.
- `report`: the targets, the table printed at the end and the JSON file.
- `run`: puts the above together; `cli`: the command line (`python -m bench --help`).

docs/performance.md describes the method and the results.
"""
