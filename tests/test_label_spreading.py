import torch

from nnimg.label_spreading import knn_graph, spread_labels


def _blobs(per_class: int = 50, classes: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])[:classes]
    labels = torch.arange(classes).repeat_interleave(per_class)
    return centres[labels] + torch.randn(len(labels), 2, generator=generator), labels


def test_knn_graph_finds_the_nearest_other_points():
    codes = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    indices, distances = knn_graph(codes, k=2)
    assert indices.tolist() == [[1, 2], [0, 2], [1, 0], [2, 1]]
    assert (distances[:, 0] <= distances[:, 1]).all()


def test_one_label_per_cluster_spreads_to_the_whole_cluster():
    codes, truth = _blobs()
    labelled = torch.tensor([0, 50, 100])
    scores = spread_labels(codes, labelled, truth[labelled], classes=3, k=5)
    assert scores.shape == (150, 3)
    assert torch.equal(scores.argmax(1), truth)


def test_without_labels_in_a_cluster_nothing_reaches_it_with_confidence():
    codes, truth = _blobs()
    labelled = torch.tensor([0, 50])
    scores = spread_labels(codes, labelled, truth[labelled], classes=3, k=5)
    assert scores[100:].sum(1).max() < 1e-3 * scores[:100].sum(1).min()
