"""YAML plumbing for :mod:`ipt_nb.casefile`: safe fast reads, round-trip documents, positions.

Three parsers on purpose. The reference reader is PyYAML's libyaml-backed safe
loader, set to the YAML 1.2 core schema (so ``no`` stays text and ``010`` is
ten) and refusing duplicate keys. In front of it sits a quick reader,
yaml-rs (a Rust YAML 1.2 parser), about ten times faster again; it is used only
for text a conservative screen vouches for (no tags, anchors, directives,
several documents, YAML 1.1 number forms or characters a YAML 1.1 reader treats
differently), and any failure falls back to the reference reader, so errors
keep their located messages. Locating an error and saving an edited file use
ruamel.yaml's round-trip loader, which is slower but knows every node's line
and column and keeps comments, key order and quoting.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import yaml as pyyaml
import yaml_rs
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
)

MAX_NODES = 200_000
"""Largest number of nodes a case may expand to once aliases are followed."""
MAX_INT_DIGITS = 30
"""Longest integer read: far above any field's range, far below Python's 4,300-digit guard."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists a case may have (the format itself needs 6)."""


class ShapeError(ValueError):
    """The parsed document is too large or too deep once aliases are followed."""


if TYPE_CHECKING:
    _BaseLoader = pyyaml.SafeLoader
else:  # libyaml's C loader where PyYAML was built with it, which is ten times faster
    _BaseLoader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


