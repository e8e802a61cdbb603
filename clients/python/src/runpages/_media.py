"""Media for the run directory (docs/design.md#media): a file under media/ plus one line of media.jsonl.

The same rules as runpages' src/run/image.ts, src/run/media.ts and src/run/curves.ts (stdlib only): images
are known by their bytes, dimensions come from the header, limits are checked before anything is
written, and ROC/PR curves, confusion matrices and histograms are computed the way scikit-learn and
numpy compute them, so a run logged from Python and one logged from TypeScript agree.
"""

import hashlib
import io
import json
import math
import os
import re
import struct
import time
import zlib
from typing import Any, Dict, List, Optional, Sequence, Tuple

# src/run/limits.ts
MAX_MEDIA_FILE_BYTES = 64 * 1024 * 1024
MAX_MEDIA_DATA_BYTES = 2 * 1024 * 1024
MAX_MEDIA_TEXT_BYTES = 256 * 1024
MAX_MEDIA_KEY_LENGTH = 200
MAX_MEDIA_CAPTION_LENGTH = 1000
MAX_IMAGE_SIDE = 16_384
MAX_IMAGE_PIXELS = 40_000_000
MAX_DECOMPRESSION_RATIO = 1000
BOMB_MIN_PIXELS = 4_000_000
MAX_CONFUSION_LABELS = 256
MAX_CURVE_POINTS = 10_000
MAX_HISTOGRAM_BINS = 1000
MAX_TABLE_COLUMNS = 64
MAX_TABLE_ROWS = 10_000
CURVE_POINTS_KEPT = 1000

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg"}
KINDS = ("image", "confusion_matrix", "curve", "histogram", "table", "text")


class MediaProblem(ValueError):
    """A medium that breaks a rule; the message says which and with what value."""


