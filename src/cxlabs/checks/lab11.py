from cxlabs.feedback import Exercise
def _ok(ex, f): return None
sample_size = Exercise("1", "x", "Part 1", (), _ok)
srm_check = Exercise("2", "x", "Part 1", (), _ok)
readout = Exercise("3", "x", "Part 1", (), _ok)
cuped = Exercise("4", "x", "Part 1", (), _ok)
peeking_error = Exercise("5", "x", "Part 1", (), _ok)
exposure_value = Exercise("6", "x", "Part 1", (), _ok)
its_fit = Exercise("7", "x", "Part 1", (), _ok)
pilot_decision = Exercise("8", "x", "Part 1", (), _ok)
