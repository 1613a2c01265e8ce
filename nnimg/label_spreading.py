"""Label spreading (Zhou et al., 2004) on a k-nearest-neighbour graph of codes: the few known
labels flow along the graph to every unlabelled point. On an AE's codes, neighbours mostly share
their digit, so 100 labels become tens of thousands of mostly right pseudo-labels."""

from __future__ import annotations

import torch


def knn_graph(codes: torch.Tensor, k: int = 10, *, batch_size: int = 2000) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices and squared distances of the `k` nearest neighbours of every code (itself excluded),
    after standardising each coordinate."""
    codes = (codes - codes.mean(0)) / codes.std(0).clamp_min(1e-8)
    norms = (codes ** 2).sum(1)
    indices, distances = [], []
    for start in range(0, len(codes), batch_size):
        batch = codes[start:start + batch_size]
        squared = (batch ** 2).sum(1, keepdim=True) - 2 * batch @ codes.T + norms
        squared[torch.arange(len(batch)), torch.arange(start, start + len(batch))] = float("inf")
        values, index = squared.topk(k, largest=False)
        indices.append(index)
        distances.append(values.clamp_min(0))
    return torch.cat(indices), torch.cat(distances)


def spread_labels(codes: torch.Tensor, labelled: torch.Tensor, labels: torch.Tensor, *, classes: int = 10,
                  k: int = 10, alpha: float = 0.99, iterations: int = 30) -> torch.Tensor:
    """Class scores (N, classes) for every code, from the labels of the codes at `labelled`.

    The graph's edge weights are Gaussian in the distance with a local scale per point (the
    distance to its k-th neighbour); F <- alpha S F + (1 - alpha) Y with S = D^-1/2 W D^-1/2.
    """
    indices, distances = knn_graph(codes, k)
    count = len(codes)
    scale = distances[:, -1].sqrt().clamp_min(1e-6)
    weights = torch.exp(-distances / (scale[:, None] * scale[indices]))
    rows = torch.arange(count).repeat_interleave(k)
    graph = torch.sparse_coo_tensor(torch.stack([rows, indices.flatten()]), weights.flatten(), (count, count),
                                    check_invariants=False)
    graph = (graph + graph.t()).coalesce()
    inverse_sqrt_degree = torch.sparse.sum(graph, 1).to_dense().clamp_min(1e-12).rsqrt()[:, None]
    known = torch.zeros(count, classes)
    known[labelled, labels] = 1.0
    scores = known.clone()
    for _ in range(iterations):
        spread = inverse_sqrt_degree * torch.sparse.mm(graph, inverse_sqrt_degree * scores)
        scores = alpha * spread + (1 - alpha) * known
    return scores
