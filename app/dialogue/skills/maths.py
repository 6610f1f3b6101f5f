"""qa_maths: spoken arithmetic ("what is twelve times three", "square root of 81") evaluated by
walking a whitelist of `ast` nodes. Never eval: anything outside the whitelist is refused."""

from __future__ import annotations

import ast
import math
import operator
import re
from decimal import Decimal

from app.nlu.values import SCALE_WORD

from .. import speech_text as say
from ..slots import digits
from .base import Reply, Turn, skill

MAX_LENGTH = 200
MAX_EXPONENT = 1000
MAX_MAGNITUDE = 1e100

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# round: half away from zero, as people round (Python's own rounds 2.5 to 2)
FUNCTIONS = {"sqrt": math.sqrt, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "abs": abs,
             "round": lambda x: int(math.copysign(math.floor(abs(x) + 0.5), x)), "ceil": math.ceil, "floor": math.floor}
ROUNDED = {"round": "rounded", "ceil": "rounded up", "floor": "rounded down"}
ROUNDING = re.compile(r"^\W*(?:and |now |then )?round(?:ed)?\b")
# "22 divided by 7, rounded (up)": the whole sum rounded
ROUNDED_AT_END = re.compile(r"\W+rounded(?: (?P<way>up|down))?(?: to the nearest (?:whole number|integer|unit|one))?\W*$")
SPOKEN = {"*": "times", "/": "divided by", "+": "plus", "-": "minus", "%": "modulo", "**": "to the power of"}

