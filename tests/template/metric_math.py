"""A small evaluator of CloudWatch metric math, for one period of an alarm.

Enough of the language to evaluate the alarms' expressions and no more: metric ids, numbers,
``+``, ``-`` and ``FILL(series, number)``. A metric with no datapoint in the period is ``None``,
as in CloudWatch: arithmetic with a missing datapoint gives no datapoint (CloudWatch keeps only
the timestamps every operand has), and ``FILL`` replaces a missing datapoint with its value. An
unknown function or token raises, so an expression this cannot evaluate is never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["evaluate"]

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<symbol>[-+(),]))")


def evaluate(expression: str, datapoints: Mapping[str, float | None]) -> float | None:
    """The expression's value for one period; None when it yields no datapoint (missing data)."""
    tokens = _tokenize(expression)
    value, position = _sum(tokens, 0, datapoints)
    if position != len(tokens):
        raise ValueError(f"unexpected {tokens[position]!r} in {expression!r}")
    return value


def _tokenize(expression: str) -> list[str]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise ValueError(f"cannot read {expression[position:]!r}")
        tokens.append(match.group(match.lastgroup))
        position = match.end()
    return tokens


def _sum(tokens: list[str], position: int, datapoints: Mapping[str, float | None]) -> tuple[float | None, int]:
    value, position = _term(tokens, position, datapoints)
    while position < len(tokens) and tokens[position] in "+-":
        operator = tokens[position]
        right, position = _term(tokens, position + 1, datapoints)
        if value is None or right is None:
            value = None
        else:
            value = value + right if operator == "+" else value - right
    return value, position


def _term(tokens: list[str], position: int, datapoints: Mapping[str, float | None]) -> tuple[float | None, int]:
    token = tokens[position]
    if re.fullmatch(r"\d+(\.\d+)?", token):
        return float(token), position + 1
    if token == "FILL":
        if tokens[position + 1] != "(":
            raise ValueError("FILL needs arguments")
        series, position = _sum(tokens, position + 2, datapoints)
        if tokens[position] != ",":
            raise ValueError("FILL(series, value)")
        fill, position = _sum(tokens, position + 1, datapoints)
        if tokens[position] != ")":
            raise ValueError("FILL(series, value)")
        return (fill if series is None else series), position + 1
    if token.isupper():
        raise ValueError(f"function {token} is not modelled here")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", token):
        raise ValueError(f"unexpected {token!r}")
    return datapoints[token], position + 1  # a KeyError names an id the alarm does not define
