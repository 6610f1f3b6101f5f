"""qa_maths: spoken arithmetic ("what is twelve times three", "square root of 81") evaluated by
walking a whitelist of `ast` nodes. Never eval: anything outside the whitelist is refused."""

from __future__ import annotations

import ast
import math
import operator
import re

from .. import speech_text as say
from ..slots import digits
from .base import Reply, Turn, skill

MAX_LENGTH = 200
MAX_EXPONENT = 1000
MAX_MAGNITUDE = 1e100

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
FUNCTIONS = {"sqrt": math.sqrt, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "abs": abs}
SPOKEN = {"*": "times", "/": "divided by", "+": "plus", "-": "minus", "%": "modulo", "**": "to the power of"}

# Spoken operators -> symbols, longest phrases first.
PHRASES = [
    (r"\bsquare root of\b", " sqrt "), (r"\bcube root of\b", " cbrt "),
    (r"\bto the power of\b|\braised to( the power of)?\b|\^", " ** "),
    (r"\bsquared\b", " ** 2 "), (r"\bcubed\b", " ** 3 "),
    (r"\bmultiplied by\b|\btimes\b|(?<=\d)\s*x\s*(?=\d)|\binto\b", " * "),
    (r"\bdivided by\b|\bdivide by\b|\bover\b", " / "),
    (r"\bplus\b|\badded to\b|\badd\b", " + "),
    (r"\bminus\b|\btake away\b|\bsubtract\b|\bless\b", " - "),
    (r"\bpercent of\b|% of\b", " / 100 * "),
    (r"\bmodulo\b|\bmod\b", " % "),
    (r"\bhalf of\b", " 0.5 * "), (r"\bdouble\b|\btwice\b", " 2 * "),
]
TOKEN = re.compile(r"\d+(?:\.\d+)?|\*\*|[-+*/%()]|sqrt|cbrt")


class MathsError(ValueError):
    """The input is not arithmetic Hearth will evaluate."""


def evaluate(expression: str) -> float | int:
    """Evaluate plain arithmetic; raises MathsError for anything else (names, calls, attributes...)."""
    if len(expression) > MAX_LENGTH:
        raise MathsError("that expression is too long")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise MathsError("that isn't a sum I can read") from exc
    return _eval(tree.body)


def _eval(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or (abs(left) > 1 and abs(right) * math.log10(abs(left)) > 100)):
            raise MathsError("that number would be too big")
        try:
            result = BINARY[type(node.op)](left, right)
        except ZeroDivisionError as exc:
            raise MathsError("you can't divide by zero") from exc
        if isinstance(result, complex) or abs(result) > MAX_MAGNITUDE:
            raise MathsError("that number is out of my range")
        return result
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        arg = _eval(node.args[0])
        if node.func.id == "sqrt" and arg < 0:
            raise MathsError("negative numbers have no real square root")
        return FUNCTIONS[node.func.id](arg)
    raise MathsError(f"I only do arithmetic, not {type(node).__name__.lower()}")


def spoken_to_expression(text: str) -> str:
    """"what is twelve times three" -> "12 * 3"; "square root of eighty one" -> "sqrt(81)"."""
    t = digits(text)
    for pattern, symbol in PHRASES:
        t = re.sub(pattern, symbol, t)
    tokens = TOKEN.findall(t)
    out: list[str] = []
    wrap = 0
    for tok in tokens:
        if tok in FUNCTIONS:
            out.append(f"{tok}(")
            wrap += 1
        else:
            out.append(tok)
            if wrap and re.fullmatch(r"\d+(?:\.\d+)?", tok):
                out.append(")" * wrap)
                wrap = 0
    while out and out[-1] in SPOKEN:  # "what is five plus" -> drop the dangling operator
        out.pop()
    return re.sub(r"\(\s+", "(", " ".join(out)).replace(" )", ")")


def speak_expression(expr: str) -> str:
    spoken = re.sub(r"(sqrt|cbrt)\((\S+?)\)", lambda m: f"the {'square' if m[1] == 'sqrt' else 'cube'} root of {m[2]}", expr)
    words = [SPOKEN.get(tok, tok) for tok in spoken.replace("(", " ").replace(")", " ").split()]
    return " ".join(say.number(float(w)) if re.fullmatch(r"\d+(?:\.\d+)?", w) else w for w in words)


@skill("qa_maths", accepts=(), does="work out a sum")
def qa_maths(t: Turn) -> Reply:
    expr = spoken_to_expression(t.u.text)
    if not re.search(r"\d", expr) or not re.search(r"[-+*/%]|sqrt|cbrt", expr):
        return t.reply("I can only do arithmetic, like twelve times three or the square root of eighty-one; "
                       "unit conversions and word problems are beyond me offline.")
    try:
        result = evaluate(expr)
    except MathsError as exc:
        return t.reply(f"Sorry, {exc}.")
    answer = say.number(float(result))
    text = t.pick("{} is {}.", "{} equals {}.", "That's {1}.")
    return t.reply(text.format(speak_expression(expr).capitalize(), answer))
