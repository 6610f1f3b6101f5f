"""Anchors, decoding and weighted non-maximum suppression for MediaPipe's SSD detectors
(BlazeFace and the palm detector share them: only input size and strides differ)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Detection:
    """A box and keypoints in input-square units (0..1), with its score."""

    center: tuple[float, float]
    size: tuple[float, float]
    keypoints: np.ndarray  # (K, 2)
    score: float


def anchors(size: int, strides: tuple[int, ...]) -> np.ndarray:
    """Anchor centres (N, 2) in 0..1, in the order the model emits them: consecutive layers with
    the same stride share a grid and contribute two anchors each per cell (MediaPipe's
    SsdAnchorsCalculator with fixed anchor size)."""
    out, i = [], 0
    while i < len(strides):
        stride, repeat = strides[i], 0
        while i < len(strides) and strides[i] == stride:
            repeat, i = repeat + 2, i + 1
        cells = size // stride
        ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells, (np.arange(cells) + 0.5) / cells, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(grid, repeat, axis=0))
    return np.concatenate(out).astype(np.float32)


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchor: np.ndarray, size: int,
           threshold: float) -> list[Detection]:
    """Detections above `threshold`: box offsets and keypoints are in input pixels from the anchor."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1), -80, 80)))
    keep = np.flatnonzero(scores >= threshold)
    out = []
    for i in keep:
        r = raw_boxes[i] / size
        points = r[4:].reshape(-1, 2) + anchor[i]
        out.append(Detection((float(r[0] + anchor[i, 0]), float(r[1] + anchor[i, 1])),
                             (float(r[2]), float(r[3])), points, float(scores[i])))
    return out


def iou(a: Detection, b: Detection) -> float:
    ax0, ay0 = a.center[0] - a.size[0] / 2, a.center[1] - a.size[1] / 2
    bx0, by0 = b.center[0] - b.size[0] / 2, b.center[1] - b.size[1] / 2
    w = max(0.0, min(ax0 + a.size[0], bx0 + b.size[0]) - max(ax0, bx0))
    h = max(0.0, min(ay0 + a.size[1], by0 + b.size[1]) - max(ay0, by0))
    inner = w * h
    union = a.size[0] * a.size[1] + b.size[0] * b.size[1] - inner
    return inner / union if union > 0 else 0.0


def weighted_nms(detections: list[Detection], overlap: float = 0.3) -> list[Detection]:
    """MediaPipe's weighted suppression: each cluster of overlapping boxes becomes their
    score-weighted mean (steadier boxes from frame to frame than keeping only the best)."""
    rest = sorted(detections, key=lambda d: d.score, reverse=True)
    out = []
    while rest:
        best = rest[0]
        cluster = [d for d in rest if iou(best, d) > overlap]
        rest = [d for d in rest if iou(best, d) <= overlap]
        w = np.array([d.score for d in cluster])[:, None]
        geometry = np.array([[*d.center, *d.size, *d.keypoints.ravel()] for d in cluster])
        mean = (geometry * w).sum(0) / w.sum()
        out.append(Detection((mean[0], mean[1]), (mean[2], mean[3]), mean[4:].reshape(-1, 2), best.score))
    return out
