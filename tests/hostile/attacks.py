"""Submissions that try to get marks without the work, one per class of attack on the grader.

Each is built from the lab's blank learner version (so an honest score is zero) and must
score no more than the blank lab, leave no trace of the grader in its output, and not disturb
the other submissions of the batch (issue "Grading that learner code cannot fool"):

==========================  =====================================================================
case                        attack class
==========================  =====================================================================
``patch-comparisons``       replace the comparison helpers hidden tests call (numpy, pandas, math
                            closeness and testing functions; the visible checks' own methods)
``input-transformer``       rewrite every later cell before it runs (IPython input transformers)
``ast-transformer``         the same through an AST transformer
``lying-answers``           return objects that lie when compared (a DataFrame subclass whose
                            ``==``, ``equals`` and ``compare`` say "equal")
``calls-the-package``       call every function the learner package ships on the inputs, hoping
                            one computes the graded answer
``reads-the-interpreter``   search input history, caller frames and every object in memory for
                            references and hidden tests; print them, encoded, into the output
``forged-answers``          publish made-up answer data in the grader's own format
``bombs``                   answers too deep, too large or of types that cannot travel
==========================  =====================================================================

Attacks on the sandbox itself (files, network, processes, runtime folder, disk, output) are
in ``corpus.py``: they run on the solution, so they must keep its full marks.
"""

from __future__ import annotations

import copy
import re

import nbformat

PATCH = '''import math, numpy as _np, pandas as _pd
import cxlabs.feedback as _fb
_yes = lambda *a, **k: True
_none = lambda *a, **k: None
for _mod, _names in [(_np, ["isclose", "allclose", "array_equal"]), (math, ["isclose"])]:
    for _n in _names:
        setattr(_mod, _n, _yes)
for _n in ["assert_frame_equal", "assert_series_equal", "assert_index_equal", "assert_almost_equal"]:
    setattr(_pd.testing, _n, _none)
for _n in ["assert_allclose", "assert_array_equal", "assert_equal", "assert_array_almost_equal"]:
    setattr(_np.testing, _n, _none)
_pd.DataFrame.equals = _yes
_pd.Series.equals = _yes
_fb.same = _yes
_fb.diagnose = _none
_fb.Exercise.check = lambda self, answer: print("✓ looks fine")
_fb.Exercise.fail = lambda self, message: AssertionError("nothing to see")
print("patched")
'''

INPUT_TRANSFORMER = '''ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["print('rewritten')\\n"])
'''

AST_TRANSFORMER = '''import ast
class _Blank(ast.NodeTransformer):
    def visit_Module(self, node):
        node.body = [ast.Expr(ast.Call(ast.Name("print", ast.Load()), [ast.Constant("rewritten")], []))]
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(_Blank())
'''

LIAR = '''import pandas as _pd
class _Liar(_pd.DataFrame):
    @property
    def _constructor(self):
        return _Liar
    def __eq__(self, other):
        return True
    def equals(self, other):
        return True
    def compare(self, other, *a, **k):
        return _pd.DataFrame()
    def __bool__(self):
        return True
def {name}(*args, **kwargs):
    return _Liar({{"anything": [1.0, 2.0]}})
'''

CALLS_PACKAGE = '''import importlib, inspect, pkgutil
import cxlabs
def _candidates():
    for _info in pkgutil.walk_packages(cxlabs.__path__, "cxlabs."):
        try:
            _mod = importlib.import_module(_info.name)
        except Exception:
            continue
        for _n, _f in vars(_mod).items():
            if callable(_f) and getattr(_f, "__module__", "").startswith("cxlabs"):
                yield _f
def {name}(*args, **kwargs):
    for _f in _candidates():
        try:
            _out = _f(*args, **kwargs)
        except BaseException:
            continue
        if _out is not None and not callable(_out):
            return _out
    raise NotImplementedError()
'''