class CoreSchemaLoader(_BaseLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars and no duplicate keys."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, pyyaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise pyyaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key_node.value!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_core_int(self, node: Any) -> int:
        value = self.construct_scalar(node)
        digits = len(value.lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise pyyaml.constructor.ConstructorError(
                None,
                None,
                f"a number of {digits:,} digits is larger than any field of a case allows "
                f"(at most {MAX_INT_DIGITS} digits are read)",
                node.start_mark,
            )
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
):
    CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", CoreSchemaLoader.construct_core_int)


def roundtrip_yaml() -> YAML:
    """A round-trip YAML 1.2 loader/dumper that keeps comments, order and quotes."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a person's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), _represent_null)
    return yaml


def _represent_null(representer: Any, _: None) -> Any:
    """Write ``null`` (as the format's documentation does), not an empty value."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def parse_fast(text: str) -> Any:
    """Plain Python data from YAML text (YAML 1.2 core schema, safe tags only)."""
    return pyyaml.load(text, Loader=CoreSchemaLoader)


def _token_classes() -> bytes:
    """A byte table for :func:`quick_reader_vouches`: separators become spaces, digits ``d``, the
    other characters a number may start with stay themselves, the rest become ``a``."""
    table = bytearray(b"a" * 256)
    for byte in b" \t\r\n[]{},:":
        table[byte] = ord(" ")
    for byte in b"0123456789":
        table[byte] = ord("d")
    for byte in b"+-._!&*%?":
        table[byte] = byte
    return bytes(table)


_TOKEN_CLASSES = _token_classes()
_ASCII_TEXT = bytes([9, 10, 13, *range(32, 127)])
_SEPARATORS = frozenset(b" \t\r\n[]{},:")
_LONG_INTEGER = b"d" * (MAX_INT_DIGITS + 1)
_NUMBER_WITH_UNDERSCORE = re.compile(rb"_[^ _]*+(?<=[-+.d_]) ")
"""On the reversed token classes: a word that starts like a number and holds an underscore."""
_LENIENT_NUMBERS = (
    re.compile(rb"0[xXoObB]"),  # hex, octal, binary: yaml-rs takes signs, capitals and 0b
    re.compile(rb"\.[iInN]"),  # .inf and .nan: yaml-rs takes any capitals
)
_INDICATORS = {ord(c): re.compile(rb" " + re.escape(c.encode())) for c in "!&*%"}
_BLOCK_HEADER_AT_END = re.compile(rb"[|>][-+0-9]* *(?:#.*)?\Z")
_COMPLEX_KEY = re.compile(rb"\? (?<= \? )")


def _starts_a_word(raw: bytes, index: int) -> bool:
    """Whether ``raw[index]`` starts a word, or follows a sign that does (``-0x1``, ``+.inf``)."""
    if index and raw[index - 1] in b"+-":
        index -= 1
    return index == 0 or raw[index - 1] in _SEPARATORS


def quick_reader_vouches(text: str) -> bool:
    """Whether the quick reader gives exactly what the reference reader gives for ``text``.

    A screen, erring towards the reference reader (a ``*`` starting a word in prose is enough to
    send a file there): each test is a place where the two were seen to differ, found by comparing
    them on every short number-like word; ``tests/test_yaml.py`` keeps comparing them. Byte tables
    and searches that start from a literal keep it near 0.1 ms for a 16-week case.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only the reference reader's error will do
        return False
    if text.isascii():
        if raw.translate(None, _ASCII_TEXT):
            return False  # control characters (yaml-rs keeps them; it cuts a value at NUL)
    elif not text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable():
        return False  # YAML 1.1 line breaks (U+0085, U+2028), a byte-order mark, unassigned
    if not raw.endswith(b"\n") or _BLOCK_HEADER_AT_END.search(raw.rstrip().rpartition(b"\n")[2]):
        return False  # the last line's break, an empty block scalar at the end: yaml-rs adds a break
    if b"\t" in raw:
        return False  # where a tab may stand, the two readers disagree (``a:\tb``, a leading tab)
    if raw.startswith((b"---", b"...", b"%")) or b"\n---" in raw or b"\n..." in raw:
        return False  # several documents, directives
    for pattern in _LENIENT_NUMBERS:
        if any(_starts_a_word(raw, m.start()) for m in pattern.finditer(raw)):
            return False
    classes = b" " + raw.translate(_TOKEN_CLASSES) + b" "
    if any(byte in raw and pattern.search(classes) for byte, pattern in _INDICATORS.items()):
        return False  # tags, anchors, aliases, directives
    if b"?" in raw and _COMPLEX_KEY.search(classes):
        return False
    if _LONG_INTEGER in classes:
        return False  # an integer longer than the reference reader reads
    return b"_" not in raw or _NUMBER_WITH_UNDERSCORE.search(classes[::-1]) is None  # 1_000


def parse_quick(text: str) -> Any | None:
    """The same data as :func:`parse_fast`, or ``None`` where the quick reader cannot vouch for it.

    ``None`` means "ask the reference reader": the text failed the screen or did not parse.
    Errors are never reported from here.
    """
    if not quick_reader_vouches(text):
        return None
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except (ValueError, RecursionError, OverflowError):
        return None


def shape_is_bounded(text: str) -> bool:
    """Whether a document the quick reader vouched for is too small to break :func:`check_shape`.

    The screen lets no alias through, so every value takes at least one character of its own:
    text shorter than :data:`MAX_NODES` cannot expand past it. Depth needs no check either: the
    case model nests six levels and refuses anything deeper, and the screen refuses the only
    other thing the walk looks for, integers too long to read.
    """
    return len(text) < MAX_NODES


def parse_roundtrip(text: str) -> Any:
    return roundtrip_yaml().load(text)


def check_shape(data: Any) -> None:
    """Refuse documents that expand past :data:`MAX_NODES` or nest past :data:`MAX_DEPTH`.

    Aliases are shared references after loading, so a small file can stand for
    millions of nodes (the "billion laughs"). Sizes are memoised per object, so
    this costs one visit per distinct node however many aliases point at it.
    """
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int, open_: set[int]) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise ShapeError("an alias refers to a node that contains it (a recursive alias)")
        if depth > MAX_DEPTH:
            raise ShapeError(f"the document nests deeper than {MAX_DEPTH} levels")
        open_.add(key)
        children: Iterable[Any] = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child, depth + 1, open_)
            if total > MAX_NODES:
                raise ShapeError(
                    f"the document holds more than {MAX_NODES:,} values once aliases are followed, "
                    "the limit for a case file (a 16-week case holds about 1,500): split it, or "
                    "check for aliases that repeat large parts"
                )
        open_.discard(key)
        sizes[key] = total
        return total

    size(data, 0, set())


def compose(text: str) -> Any:
    """The node tree of YAML text (libyaml-backed), whose nodes know their line and column."""
    return pyyaml.compose(text, Loader=CoreSchemaLoader)


def _child(node: Any, part: str | int) -> tuple[Any, Any] | None:
    """``(key node, value node)`` of a mapping entry, or ``(None, item)`` of a list item."""
    if isinstance(node, pyyaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, pyyaml.ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, pyyaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def position(tree: Any, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
    """1-based ``(line, column)`` of the node at ``loc`` in a composed tree.

    A scalar's value position; a mapping's or list's key position (or the item's
    position in a list); for a path that does not exist (a missing key), the
    deepest existing parent's. With ``key``, the last step's key itself (for
    unknown keys).
    """
    best = (1, 1)
    node = tree
    for index, part in enumerate(loc):
        found = _child(node, part)
        if found is None:
            break
        key_node, value = found
        last = index == len(loc) - 1
        nested = isinstance(value, pyyaml.MappingNode | pyyaml.SequenceNode)
        mark_node = key_node if key_node is not None and ((last and key) or nested) else value
        best = (mark_node.start_mark.line + 1, mark_node.start_mark.column + 1)
        node = value
    return best


# -- choosing how a string is written ----------------------------------------------------------

_PRINTABLE = re.compile("[\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
"""Characters YAML may hold unescaped, less U+0085, U+2028, U+2029 (line breaks to YAML 1.1
readers) and U+FEFF (a byte-order mark): anything else is written double-quoted, as an escape."""
_BLOCK_UNSAFE_LINE = re.compile(r"^[ \t]|[ \t]$", re.MULTILINE)


def _implicit_tag(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]], text: str) -> str | None:
    for tag, pattern in resolvers.get(text[:1] if text else "", []):
        if pattern.match(text):
            return tag
    return None


def reads_as_text(text: str) -> bool:
    """Whether ``text`` written plain reads back as text for YAML 1.2 and 1.1 readers alike
    (``.5e5`` is a float to one, ``no`` a boolean to the other)."""
    return (
        _implicit_tag(CoreSchemaLoader.yaml_implicit_resolvers, text) is None
        and _implicit_tag(pyyaml.SafeLoader.yaml_implicit_resolvers, text) is None
    )


def block_safe(text: str) -> bool:
    """Whether a ``|`` or ``>`` block scalar gives back exactly ``text``: printable, no line that
    starts or ends with a space or tab, no leading or doubled trailing line break."""
    return (
        bool(text.strip())
        and _PRINTABLE.fullmatch(text) is not None
        and not _BLOCK_UNSAFE_LINE.search(text)
        and not text.startswith("\n")
        and not text.endswith("\n\n")
    )


def styled(text: str, like: Any = None) -> Any:
    """``text`` as it should be written: in the style of ``like`` (the person's old value) when that
    style holds it exactly, plain when plain reads back as text, else double-quoted with escapes."""
    if _PRINTABLE.fullmatch(text) is None:
        return DoubleQuotedScalarString(text)
    if isinstance(like, LiteralScalarString | FoldedScalarString):
        return type(like)(text) if block_safe(text) else DoubleQuotedScalarString(text)
    if isinstance(like, ScalarString):
        return type(like)(text)  # the person's quotes can hold any printable text
    if "\n" in text and block_safe(text):
        return LiteralScalarString(text)
    return text if reads_as_text(text) and text == text.strip() else DoubleQuotedScalarString(text)


FLOW_LIST_WIDTH = 60
"""A new list of plain values this short is written on one line, ``[2, 2, 1]``, as people write them."""


def styled_tree(value: Any, *, flow: bool = False) -> Any:
    """New data with every string styled, for entries that have no old value to follow.

    ``flow`` writes a mapping or list on one line (``{text: ..., held_by: other}``), the style of
    its siblings; a short list of plain values is always written so. Text with line breaks, which
    only a block can hold faithfully, keeps its container in block style.
    """
    if isinstance(value, dict):
        mapping = CommentedMap((k, styled_tree(v)) for k, v in value.items())
        if flow and _fits_on_a_line(value):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        items = CommentedSeq(styled_tree(v) for v in value)
        if (flow or _short_plain_list(value)) and _fits_on_a_line(value):
            items.fa.set_flow_style()
        return items
    if isinstance(value, str):
        return styled(value)
    return value


def _short_plain_list(value: list[Any]) -> bool:
    plain = all(v is None or isinstance(v, int | float | bool | str) for v in value)
    return bool(value) and plain and len(repr(value)) <= FLOW_LIST_WIDTH


def _fits_on_a_line(value: Any) -> bool:
    """Whether no text inside ``value`` needs a block (a line break, or characters a plain or
    quoted flow scalar cannot hold as typed)."""
    if isinstance(value, dict):
        return all(_fits_on_a_line(v) for v in value.values())
    if isinstance(value, list):
        return all(_fits_on_a_line(v) for v in value)
    return not isinstance(value, str) or ("\n" not in value and _PRINTABLE.fullmatch(value) is not None)


def _is_flow(node: Any) -> bool:
    return isinstance(node, CommentedMap | CommentedSeq) and bool(node.fa.flow_style())


def _trailing_slot(node: Any) -> tuple[Any, Any] | None:
    """The container and key (or index) whose comment holds what follows ``node``'s last line,
    such as the blank line before the next section, descending through block-style children."""
    while isinstance(node, CommentedMap | CommentedSeq) and node and not _is_flow(node):
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        child = node[key]
        if isinstance(child, CommentedMap | CommentedSeq) and child and not _is_flow(child):
            node = child
            continue
        return node, key
    return None


def _take_trailing_comment(node: Any) -> tuple[Any, bool] | None:
    """Detach the comment after ``node``'s last line (see :func:`_trailing_slot`); returns it and
    whether that line ended a block scalar (which keeps its own line break)."""
    found = _trailing_slot(node)
    if found is None:
        return None
    container, key = found
    entry = container.ca.items.get(key)
    slot = 2 if isinstance(container, CommentedMap) else 0
    if not entry or entry[slot] is None:
        return None
    token, entry[slot] = entry[slot], None
    return token, _is_block_scalar(container[key])


def _put_trailing_comment(node: Any, taken: tuple[Any, bool] | None) -> None:
    """Attach a comment taken by :func:`_take_trailing_comment` after ``node``'s last line."""
    found = _trailing_slot(node)
    if taken is None or found is None:
        return
    token, after_block = taken
    container, key = found
    before_block = _is_block_scalar(container[key])
    if after_block and not before_block:
        token.value = "\n" + token.value  # the line break the block scalar had kept
    elif before_block and not after_block and token.value.startswith("\n"):
        token.value = token.value[1:]
    is_map = isinstance(container, CommentedMap)
    container.ca.items.setdefault(key, [None] * (4 if is_map else 2))[2 if is_map else 0] = token


def _is_block_scalar(value: Any) -> bool:
    return isinstance(value, LiteralScalarString | FoldedScalarString)


# -- merging an edited case back into the person's document ----------------------------------


def merge(old: Any, new: Any) -> Any:
    """Return ``old`` updated to equal ``new``, keeping comments, order and quoting where unchanged."""
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        return _merge_map(old, new)
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        return _merge_seq(old, new)
    if _same_scalar(old, new):
        return old
    if isinstance(new, str):
        return styled(new, like=old)
    return styled_tree(new)


def _same_scalar(old: Any, new: Any) -> bool:
    if old != new:
        return False
    if isinstance(old, bool) or isinstance(new, bool):  # True == 1 in Python, not in YAML
        return type(old) is type(new)
    return True


def _merge_map(old: CommentedMap, new: dict[str, Any]) -> CommentedMap:
    for key in [k for k in old if k not in new]:
        del old[key]
    order = list(new)
    for rank, (key, value) in enumerate(new.items()):
        if key in old:
            old[key] = merge(old[key], value)
            continue
        later = [k for k in order[rank + 1 :] if k in old]
        where = list(old).index(later[0]) if later else len(old)
        old.insert(where, key, styled_tree(value))  # may end the mapping: see _merge_seq
    return old


def _identities(items: list[Any], key: str) -> list[Any] | None:
    """Each item's ``key`` value, when every item is a mapping with a unique one."""
    values = [item.get(key) if isinstance(item, dict) else None for item in items]
    if None in values or len(set(values)) != len(values):
        return None
    return values


def _merge_seq(old: CommentedSeq, new: list[Any]) -> CommentedSeq:
    """Merge lists item by item; lists of people or sessions are matched by id or week.

    Matching by identity keeps each person's comments with that person when
    someone earlier in the list is removed or the list is reordered.
    """
    merged: list[Any] = []
    flow = bool(old) and _is_flow(old[-1])  # new entries follow the style of their siblings
    for key in ("id", "week"):
        old_ids, new_ids = _identities(list(old), key), _identities(new, key)
        if old_ids is not None and new_ids is not None:
            by_id = dict(zip(old_ids, list(old), strict=True))
            merged = [
                merge(by_id[k], v) if k in by_id else styled_tree(v, flow=flow)
                for k, v in zip(new_ids, new, strict=True)
            ]
            break
    else:
        merged = [merge(old[i], v) if i < len(old) else styled_tree(v, flow=flow) for i, v in enumerate(new)]
    if len(merged) == len(old) and all(a is b for a, b in zip(merged, old, strict=True)):
        return old
    closing = _take_trailing_comment(old) if old and merged and merged[-1] is not old[-1] else None
    del old[:]
    old.extend(merged)
    _put_trailing_comment(old, closing)  # the blank line that ended the list still ends it
    return old


def dump(doc: Any) -> str:
    stream = io.StringIO()
    roundtrip_yaml().dump(doc, stream)
    return stream.getvalue()