# Spoken operators -> symbols, longest phrases first; a verb before its first number ("divide 36 by 4") first of all.
PHRASES = [
    (r"\bround(?:ed)? (\S+) (up|down)\b", lambda m: f" {'ceil' if m[2] == 'up' else 'floor'} {m[1]} "),
    (r"\bround(?:ed)? (up|down)\b", lambda m: f" {'ceil' if m[1] == 'up' else 'floor'} "),
    (r"\bround(?:ed)?(?: off)?\b", " round "), (r"\bto the nearest (?:whole number|integer|unit|one)\b", " "),
    (r"\bdivide (\S+) by\b", r" \1 / "), (r"\bmultiply (\S+) by\b", r" \1 * "),
    (r"\bsubtract (\S+) from (\S+)", r" \2 - \1 "), (r"\badd (\S+) to (\S+)", r" \1 + \2 "),
    (r"\b(\d+|an?) (quarter|third|3rd)s?\b",  # "3 quarters of a cup", "two thirds of 90"
     lambda m: f" ({m[1] if m[1].isdigit() else 1} / {4 if m[2] == 'quarter' else 3}) "),
    (r"(?<![\w.)])(?:quarter|third|3rd)\b(?= of\b)",  # "a third of 90", which the normalizer writes "3rd of 90"
     lambda m: f" (1 / {4 if m[0] == 'quarter' else 3}) "),
    (r"(?<=\))\s+of\s+(?=\d)", " * "),
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
TOKEN = re.compile(r"\d+(?:\.\d+)?|\*\*|[-+*/%()]|sqrt|cbrt|round|ceil|floor")
SAID = [(r"(\S+) / 100 \* ", r"\1 percent of "), (r"(?<![\d.])0\.5 \* ", "half of "),
        (r" \*\* 2(?![\d.])", " squared"), (r" \*\* 3(?![\d.])", " cubed"),
        (r"\(1 / 4\)", "a quarter"), (r"\((\S+) / 4\)", r"\1 quarters"), (r"\(1 / 3\)", "a third"),
        (r"\((\S+) / 3\)", r"\1 thirds")]
THAT = re.compile(r"\b(?:that|it|this|the answer|the result)\b")  # the previous answer: "divide that by 4"
QUESTION = re.compile(r"^\W*(?:what|what's|whats|how much|calculate|work out)\b")


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
    """"what is twelve times three" -> "12 * 3"; "square root of eighty one" -> "sqrt(81)".

    A scale word left over ("quintillion", past the digits the normalizer writes) is refused: dropping it would
    give a wrong small number.
    """
    t = digits(text)
    if SCALE_WORD.search(t):
        raise MathsError("that number is too big for me")
    rounded = ROUNDED_AT_END.search(t)
    if rounded:
        t = t[:rounded.start()]
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
    expr = re.sub(r"\(\s+", "(", " ".join(out)).replace(" )", ")")
    if rounded and expr:
        return f"{ {'up': 'ceil', 'down': 'floor'}.get(rounded['way'], 'round')}({expr})"
    return expr


def on_last(text: str, last: float | None) -> str:
    """"divide that by 4" -> "divide 36 by 4" and "times two" -> "36 times two": maths on the previous answer.

    A leading minus in a question is a negative number ("what's minus five times three"), not a subtraction.
    """
    text = text.lower()
    if last is None:
        return text
    number = format(Decimal(repr(last)), "f")  # positional: the tokenizer reads no "1e+20"
    if THAT.search(text):
        return THAT.sub(number, text)
    binary = r"\W*(?:and |then |now )*(?:times|multiplied|divided|over|plus|add|to the power|squared|cubed|mod)\b"
    if re.match(binary, text) or (re.match(r"\W*(?:and |then |now )*(?:minus|take away|subtract)\b", text)
                                  and not QUESTION.match(text)):
        return f"{number} {text}"
    return text


def is_sum(expr: str) -> bool:
    """A number and an operator: arithmetic, not a bare number or words."""
    return bool(re.search(r"\d", expr) and re.search(r"[-+*/%]|sqrt|cbrt|round|ceil|floor", expr))


def on_last_answer(text: str, last: float | None) -> bool:
    """Whether the words are a sum on the previous answer ("divide that by 4", "times two"), whatever the model
    made of them ("turn it off" mentions "it" but is no sum)."""
    changed = on_last(text, last)
    if last is None or changed == text.lower():
        return False
    try:
        return is_sum(spoken_to_expression(changed))
    except MathsError:
        return False


def speak_expression(expr: str) -> str | None:
    """The sum said back, or None when a number in it is too big to say plainly (it would only bury the answer) or
    has more decimals than are said (it would be said wrong)."""
    if whole := re.fullmatch(r"(round|ceil|floor)\((.+ .+)\)", expr):  # "22 / 7" rounded: the sum, then how
        said = speak_expression(whole[2])
        return said and f"{said}, {ROUNDED[whole[1]]},"
    for symbols, words in SAID:  # as it was said, not "divided by one hundred times"
        expr = re.sub(symbols, words, expr)
    spoken = re.sub(r"(sqrt|cbrt)\((\S+?)\)", lambda m: f"the {'square' if m[1] == 'sqrt' else 'cube'} root of {m[2]}", expr)
    spoken = re.sub(r"(round|ceil|floor)\((\S+?)\)", lambda m: f"{m[2]} {ROUNDED[m[1]]}", spoken)
    words = [SPOKEN.get(tok, tok) for tok in spoken.replace("(", " ").replace(")", " ").split()]
    numbers = {w: ast.literal_eval(w) for w in words if re.fullmatch(r"\d+(?:\.\d+)?", w)}
    if any(n >= say.SCIENTIFIC_FROM or round(n, 2) != n for n in numbers.values()):  # said rounded, it would be wrong
        return None
    return " ".join(say.number(numbers[w]) if w in numbers else w for w in words)


@skill("qa_maths", accepts=(), does="work out a sum")
def qa_maths(t: Turn) -> Reply:
    if t.session.last_number is None and on_last(t.u.text, 0) != t.u.text.lower():  # "divide that by 2", no answer
        return t.reply("I haven't given you a number to work on just now. Say the whole sum, like twelve divided "
                       "by two.")
    try:
        expr = spoken_to_expression(on_last(t.u.text, t.session.last_number))
        if not is_sum(expr):
            return t.reply("I can only do arithmetic, like twelve times three or the square root of eighty-one, "
                           "and conversions like five miles in kilometres.")
        result = evaluate(expr)
    except MathsError as exc:
        return t.reply(f"Sorry, {exc}.")
    t.session.answered(result)
    about = "about " if isinstance(result, float) and round(result, 2) != result and abs(result) < say.SCIENTIFIC_FROM else ""
    answer = about + say.number(result)
    said = speak_expression(expr)
    return t.reply(f"{said.capitalize()} is {answer}." if said else f"That's {answer}.")