def _plain(value: Any) -> Any:
    """numpy arrays and scalars, torch tensors, tuples: plain Python lists and numbers."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _round(value: float) -> float:
    return round(value * 1e6) / 1e6


# -- images ----------------------------------------------------------------------------------------


def image_info(data: bytes) -> Tuple[str, int, int]:
    """(mime, width, height) from the header bytes; MediaProblem for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise MediaProblem("is a PNG without an IHDR header chunk first")
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:3] == b"\xff\xd8\xff":
        at = 2
        while at + 3 < len(data):
            if data[at] != 0xFF:
                raise MediaProblem(f"is a JPEG with a broken segment at byte {at}")
            marker = data[at + 1]
            if marker == 0xFF:
                at += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            if marker in (0xD9, 0xDA):
                break
            length = struct.unpack(">H", data[at + 2:at + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[at + 5:at + 9])
                return "image/jpeg", width, height
            at += 2 + length
        raise MediaProblem("is a JPEG without a frame header (SOF) before its image data")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return "image/webp", 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return "image/webp", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return "image/webp", width & 0x3FFF, height & 0x3FFF
    head = data[:4096].decode("utf-8", "replace").lstrip("\ufeff")
    prolog = re.match(r"\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>\[]*(\[[\s\S]*?\])?\s*>\s*)*<svg[\s>/]", head, re.I)
    if prolog:
        tag = re.match(r"<svg[^>]*>", head[prolog.end() - 5:], re.I)
        text = tag.group(0) if tag else ""

        def attr(name: str) -> Optional[str]:
            found = re.search(r"\s%s\s*=\s*[\"']([^\"']*)[\"']" % name, text, re.I)
            return found.group(1) if found else None

        def length(value: Optional[str]) -> Optional[int]:
            found = re.match(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$", value or "", re.I)
            return int(round(float(found.group(1)))) if found else None

        box = [float(v) for v in re.split(r"[\s,]+", (attr("viewBox") or "").strip()) if v][:4]
        width = length(attr("width")) or (int(round(box[2])) if len(box) == 4 else 300)
        height = length(attr("height")) or (int(round(box[3])) if len(box) == 4 else 150)
        return "image/svg+xml", width, height
    raise MediaProblem("is not a PNG, JPEG, GIF, WebP or SVG image (judged by its bytes, not its name)")


def dimension_problem(mime: str, width: int, height: int, size: int) -> Optional[str]:
    if width < 1 or height < 1:
        return f"has no pixels ({width} x {height})"
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        return f"is {width} x {height} pixels, over the limit of {MAX_IMAGE_SIDE} pixels a side"
    if mime == "image/svg+xml":
        return None
    pixels = width * height
    if pixels > MAX_IMAGE_PIXELS:
        return f"is {width} x {height} = {pixels} pixels, over the limit of {MAX_IMAGE_PIXELS}"
    if pixels > BOMB_MIN_PIXELS and pixels * 4 / max(size, 1) > MAX_DECOMPRESSION_RATIO:
        return (f"looks like a decompression bomb: {width} x {height} pixels ({round(pixels * 4 / 1048576)} MB decoded) "
                f"from a {size}-byte file, over {MAX_DECOMPRESSION_RATIO} times its size")
    return None


def _png(rows: List[List[Any]]) -> bytes:
    """A PNG of an H x W (grey) or H x W x 3/4 (RGB/RGBA) array of 0-255 ints or 0-1 floats."""
    height = len(rows)
    width = len(rows[0]) if height else 0
    first = rows[0][0] if height and width else 0
    channels = len(first) if isinstance(first, list) else 1
    if channels not in (1, 3, 4):
        raise MediaProblem(f"is an array with {channels} channels; images have 1, 3 or 4")
    floats = any(isinstance(v, float) for row in rows[:4] for px in row[:16] for v in (px if isinstance(px, list) else [px]))

    def byte(v: Any) -> int:
        v = float(v) * 255 if floats else float(v)
        return 0 if v != v else max(0, min(255, int(round(v))))

    raw = bytearray()
    for row in rows:
        raw.append(0)
        for px in row:
            if channels == 1:
                raw.append(byte(px))
            else:
                raw.extend(byte(v) for v in px)
    colour = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def image_bytes(image: Any) -> bytes:
    """The bytes of a path, bytes, a matplotlib figure (`savefig`), a PIL image (`save`) or an array of pixels."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        size = os.path.getsize(image)
        if size > MAX_MEDIA_FILE_BYTES:
            raise MediaProblem(f"is {size} bytes, over the limit of {MAX_MEDIA_FILE_BYTES} for an image")
        with open(image, "rb") as file:
            return file.read()
    if hasattr(image, "savefig"):
        buffer = io.BytesIO()
        image.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    if hasattr(image, "save") and hasattr(image, "mode"):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    if hasattr(image, "tolist") or isinstance(image, list):
        return _png(_plain(image))
    raise MediaProblem(f"got a {type(image).__name__}; pass a path, bytes, a figure with savefig, a PIL image or an array of pixels")


# -- numbers ---------------------------------------------------------------------------------------


def _threshold_counts(y_true: Sequence[Any], y_score: Sequence[float]) -> Tuple[List[int], List[int]]:
    if len(y_true) != len(y_score):
        raise MediaProblem(f"y_true has {len(y_true)} values and y_score {len(y_score)}")
    order = sorted(range(len(y_score)), key=lambda i: (-float(y_score[i]), i))
    tps: List[int] = []
    fps: List[int] = []
    tp = fp = 0
    for n, i in enumerate(order):
        if float(y_true[i]) > 0:
            tp += 1
        else:
            fp += 1
        if n + 1 == len(order) or float(y_score[order[n + 1]]) != float(y_score[i]):
            tps.append(tp)
            fps.append(fp)
    return tps, fps


def _thin(x: List[float], y: List[float]) -> Tuple[List[float], List[float]]:
    if len(x) <= CURVE_POINTS_KEPT:
        return [_round(v) for v in x], [_round(v) for v in y]
    keep = [int(round(i * (len(x) - 1) / (CURVE_POINTS_KEPT - 1))) for i in range(CURVE_POINTS_KEPT)]
    return [_round(x[i]) for i in keep], [_round(y[i]) for i in keep]


def roc_curve(y_true: Sequence[Any], y_score: Sequence[float]) -> Dict[str, Any]:
    tps, fps = _threshold_counts(_plain(y_true), _plain(y_score))
    positives, negatives = (tps[-1] if tps else 0), (fps[-1] if fps else 0)
    if positives == 0 or negatives == 0:
        raise MediaProblem("a ROC curve needs both positive and negative examples")
    x = [0.0] + [fp / negatives for fp in fps]
    y = [0.0] + [tp / positives for tp in tps]
    auc = sum((x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 for i in range(1, len(x)))
    xs, ys = _thin(x, y)
    return {"curve": "roc", "x": xs, "y": ys, "x_label": "false positive rate", "y_label": "true positive rate", "auc": _round(auc)}


def pr_curve(y_true: Sequence[Any], y_score: Sequence[float]) -> Dict[str, Any]:
    tps, fps = _threshold_counts(_plain(y_true), _plain(y_score))
    positives = tps[-1] if tps else 0
    if positives == 0:
        raise MediaProblem("a precision-recall curve needs positive examples")
    recall = [tp / positives for tp in tps]
    precision = [tp / (tp + fp) for tp, fp in zip(tps, fps)]
    ap, previous = 0.0, 0.0
    for r, p in zip(recall, precision):
        ap += (r - previous) * p
        previous = r
    xs, ys = _thin([0.0] + recall, [1.0] + precision)
    return {"curve": "pr", "x": xs, "y": ys, "x_label": "recall", "y_label": "precision", "ap": _round(ap)}


def _natural(values: List[str]) -> List[str]:
    def key(v: str) -> Tuple[int, Any]:
        try:
            number = float(v)
            return (0, number) if math.isfinite(number) else (1, v)
        except ValueError:
            return (1, v)
    return sorted(values, key=key)


def confusion_from(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Optional[Sequence[Any]] = None) -> Dict[str, Any]:
    y_true, y_pred = [_label(v) for v in _plain(y_true)], [_label(v) for v in _plain(y_pred)]
    if len(y_true) != len(y_pred):
        raise MediaProblem(f"y_true has {len(y_true)} values and y_pred {len(y_pred)}")
    names = [str(v) for v in labels] if labels is not None else _natural(sorted(set(y_true) | set(y_pred)))
    index = {name: i for i, name in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for t, p in zip(y_true, y_pred):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return {"labels": names, "matrix": matrix}


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def histogram_of(values: Sequence[float], bins: int = 30) -> Dict[str, Any]:
    finite = [float(v) for v in _flatten(_plain(values)) if math.isfinite(float(v))]
    if not finite:
        raise MediaProblem("a histogram needs at least one finite value")
    lo, hi = min(finite), max(finite)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in finite:
        counts[min(bins - 1, int(math.floor((v - lo) / width)))] += 1
    return {"bins": [_round(lo + i * width) for i in range(bins + 1)], "counts": counts}


def _flatten(values: Any) -> List[Any]:
    if isinstance(values, list):
        return [item for value in values for item in _flatten(value)]
    return [values]


# -- checks and writing ------------------------------------------------------------------------------


def _numbers(value: Any, name: str, limit: int) -> List[float]:
    if not isinstance(value, list):
        raise MediaProblem(f'needs "{name}", a list of numbers')
    if len(value) > limit:
        raise MediaProblem(f'has {len(value)} values in "{name}", over the limit of {limit}')
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise MediaProblem(f'has {item!r} in "{name}", not a finite number')
        out.append(item)
    return out


def check_data(kind: str, data: Dict[str, Any]) -> None:
    """The shape and limits src/run/media.ts checks, so a refused medium is refused here, at once."""
    if kind == "confusion_matrix":
        labels, matrix = data.get("labels") or [], data.get("matrix")
        if not 1 <= len(labels) <= MAX_CONFUSION_LABELS:
            raise MediaProblem(f"has {len(labels)} labels; a confusion matrix has 1 to {MAX_CONFUSION_LABELS}")
        if not isinstance(matrix, list) or len(matrix) != len(labels) or any(not isinstance(r, list) or len(r) != len(labels) for r in matrix):
            raise MediaProblem(f'needs "matrix" with one row of {len(labels)} counts per label')
        for row in matrix:
            for cell in _numbers(row, "matrix", MAX_CONFUSION_LABELS):
                if cell < 0:
                    raise MediaProblem(f"has {cell!r} in the matrix, not a count >= 0")
    elif kind == "curve":
        x, y = _numbers(data.get("x"), "x", MAX_CURVE_POINTS), _numbers(data.get("y"), "y", MAX_CURVE_POINTS)
        if len(x) != len(y) or not x:
            raise MediaProblem(f'needs "x" and "y" of the same, non-zero length (got {len(x)} and {len(y)})')
    elif kind == "histogram":
        edges, counts = _numbers(data.get("bins"), "bins", MAX_HISTOGRAM_BINS + 1), _numbers(data.get("counts"), "counts", MAX_HISTOGRAM_BINS)
        if not counts or len(edges) != len(counts) + 1:
            raise MediaProblem(f"needs n + 1 bin edges for n counts (got {len(edges)} edges and {len(counts)} counts)")
        if any(b < a for a, b in zip(edges, edges[1:])):
            raise MediaProblem("has bin edges that are not ascending")
    elif kind == "table":
        columns, rows = data.get("columns") or [], data.get("rows") or []
        if not 1 <= len(columns) <= MAX_TABLE_COLUMNS:
            raise MediaProblem(f"has {len(columns)} columns; a table has 1 to {MAX_TABLE_COLUMNS}")
        if len(rows) > MAX_TABLE_ROWS:
            raise MediaProblem(f"has {len(rows)} rows, over the limit of {MAX_TABLE_ROWS}")
        for index, row in enumerate(rows):
            if len(row) != len(columns):
                raise MediaProblem(f"has row {index} with {len(row)} cells, not {len(columns)}")


def write_medium(run_dir: str, key: str, kind: str, data: bytes, step: Optional[float] = None, caption: Optional[str] = None) -> str:
    """Checks the medium, writes media/<sha256>.<ext> and appends its line to media.jsonl; returns its sha256."""
    if not isinstance(key, str) or not key:
        raise MediaProblem('needs a key (a non-empty string such as "val/samples")')
    if len(key) > MAX_MEDIA_KEY_LENGTH:
        raise MediaProblem(f"has a key of {len(key)} characters, over the limit of {MAX_MEDIA_KEY_LENGTH}")
    if re.search("[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]", key):
        raise MediaProblem("has a key with control characters")
    line: Dict[str, Any] = {"key": key, "kind": kind}
    if step is not None:
        step = float(step)
        if not math.isfinite(step):
            raise MediaProblem(f"has step {step}; it must be a finite number")
        line["step"] = int(step) if step.is_integer() else step
    if caption is not None:
        caption = str(caption)
        line["caption"] = caption if len(caption) <= MAX_MEDIA_CAPTION_LENGTH else caption[:MAX_MEDIA_CAPTION_LENGTH - 3] + "..."
    extra: Dict[str, Any] = {}
    if kind == "image":
        if len(data) > MAX_MEDIA_FILE_BYTES:
            raise MediaProblem(f"is {len(data)} bytes, over the limit of {MAX_MEDIA_FILE_BYTES} for an image")
        mime, width, height = image_info(data)
        problem = dimension_problem(mime, width, height, len(data))
        if problem:
            raise MediaProblem(problem)
        ext = EXTENSIONS[mime]
        extra = {"mime": mime, "width": width, "height": height}
    else:
        limit = MAX_MEDIA_TEXT_BYTES if kind == "text" else MAX_MEDIA_DATA_BYTES
        if len(data) > limit:
            raise MediaProblem(f"is {len(data)} bytes, over the limit of {limit} for a {kind}")
        ext = "txt" if kind == "text" else "json"
    sha256 = hashlib.sha256(data).hexdigest()
    name = f"media/{sha256}.{ext}"
    os.makedirs(os.path.join(run_dir, "media"), exist_ok=True)
    target = os.path.join(run_dir, name)
    if not os.path.exists(target):
        temp = f"{target}.{os.getpid()}.tmp"
        with open(temp, "wb") as file:
            file.write(data)
        os.replace(temp, target)
    line.update({"file": name, "sha256": sha256, "bytes": len(data), **extra, "time": round(time.time(), 3)})
    with open(os.path.join(run_dir, "media.jsonl"), "a", encoding="utf-8") as file:
        file.write(json.dumps(line, allow_nan=False) + "\n")
    return sha256


def json_bytes(kind: str, data: Dict[str, Any]) -> bytes:
    check_data(kind, data)
    return json.dumps(data, allow_nan=False, separators=(",", ":")).encode("utf-8")


def table_cell(value: Any, log_image) -> Any:
    """A JSON cell: plain values as they are, non-finite numbers as null, images logged and referenced."""
    value = _plain(value)
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict) and isinstance(value.get("image"), str):
        return {"image": value["image"]}
    if isinstance(value, (bytes, bytearray, memoryview)) or hasattr(value, "savefig") or (hasattr(value, "save") and hasattr(value, "mode")):
        sha256 = log_image(value)
        return {"image": sha256} if sha256 else None
    try:
        number = float(value)
        return number if math.isfinite(number) else None
    except (TypeError, ValueError):
        return json.dumps(value, default=str)[:1000]
