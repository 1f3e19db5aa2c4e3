"""What the course adds around the models: self-checks for exercises and the expected results.

* `checks`: `check_*` functions that print "✓ …" or raise `CheckFailed` with a
  Czech message saying what is wrong and where to look.
* `answers`: the placeholders of a student's scaffold (`...`, `None`, a function
  whose body is `...`), which the checks refuse with a message naming them.
* `expected`: the metric bands of each recipe and the relations between runs
  (`expected.toml`) that `nes2 verify` and the lecture pages compare with.
* `verdicts`: the pages' sentences about runs, worded by the runs' numbers and the
  relations that back them.
"""