READS_INTERPRETER = '''import base64, gc, sys
def {name}(*args, **kwargs):
    _seen = []
    try:
        _seen += [str(x) for x in get_ipython().user_ns.get("In", [])]
    except Exception:
        pass
    _frame = sys._getframe(1)
    _best = None
    while _frame is not None:
        for _v in list(_frame.f_locals.values()):
            _seen.append(repr(_v)[:2000])
            if hasattr(_v, "shape") and hasattr(_v, "columns") and _best is None:
                _best = _v
        _seen.append(str(_frame.f_code.co_filename))
        _frame = _frame.f_back
    for _obj in gc.get_objects()[:200000]:
        if isinstance(_obj, str) and ("HIDDEN" in _obj or "reference" in _obj or "_ref" in _obj):
            _seen.append(_obj[:2000])
    print("DUMP " + base64.b64encode("\\n".join(_seen).encode()).decode()[:200000])
    print("PLAIN " + "\\n".join(_seen)[:200000])
    if _best is not None:
        return _best
    raise NotImplementedError()
'''

FORGE = '''import json
from IPython.display import publish_display_data
from cxlabs.answers import MIME, dumps
import pandas as _pd
for _case in [f"w{{w}}c{{c}}" for w in range(3) for c in range(6)] + [f"f{{c}}" for c in range(6)]:
    publish_display_data({{MIME: json.dumps({{"case": _case, "status": "answer",
                                              "answer": dumps(_pd.DataFrame({{"x": [1]}}))}})}})
    publish_display_data({{MIME: "{{not json"}})
    publish_display_data({{MIME: json.dumps({{"case": _case, "status": "answer", "answer": "[" * 100000}})}})
def {name}(*args, **kwargs):
    raise NotImplementedError()
'''

BOMBS = '''import numpy as _np, pandas as _pd
def {name}(*args, **kwargs):
    _kind = {k}
    if _kind == 0:
        _x = []
        for _ in range(5000):
            _x = [_x]
        return _x
    if _kind == 1:
        return _pd.DataFrame({{"x": _np.zeros(3_000_000)}})
    if _kind == 2:
        return object()
    if _kind == 3:
        return lambda: 42
    return {{1, 2, (3, [4])}}
'''


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def functions(nb) -> dict[str, str]:
    """``{answer cell grade_id: function name}`` for every graded answer cell."""
    found = {}
    for cell in nb.cells:
        gid = _grade_id(cell) or ""
        if gid.endswith("_answer"):
            m = re.search(r"^def\s+(\w+)\s*\(", cell.source, flags=re.MULTILINE)
            if m:
                found[gid] = m.group(1)
    return found


def _with_answers(blank, template: str, **extra):
    nb = copy.deepcopy(blank)
    for i, (gid, name) in enumerate(functions(blank).items()):
        cell = next(c for c in nb.cells if _grade_id(c) == gid)
        cell.source = template.format(name=name, k=i % 5, **extra)
    return nb


def _after_setup(blank, code: str):
    nb = copy.deepcopy(blank)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell(code))
    return nb


def attack_cases(blank) -> list[tuple[str, str, object]]:
    """``(student, what, notebook)`` for every class of attack, built on the blank lab."""
    return [
        ("patch-comparisons", "replaces numpy/pandas/math comparisons and the checks' methods",
         _after_setup(blank, PATCH)),
        ("input-transformer", "an IPython input transformer rewrites every later cell",
         _after_setup(blank, INPUT_TRANSFORMER)),
        ("ast-transformer", "an AST transformer rewrites every later cell",
         _after_setup(blank, AST_TRANSFORMER)),
        ("lying-answers", "every answer is a DataFrame subclass that says it equals anything",
         _with_answers(blank, LIAR)),
        ("calls-the-package", "every answer calls the package's functions to find a reference",
         _with_answers(blank, CALLS_PACKAGE)),
        ("reads-the-interpreter", "every answer dumps history, frames and memory into the output",
         _with_answers(blank, READS_INTERPRETER)),
        ("forged-answers", "publishes made-up answers in the grader's format",
         _with_answers(blank, FORGE)),
        ("bombs", "answers nested 5000 deep, 3 million rows, objects, functions, sets",
         _with_answers(blank, BOMBS)),
    ]
