"""What the course adds around the models: self-checks for exercises and the expected results.

* `checks`: `check_*` functions that print "✓ …" or raise `CheckFailed` with a
  Czech message saying what is wrong and where to look.
* `expected`: the metric bands of each recipe (`expected.toml`) that
  `nes2 verify` and the lecture pages compare with.
"""
