"""Request bodies: DRF's JSON parser made strict, and multipart bodies that never keep a file.

Every input a parser lets through becomes the views' problem, and some (a body nested
thousands deep, a lone surrogate, 1e400) would surface there as a 500. They are refused here,
once for every endpoint, as a 400 `{"detail": ...}`.
"""

import codecs
import json
import math
import re

from django.core.exceptions import BadRequest
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# No body of the API nests more than a few levels (an order's items, a line's choices);
# anything much deeper is an attack on the recursion of whatever reads it next.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, also refusing what JSON allows but no field can use: nesting past
    MAX_DEPTH, duplicate keys (which one counts differs between parsers), numbers beyond a
    float's range (1e400 reads as infinity) and lone UTF-16 surrogates (not text: they break
    the database and the JSON written back)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant,
                parse_float=_finite_float,
                object_pairs_hook=_unique_keys,
            )
        except RecursionError:
            raise ParseError(_too_deep()) from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
        _check_depth_and_text(data)
        return data


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {duplicate[:50]!r} appears twice in one object")
    return data


def _too_deep() -> str:
    return f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


def _check_depth_and_text(data) -> None:
    """Walk the parsed body without recursion: depth, and strings (keys too) that are text."""
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise ParseError("JSON parse error - a string holds a lone surrogate (\\ud800).")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ParseError(_too_deep())
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None:
                    pending.append((key, depth))
                pending.append((item, depth + 1))


class FilePartRefused(MultiPartParserError, BadRequest):
    """A file part in a multipart body: a 400 from DRF's parser (MultiPartParserError) and
    from Django's own request.POST (BadRequest), as in the admin's forms."""


class RefuseFilesUploadHandler(FileUploadHandler):
    """The only upload handler (settings.FILE_UPLOAD_HANDLERS): no endpoint takes files.

    Django calls new_file() on the part's headers, before reading any of its content, and
    only handlers after this one would store it in memory or in a temporary file: raising
    here means no byte of the file is kept, whatever its size.
    """

    def new_file(self, field_name, file_name, *args, **kwargs):
        raise FilePartRefused(
            f"The part {field_name[:50]!r} is a file; no endpoint accepts files. "
            "Send the fields as form fields or JSON."
        )

    def receive_data_chunk(self, raw_data, start):  # never reached: new_file() refuses
        raise FilePartRefused("No endpoint accepts files.")

    def file_complete(self, file_size):
        return None
